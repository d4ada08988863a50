#!/bin/bash
# Golden SQS fixture: our decode of tests/fixtures/good/sqs_edge/input.fsm
# must equal the trees upstream's decoder wrote (with and without side
# records), and our encode of that tree the .fsm upstream's encoder wrote.
set -u
fail() { echo "FAIL: $*" >&2; exit 1; }
FX="${EKV_SOURCE_DIR:?}/tests/fixtures/good/sqs_edge"
T=$(mktemp -d) || exit 1
trap 'rm -rf "$T"' EXIT
"$EKV_BIN" decode --input "$FX/input.fsm" --output "$T/d" >/dev/null 2>&1 || fail "decode"
diff -r "$FX/expected/sqs" "$T/d/sqs" || fail "tree differs from upstream's"
"$EKV_BIN" decode --input "$FX/input.fsm" --output "$T/s" --include-sqs-side-records >/dev/null 2>&1 ||
	fail "decode with side records"
diff -r "$FX/expected_side/sqs" "$T/s/sqs" || fail "side-record tree differs from upstream's"
"$EKV_BIN" encode --input "$T/d" --output "$T/e.fsm" >/dev/null || fail "encode"
cmp "$FX/expected_encode.fsm" "$T/e.fsm" || fail "encoded .fsm differs from upstream's"
echo ok
