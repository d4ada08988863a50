#!/usr/bin/env bash
# Golden S3 fixture (tests/fixtures/good/s3_rich): our decode of input.fsm
# must equal the trees upstream's decoder wrote (with --rename-collisions
# plus --include-incomplete-uploads, and plus --include-orphans), and our
# encode of the decoded tree the .fsm upstream's encoder wrote. The input
# has multipart parts 1/3/7 with versioned and superseded blobs, offloaded
# chunk refs, a leaf-data and a meta-suffix rename (one per bucket, so
# upstream's KEYMAP order is fixed), HTML characters and sorted user
# metadata, control-character and invalid-UTF-8 keys, a b64. bucket, a
# stale generation, an orphan and an in-flight upload.
set -u
fail() { echo "FAIL: $*" >&2; exit 1; }
FX="${EKV_SOURCE_DIR:?}/tests/fixtures/good/s3_rich"
T=$(mktemp -d) || exit 1
trap 'rm -rf "$T"' EXIT
"$EKV_BIN" decode --input "$FX/input.fsm" --output "$T/d" --rename-collisions \
	--include-incomplete-uploads >/dev/null 2>&1 || fail "decode"
diff -r "$FX/expected" "$T/d/s3" || fail "tree differs from upstream's"
"$EKV_BIN" decode --input "$FX/input.fsm" --output "$T/o" --rename-collisions \
	--include-orphans >/dev/null 2>&1 || fail "decode with orphans"
diff -r "$FX/expected_orphans" "$T/o/s3" || fail "orphan tree differs from upstream's"
"$EKV_BIN" decode --input "$FX/input.fsm" --output "$T/r" --rename-collisions >/dev/null 2>&1 ||
	fail "decode for encode"
"$EKV_BIN" encode --input "$T/r" --output "$T/e.fsm" >/dev/null || fail "encode"
cmp "$FX/expected_encode.fsm" "$T/e.fsm" || fail "encoded .fsm differs from upstream's"
echo ok
