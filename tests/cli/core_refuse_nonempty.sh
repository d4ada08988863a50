# D6: decode refuses an output root that exists and is not empty.
. "$(dirname "$0")/core_lib.bash"
gen "$T/s.fsm"
mkdir "$T/dump"
echo keep >"$T/dump/old.txt"
expect_exit 1 "$EKV_BIN" decode --input "$T/s.fsm" --output "$T/dump"
[ ! -e "$T/dump/MANIFEST.json" ] || fail "MANIFEST.json written into a non-empty root"
[ "$(cat "$T/dump/old.txt")" = keep ] || fail "existing file touched"
[ -s "$T/err" ] || fail "no message on stderr"
# An existing empty directory is fine.
mkdir "$T/empty"
expect_exit 0 "$EKV_BIN" decode --input "$T/s.fsm" --output "$T/empty" --quiet
[ -f "$T/empty/MANIFEST.json" ] || fail "no MANIFEST.json in an empty root"
