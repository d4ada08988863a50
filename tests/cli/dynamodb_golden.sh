#!/bin/bash
# Golden DynamoDB fixtures: our decode of tests/fixtures/good/dynamodb_*/input.fsm
# must equal the tree upstream's decoder wrote, and our encode of that tree
# the .fsm upstream's encoder wrote (numbers' canonical names, odd key
# bytes, protobuf-go decode rules, deterministic protobuf and GSI rows).
# dots: upstream cannot decode it; the tree is ours (D15) and the .fsm is
# what upstream's encoder made of that tree.
set -u
fail() { echo "FAIL: $*" >&2; exit 1; }
T=$(mktemp -d) || exit 1
trap 'rm -rf "$T"' EXIT
for name in keys proto dots; do
	FX="${EKV_SOURCE_DIR:?}/tests/fixtures/good/dynamodb_$name"
	"$EKV_BIN" decode --input "$FX/input.fsm" --output "$T/$name" --adapter dynamodb >/dev/null 2>&1 ||
		fail "$name: decode"
	diff -r "$FX/expected/dynamodb" "$T/$name/dynamodb" || fail "$name: tree differs from upstream's"
	"$EKV_BIN" encode --input "$T/$name" --output "$T/$name.fsm" --adapter dynamodb >/dev/null ||
		fail "$name: encode"
	cmp "$FX/expected_encode.fsm" "$T/$name.fsm" || fail "$name: encoded .fsm differs from upstream's"
done
echo ok
