# The decode summary reports D1/D2 counters: superseded versions,
# tombstones and operational rows the generator wrote.
. "$(dirname "$0")/core_lib.bash"
gen "$T/s.fsm" --with-operational --with-versions --with-internal
expect_exit 0 "$EKV_BIN" decode --input "$T/s.fsm" --output "$T/d" --quiet
for f in entries superseded tombstone operational internal unknown; do
	want=$(field "$f" <"$T/gen.out")
	got=$(field "$f" <"$T/out")
	[ "$want" = "$got" ] || fail "$f: decode says $got, generator wrote $want"
done
[ "$(field operational <"$T/gen.out")" = 5 ] || fail "generator operational rows"
jq -e '.ekvbackup' "$T/d/MANIFEST.json" >/dev/null || fail "no ekvbackup counters in MANIFEST (D5)"
