# The decode summary reports D1/D2 counters: superseded versions,
# tombstones and operational rows the generator wrote.
. "$(dirname "$0")/core_lib.bash"
gen "$T/s.fsm" --with-operational --with-versions --with-internal
expect_exit 0 "$EKV_BIN" decode --input "$T/s.fsm" --output "$T/d" --quiet
for f in entries superseded tombstone operational; do
	want=$(field "$f" <"$T/gen.out")
	got=$(field "$f" <"$T/out")
	[ "$want" = "$got" ] || fail "$f: decode says $got, generator wrote $want"
done
[ "$(field operational <"$T/gen.out")" = 5 ] || fail "generator operational rows"
# Live records land in an adapter, internal or unknown; adapters may own
# internal rows of their own, so only the sums must agree.
sum_gen=$(( $(field live <"$T/gen.out") + $(field internal <"$T/gen.out") + $(field unknown <"$T/gen.out") ))
sum_dec=0
for f in dynamodb s3 redis sqs internal unknown; do sum_dec=$((sum_dec + $(field "$f" <"$T/out"))); done
[ "$sum_gen" = "$sum_dec" ] || fail "live+internal+unknown: generator $sum_gen, decode $sum_dec"
[ "$(field internal <"$T/out")" -ge "$(field internal <"$T/gen.out")" ] || fail "internal too low"
[ "$(field unknown <"$T/out")" -ge "$(field unknown <"$T/gen.out")" ] || fail "unknown too low"
jq -e '.ekvbackup' "$T/d/MANIFEST.json" >/dev/null || fail "no ekvbackup counters in MANIFEST (D5)"
