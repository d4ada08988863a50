# DynamoDB: generator snapshot -> decode -> verify -> encode -> decode gives
# the same tree (per-item and jsonl bundle layouts, D19), encode is
# deterministic, and both layouts encode to the same .fsm; a tiny spill
# threshold (D14) changes nothing.
. "$(dirname "$0")/core_lib.bash"
"$EKVGEN_BIN" --seed 11 --records 1200 --value-size 80 --adapters dynamodb --output "$T/s.fsm" >/dev/null ||
	fail "ekvgen failed"
expect_exit 0 "$EKV_BIN" decode --input "$T/s.fsm" --output "$T/a" --quiet
[ "$(field dynamodb <"$T/out")" -gt 1200 ] || fail "dynamodb counter: $(cat "$T/out")"
for t in users events blobs legacy migr; do
	[ -f "$T/a/dynamodb/$t/_schema.json" ] || fail "no _schema.json for $t"
done
[ "$(jq -r .dynamodb_layout "$T/a/MANIFEST.json")" = per-item ] || fail "layout not per-item"
expect_exit 0 "$EKV_BIN" verify "$T/a"
expect_exit 0 "$EKV_BIN" encode --input "$T/a" --output "$T/r.fsm" --self-test --quiet
expect_exit 0 "$EKV_BIN" decode --input "$T/r.fsm" --output "$T/b" --quiet
diff -r "$T/a/dynamodb" "$T/b/dynamodb" || fail "per-item trees differ after a round trip"
expect_exit 0 "$EKV_BIN" encode --input "$T/b" --output "$T/r2.fsm" --quiet
cmp "$T/r.fsm" "$T/r2.fsm" || fail "encode is not deterministic"

# D14: spilling every few records gives the same bytes
expect_exit 0 "$EKV_BIN" decode --input "$T/s.fsm" --output "$T/sp" --spill-threshold 4096 --quiet
diff -r "$T/a/dynamodb" "$T/sp/dynamodb" || fail "spilled decode differs"

# D19: bundle mode, with rollover
expect_exit 0 "$EKV_BIN" decode --input "$T/s.fsm" --output "$T/j" --dynamodb-bundle-mode jsonl \
	--dynamodb-bundle-size 8KiB --quiet
[ "$(jq -r .dynamodb_layout "$T/j/MANIFEST.json")" = jsonl ] || fail "layout not jsonl"
[ -f "$T/j/dynamodb/users/items/data-00001.jsonl" ] || fail "no rollover to a second part"
for f in "$T"/j/dynamodb/*/items/*.jsonl; do
	[ "$(wc -c <"$f")" -le 8192 ] || fail "$f exceeds the bundle size"
done
n_items=$(find "$T/a/dynamodb" -path '*/items/*' -name '*.json' | wc -l)
n_lines=$(cat "$T"/j/dynamodb/*/items/*.jsonl | wc -l)
[ "$n_items" = "$n_lines" ] || fail "per-item files $n_items vs bundle lines $n_lines"
[ "$(jq '[.. | .dynamodb_bundle_size? // empty] | first' "$T/j/MANIFEST.json")" = 8192 ] ||
	fail "bundle size not recorded in MANIFEST.json"
expect_exit 0 "$EKV_BIN" verify "$T/j"
expect_exit 0 "$EKV_BIN" encode --input "$T/j" --output "$T/rj.fsm" --self-test --quiet
cmp "$T/r.fsm" "$T/rj.fsm" || fail "jsonl and per-item dumps encode differently"

# adapter disabled: records count as internal and no dynamodb/ is written
expect_exit 0 "$EKV_BIN" decode --input "$T/s.fsm" --output "$T/off" --adapter redis --quiet
[ ! -e "$T/off/dynamodb" ] || fail "dynamodb/ written although the adapter is disabled"
[ "$(field internal <"$T/out")" -gt 1200 ] || fail "disabled records not counted internal: $(cat "$T/out")"
exit 0
