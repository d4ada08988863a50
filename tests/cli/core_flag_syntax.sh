# Go flag syntax (tools.md §2.1): one or two dashes, =value or the next
# word, bools only take =value, the last repeat wins, "--" ends flags.
. "$(dirname "$0")/core_lib.bash"
gen "$T/s.fsm" --with-internal
expect_exit 0 "$EKV_BIN" decode -input "$T/s.fsm" -output="$T/d1" -quiet
expect_exit 0 "$EKV_BIN" decode --input="$T/s.fsm" --output "$T/d2" --quiet=true --adapter=all
expect_exit 0 "$EKV_BIN" decode --input "$T/nope.fsm" --input "$T/s.fsm" --output "$T/d3" -quiet=1
[ -f "$T/d3/MANIFEST.json" ] || fail "last --input did not win"
expect_exit 0 "$EKV_BIN" decode --input "$T/s.fsm" --output "$T/d4" --quiet --adapter " redis , sqs,"
[ "$(jq -c '.adapters | keys' "$T/d4/MANIFEST.json")" = '["redis","sqs"]' ] || fail "adapter subset"
# A bool never takes the next word: "false" is then a stray argument.
expect_exit 1 "$EKV_BIN" decode --input "$T/s.fsm" --output "$T/d5" --quiet false
grep -q 'unexpected argument "false"' "$T/err" || fail "stray argument message"
[ ! -e "$T/d5" ] || fail "output created on a usage error"
# Sizes take binary suffixes.
expect_exit 0 "$EKV_BIN" decode --input "$T/s.fsm" --output "$T/d6" --quiet \
	--pending-ttl-cap 512MiB --spill-threshold=1_048_576 --dynamodb-bundle-size 0x100000
# Flags may follow the operand of verify and inspect; "--" ends flags.
expect_exit 0 "$EKV_BIN" verify "$T/d1" --quiet
grep -q "OK" "$T/out" || fail "verify summary"
expect_exit 0 "$EKV_BIN" inspect --json -- "$T/s.fsm"
expect_exit 1 "$EKV_BIN" inspect -- --json   # a file named --json
