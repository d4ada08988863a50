# inspect: text and --json agree with the generator's counts and add up.
. "$(dirname "$0")/core_lib.bash"
gen "$T/s.fsm" --with-operational --with-versions --with-internal
read -r entries superseded tombstone operational < <(
	for f in entries superseded tombstone operational; do field "$f" <"$T/gen.out"; done | xargs)
expect_exit 0 "$EKV_BIN" inspect "$T/s.fsm"
grep -q "^magic: *EKVPBBL1" "$T/out" || fail "text: magic"
grep -q "^check: total $entries == " "$T/out" || fail "text: consistency line"
expect_exit 0 "$EKV_BIN" inspect --json "$T/s.fsm"
jq -e . "$T/out" >/dev/null || fail "--json is not JSON"
[ "$(jq .counters.total "$T/out")" = "$entries" ] || fail "total"
[ "$(jq .counters.superseded "$T/out")" = "$superseded" ] || fail "superseded"
[ "$(jq .counters.tombstone "$T/out")" = "$tombstone" ] || fail "tombstone"
[ "$(jq .counters.operational "$T/out")" = "$operational" ] || fail "operational"
[ "$(jq .consistent "$T/out")" = true ] || fail "consistent"
[ "$(jq '[.classes[].count] | add // 0' "$T/out")" -le "$entries" ] || fail "class counts"
# The flag may come after the file as well, and a node file is accepted.
gen "$T/n.fsm" --node-format
expect_exit 0 "$EKV_BIN" inspect "$T/n.fsm" --json
[ "$(jq .node_wrapper "$T/out")" = 1 ] || fail "node_wrapper"
expect_exit 1 "$EKV_BIN" inspect "$T/missing.fsm"
