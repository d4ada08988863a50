# decode a generated snapshot, then verify and sha256sum -c CHECKSUMS;
# altering a file makes verify fail.
. "$(dirname "$0")/core_lib.bash"
gen "$T/s.fsm" --with-operational --with-versions --with-internal
expect_exit 0 "$EKV_BIN" decode --input "$T/s.fsm" --output "$T/dump" --quiet
grep -q "^decoded " "$T/out" || fail "no summary on stdout"
[ -f "$T/dump/MANIFEST.json" ] || fail "no MANIFEST.json"
[ -f "$T/dump/CHECKSUMS" ] || fail "no CHECKSUMS"
expect_exit 0 "$EKV_BIN" verify "$T/dump"
(cd "$T/dump" && sha256sum -c --quiet CHECKSUMS) || fail "sha256sum -c CHECKSUMS"
# Tamper with the manifest: verify must report it and exit 1.
chmod u+w "$T/dump/MANIFEST.json"
printf ' ' >>"$T/dump/MANIFEST.json"
expect_exit 1 "$EKV_BIN" verify "$T/dump"
grep -q "MANIFEST.json" "$T/out" "$T/err" || fail "verify did not name the altered file"
# No progress line when stderr is not a terminal.
rm -rf "$T/dump2"
expect_exit 0 "$EKV_BIN" decode --input "$T/s.fsm" --output "$T/dump2"
! grep -q $'\r' "$T/err" || fail "progress written to a non-tty stderr"
# A missing root is a problem (1), not a usage error.
expect_exit 1 "$EKV_BIN" verify "$T/no-such-dump"
