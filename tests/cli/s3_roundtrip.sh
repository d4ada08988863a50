#!/usr/bin/env bash
# S3 through the CLI: generated buckets (multipart, folder markers, a
# leaf/directory collision) decode, verify, encode with the self-test and
# decode again to the same s3/ tree; a pipe input gives the same tree;
# a corrupted manifest fails closed with no MANIFEST.json.
set -euo pipefail
: "${EKV_BIN:?}" "${EKVGEN_BIN:?}"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
cd "$T"
fail() { echo "FAIL: $*" >&2; exit 1; }

"$EKVGEN_BIN" --seed 3 --records 120 --value-size 1500000 --adapters s3 --output in.fsm > /dev/null
"$EKV_BIN" decode --input in.fsm --output out > /dev/null
test -f out/MANIFEST.json || fail "no MANIFEST.json"
test -f out/s3/bench-00/_bucket.json || fail "no _bucket.json"
grep -q '"kind":"sha-fallback"' out/s3/bench-00/KEYMAP.jsonl || fail "folder markers not kept (D20)"
grep -q '"kind":"s3-leaf-data"' out/s3/bench-00/KEYMAP.jsonl || fail "no leaf-data rename"
LC_ALL=C sort -c <(cut -d'"' -f4 out/s3/bench-00/KEYMAP.jsonl) || fail "KEYMAP not sorted (D23)"
"$EKV_BIN" verify out > /dev/null || fail "verify"

"$EKV_BIN" encode --input out --output re.fsm --self-test > /dev/null || fail "encode --self-test"
"$EKV_BIN" decode --input re.fsm --output out2 > /dev/null
diff -r out/s3 out2/s3 || fail "decode(encode(tree)) differs"

"$EKV_BIN" decode --input /dev/stdin --output out3 < <(cat in.fsm) > /dev/null || fail "pipe input"
diff -r out/s3 out3/s3 || fail "pipe input gives another tree"

# --include-orphans dumps cannot be encoded (s3.md §5.1)
"$EKV_BIN" decode --input in.fsm --output orph --include-orphans > /dev/null
if "$EKV_BIN" encode --input orph --output orph.fsm > /dev/null 2>&1; then fail "encoded an --include-orphans dump"; fi
test ! -e orph.fsm || fail "orph.fsm written"

# D22: a manifest whose size_bytes disagrees with its chunks fails closed
off=$(grep -boa '"size_bytes":1500000' in.fsm | head -1 | cut -d: -f1)
cp in.fsm bad.fsm
printf '9' | dd of=bad.fsm bs=1 seek=$((off + 13)) conv=notrunc status=none
if "$EKV_BIN" decode --input bad.fsm --output bad > /dev/null 2> err.txt; then fail "corrupt size accepted"; fi
test ! -e bad/MANIFEST.json || fail "MANIFEST.json written for a failed decode"
grep -q "s3" err.txt || fail "error does not name the adapter"
echo ok
