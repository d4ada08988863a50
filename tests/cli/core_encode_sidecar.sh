# ENCODE_INFO.json (tools.md §4.7): key order, HTML escaping, overrides,
# 0600; a lower --last-commit-ts is a data error (exit 2).
. "$(dirname "$0")/core_lib.bash"
gen "$T/s.fsm" --with-internal
expect_exit 0 "$EKV_BIN" decode --input "$T/s.fsm" --output "$T/a" --quiet --cluster-id 'prod-a&b'
out="$T/x&y<z>.fsm"
expect_exit 0 "$EKV_BIN" encode --input "$T/a" --output "$out" --quiet --last-commit-ts 0x00018F1A2B3C0010
info="$out.encode_info.json"
keys=$(jq -r 'keys_unsorted | join(",")' "$info")
want=format_version,encoder_version,encoder_key_format_version,wall_time_iso,input_root,output_fsm_path,output_fsm_sha256,last_commit_ts,last_commit_ts_overridden,manifest_last_commit_ts,manifest_cluster_id,adapters_enabled,self_test
[ "$keys" = "$want" ] || fail "sidecar keys: $keys"
grep -q '"output_fsm_path": ".*x\\u0026y\\u003cz\\u003e.fsm"' "$info" || fail "HTML escaping of the path"
grep -q '"manifest_cluster_id": "prod-a\\u0026b"' "$info" || fail "HTML escaping of the cluster id"
[ "$(jq .last_commit_ts "$info")" = $((0x00018F1A2B3C0010)) ] || fail "override value"
[ "$(jq .manifest_last_commit_ts "$info")" = $((0x00018F1A2B3C0007)) ] || fail "manifest value"
[ "$(jq .last_commit_ts_overridden "$info")" = true ] || fail "overridden flag"
[ "$(jq -c .adapters_enabled "$info")" = '["redis","dynamodb","s3","sqs"]' ] || fail "adapters order"
grep -q '^  "adapters_enabled": \[$' "$info" || fail "array not expanded one element per line"
jq -r .wall_time_iso "$info" | grep -Eq '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]*[1-9])?Z$' ||
	fail "wall_time_iso format"
[ "$(stat -c %a "$info")" = 600 ] || fail "sidecar mode"
[ "$(head -c 16 "$out" | tail -c 8 | od -An -tx1 | tr -d ' \n')" = "10003c2b1a8f0100" ] ||
	fail "override not in the .fsm header"
# Equal override still counts as overridden; a lower one is refused.
expect_exit 0 "$EKV_BIN" encode --input "$T/a" --output "$T/eq.fsm" --quiet --last-commit-ts " 438817533984775 "
[ "$(jq .last_commit_ts_overridden "$T/eq.fsm.encode_info.json")" = true ] || fail "equal override"
expect_exit 2 "$EKV_BIN" encode --input "$T/a" --output "$T/lo.fsm" --quiet --last-commit-ts 5
[ ! -e "$T/lo.fsm" ] && [ ! -e "$T/lo.fsm.encode_info.json" ] || fail "files left after a refused override"
# Without an override: not overridden; encode --adapter is case-insensitive.
expect_exit 0 "$EKV_BIN" encode --input "$T/a" --output "$T/p.fsm" --quiet --adapter REDIS,Sqs
[ "$(jq .last_commit_ts_overridden "$T/p.fsm.encode_info.json")" = false ] || fail "not overridden"
[ "$(jq -c .adapters_enabled "$T/p.fsm.encode_info.json")" = '["redis","sqs"]' ] || fail "subset order"
# A stale mismatch.txt is removed by the next run.
echo stale >"$T/q.fsm.mismatch.txt"
expect_exit 0 "$EKV_BIN" encode --input "$T/a" --output "$T/q.fsm" --quiet
[ ! -e "$T/q.fsm.mismatch.txt" ] || fail "stale mismatch.txt kept"
# A hard-linked sidecar is refused and the .fsm rolled back.
echo x >"$T/other"
ln "$T/other" "$T/h.fsm.encode_info.json"
expect_exit 1 "$EKV_BIN" encode --input "$T/a" --output "$T/h.fsm" --quiet
[ ! -e "$T/h.fsm" ] || fail ".fsm kept with a refused hard-linked sidecar"
[ "$(cat "$T/other")" = x ] || fail "hard-linked file modified"
