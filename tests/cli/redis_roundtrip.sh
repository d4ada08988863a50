# Redis: ekvgen records of every type -> decode -> encode (self-test) ->
# decode gives the same tree; D12 cap and count-only modes from the CLI.
. "$(dirname "$0")/core_lib.bash"
"$EKVGEN_BIN" --seed 5 --records 3000 --value-size 48 --adapters redis --output "$T/s.fsm" >/dev/null ||
	fail "ekvgen failed"
expect_exit 0 "$EKV_BIN" decode --input "$T/s.fsm" --output "$T/a"
db="$T/a/redis/db_0"
for d in strings hll hashes lists sets zsets streams; do
	[ -n "$(ls -A "$db/$d")" ] || fail "no $d written"
done
[ -s "$db/strings_ttl.jsonl" ] && [ -s "$db/hll_ttl.jsonl" ] || fail "TTL sidecars missing"
[ "$(field orphan_ttls <"$T/out")" = 0 ] || fail "orphan TTLs on a clean snapshot"
expect_exit 0 "$EKV_BIN" encode --input "$T/a" --output "$T/r.fsm" --self-test
expect_exit 0 "$EKV_BIN" decode --input "$T/r.fsm" --output "$T/b"
diff -r -x MANIFEST.json -x CHECKSUMS "$T/a" "$T/b" || fail "trees differ after a round trip"
expect_exit 0 "$EKV_BIN" verify "$T/a"
# D12: a cap too small for the pending set/zset/stream TTLs fails closed.
expect_exit 1 "$EKV_BIN" decode --input "$T/s.fsm" --output "$T/c" --pending-ttl-cap 64
[ ! -e "$T/c/MANIFEST.json" ] || fail "MANIFEST.json written although the cap was reached"
grep -q "pending-ttl-cap" "$T/err" || fail "cap error does not name the flag"
# D12: cap 0 counts those TTLs as orphans instead.
expect_exit 0 "$EKV_BIN" decode --input "$T/s.fsm" --output "$T/d" --pending-ttl-cap 0
[ "$(field orphan_ttls <"$T/out")" -gt 0 ] || fail "count-only mode counted no orphan TTLs"
# D14: a tiny spill threshold writes the same tree.
if "$EKV_BIN" decode --help 2>&1 | grep -q -- --spill-threshold; then
	expect_exit 0 "$EKV_BIN" decode --input "$T/s.fsm" --output "$T/e" --spill-threshold 4096
	diff -r -x MANIFEST.json -x CHECKSUMS "$T/a" "$T/e" || fail "spilled decode differs"
fi
exit 0
