# A snapshot cut short fails with exit 1 and never leaves a MANIFEST.json.
. "$(dirname "$0")/core_lib.bash"
gen "$T/s.fsm" --with-internal
size=$(stat -c %s "$T/s.fsm")
[ "$size" -gt 16 ] || fail "generated snapshot too small ($size bytes)"
for cut in 4 12 17 $((size / 2)) $((size - 1)); do
	[ "$cut" -lt "$size" ] || continue
	head -c "$cut" "$T/s.fsm" >"$T/cut.fsm"
	rm -rf "$T/dump"
	expect_exit 1 "$EKV_BIN" decode --input "$T/cut.fsm" --output "$T/dump"
	[ ! -e "$T/dump/MANIFEST.json" ] || fail "MANIFEST.json after a cut at $cut"
	grep -q "ekvbackup decode" "$T/err" || fail "no error message for a cut at $cut"
done
# The same for a node-format file whose footer no longer matches.
gen "$T/n.fsm" --node-format --with-internal
nsize=$(stat -c %s "$T/n.fsm")
head -c $((nsize - 1)) "$T/n.fsm" >"$T/ncut.fsm"
rm -rf "$T/dump"
expect_exit 1 "$EKV_BIN" decode --input "$T/ncut.fsm" --output "$T/dump"
[ ! -e "$T/dump/MANIFEST.json" ] || fail "MANIFEST.json after a cut node file"
