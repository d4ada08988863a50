#!/usr/bin/env bash
# Golden Redis fixture (tests/fixtures/good/redis_rich): our decode of
# input.fsm equals the tree upstream's decoder wrote; our encode of it is
# the recorded .fsm (which upstream's decoder reads back to the same tree),
# and decoding that gives the tree again.
set -u
fail() { echo "FAIL: $*" >&2; exit 1; }
FX="${EKV_SOURCE_DIR:?}/tests/fixtures/good/redis_rich"
T=$(mktemp -d) || exit 1
trap 'rm -rf "$T"' EXIT
"$EKV_BIN" decode --input "$FX/input.fsm" --output "$T/d" >/dev/null 2>&1 || fail "decode"
diff -r "$FX/expected" "$T/d/redis" || fail "tree differs from upstream's"
"$EKV_BIN" encode --input "$T/d" --output "$T/e.fsm" >/dev/null || fail "encode"
cmp "$FX/expected_encode.fsm" "$T/e.fsm" || fail "encoded .fsm differs from the recorded one"
"$EKV_BIN" decode --input "$T/e.fsm" --output "$T/r" >/dev/null 2>&1 || fail "re-decode"
diff -r "$FX/expected" "$T/r/redis" || fail "re-decoded tree differs"
echo ok
