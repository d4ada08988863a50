#!/bin/bash
# SQS CLI round trip: generated snapshot (standard, FIFO, CBD FIFO and
# partitioned queues) -> decode -> encode must give the same .fsm bytes;
# decode again gives the same tree; side records (D13) decode on FIFO
# queues that have sent; a tampered messages.jsonl is refused (typed
# exit, no output file); a decode that fails writes no MANIFEST.json.
set -u
fail() { echo "FAIL: $*" >&2; exit 1; }
T=$(mktemp -d) || exit 1
trap 'rm -rf "$T"' EXIT
cd "$T"

"$EKVGEN_BIN" --seed 7 --records 4000 --adapters sqs --output a.fsm >/dev/null || fail "ekvgen"
"$EKV_BIN" decode --input a.fsm --output d1 >/dev/null || fail "decode"
[ -f d1/MANIFEST.json ] || fail "no MANIFEST.json"
ls d1/sqs | grep -q '\.fifo$' || fail "no FIFO queue in the dump"
"$EKV_BIN" encode --input d1 --output b.fsm >/dev/null || fail "encode"
cmp -s a.fsm b.fsm || fail "encode(decode(gen)) differs from gen"
"$EKV_BIN" decode --input b.fsm --output d2 >/dev/null || fail "decode 2"
diff -r -x MANIFEST.json -x CHECKSUMS d1 d2 >/dev/null || fail "decode(encode(tree)) differs from tree"

# D13: side records on FIFO queues with a seq counter.
"$EKV_BIN" decode --input a.fsm --output d3 --include-sqs-side-records >/dev/null || fail "side-record decode"
f=$(ls d3/sqs/*.fifo/_internals/side_records.jsonl | head -1)
grep -q '"prefix":"!sqs|queue|seq|"' "$f" || fail "no seq side record in $f"
# The encoder refuses a dump whose manifest says side records were kept.
"$EKV_BIN" encode --input d3 --output c.fsm >/dev/null 2>&1 && fail "encode accepted side-record dump"
[ -e c.fsm ] && fail "c.fsm written"

# Tampered message: duplicate member -> refused, nothing written.
q=$(ls d1/sqs | head -1)
sed -i '1s/^{"message_id":"\([0-9a-f]*\)"/{"message_id":"\1","message_id":"x"/' "d1/sqs/$q/messages.jsonl"
"$EKV_BIN" encode --input d1 --output e.fsm >/dev/null 2>err.txt && fail "tampered dump encoded"
[ -e e.fsm ] && fail "e.fsm written"
grep -q "messages.jsonl" err.txt || fail "error does not name the file: $(cat err.txt)"

# A snapshot with a corrupt SQS message fails closed: no MANIFEST.json.
# The message magic is 00 'S' 'M' 01 followed by the JSON; overwrite the 'M'.
off=$(LC_ALL=C grep -obUa $'SM\x01{"message_id"' a.fsm | head -1 | cut -d: -f1)
[ -n "$off" ] || fail "no message magic found in a.fsm"
cp a.fsm bad.fsm
printf 'X' | dd of=bad.fsm bs=1 seek=$((off + 1)) conv=notrunc status=none || fail "dd"
"$EKV_BIN" decode --input bad.fsm --output d4 >/dev/null 2>err2.txt && fail "corrupt snapshot decoded"
[ -e d4/MANIFEST.json ] && fail "MANIFEST.json written for a failed decode"
grep -q "magic" err2.txt || fail "error does not say magic: $(cat err2.txt)"
echo ok
