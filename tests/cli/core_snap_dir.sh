# --input-snap-dir picks the newest <16 hex>.fsm by index (D4, hex), and
# --all decodes every one into <output>/<stem>/.
. "$(dirname "$0")/core_lib.bash"
mkdir "$T/fsm-snap"
"$EKVGEN_BIN" --seed 1 --records 50 --node-format --output "$T/fsm-snap/0000000000000009.fsm" >/dev/null
"$EKVGEN_BIN" --seed 2 --records 60 --node-format --output "$T/fsm-snap/000000000000000a.fsm" >/dev/null
"$EKVGEN_BIN" --seed 3 --records 70 --node-format --output "$T/fsm-snap/0000000000000005.fsm" >/dev/null
echo junk >"$T/fsm-snap/000000000000000b.fsm.tmp"
expect_exit 0 "$EKV_BIN" decode --input-snap-dir "$T/fsm-snap" --output "$T/one" --quiet
[ "$(jq -r .source.fsm_path "$T/one/MANIFEST.json")" = "$T/fsm-snap/000000000000000a.fsm" ] ||
	fail "did not pick the newest snapshot"
[ "$(jq .snapshot_index "$T/one/MANIFEST.json")" = 10 ] || fail "snapshot_index is not hex 0xa"
expect_exit 0 "$EKV_BIN" decode --input-snap-dir "$T/fsm-snap" --all --output "$T/all" --quiet
for stem in 0000000000000005 0000000000000009 000000000000000a; do
	[ -f "$T/all/$stem/MANIFEST.json" ] || fail "--all: no $stem/MANIFEST.json"
done
[ "$(grep -c '^decoded ' "$T/out")" = 3 ] || fail "--all: expected three summaries"
expect_exit 1 "$EKV_BIN" decode --input-snap-dir "$T/nothing" --output "$T/x"
expect_exit 1 "$EKV_BIN" decode --input "$T/fsm-snap/0000000000000005.fsm" --input-snap-dir "$T/fsm-snap" --output "$T/x"
expect_exit 1 "$EKV_BIN" decode --input "$T/fsm-snap/0000000000000005.fsm" --all --output "$T/x"
# --all carries on after a broken snapshot and exits 1 at the end.
head -c 20 "$T/fsm-snap/0000000000000009.fsm" >"$T/fsm-snap/0000000000000007.fsm"
expect_exit 1 "$EKV_BIN" decode --input-snap-dir "$T/fsm-snap" --all --output "$T/all2" --quiet
[ ! -e "$T/all2/0000000000000007/MANIFEST.json" ] || fail "--all: MANIFEST.json for a broken snapshot"
[ -f "$T/all2/000000000000000a/MANIFEST.json" ] || fail "--all stopped at the broken snapshot"
grep -q "0000000000000007.fsm" "$T/err" || fail "--all: the broken snapshot is not named"
