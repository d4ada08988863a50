# D6: decode refuses a symlinked output root (upstream writes an empty
# CHECKSUMS through it).
. "$(dirname "$0")/core_lib.bash"
gen "$T/s.fsm"
mkdir "$T/real"
ln -s "$T/real" "$T/link"
expect_exit 1 "$EKV_BIN" decode --input "$T/s.fsm" --output "$T/link"
[ ! -e "$T/real/MANIFEST.json" ] || fail "MANIFEST.json written through a symlink"
[ -z "$(ls -A "$T/real")" ] || fail "files written through a symlinked root"
