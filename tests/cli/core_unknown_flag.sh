# Unknown flags and bad values: message + usage on stderr; decode and
# encode exit 1 (tools.md §2.2), verify and inspect exit 2.
. "$(dirname "$0")/core_lib.bash"
for cmd_code in decode:1 encode:1 verify:2 inspect:2; do
	cmd=${cmd_code%%:*} code=${cmd_code##*:}
	expect_exit "$code" "$EKV_BIN" "$cmd" --no-such-flag
	grep -q "flag provided but not defined: -no-such-flag" "$T/err" || fail "$cmd: no error message"
	grep -q "^usage: ekvbackup $cmd" "$T/err" || fail "$cmd: no usage on stderr"
	[ ! -s "$T/out" ] || fail "$cmd: wrote to stdout"
done
gen "$T/s.fsm"
# decode --adapter is case-sensitive; missing values and bad bools fail.
expect_exit 1 "$EKV_BIN" decode --input "$T/s.fsm" --output "$T/d1" --adapter REDIS
grep -q "REDIS: unknown adapter name" "$T/err" || fail "decode --adapter REDIS message"
[ ! -e "$T/d1" ] || fail "decode created the output on a usage error"
expect_exit 1 "$EKV_BIN" decode --input "$T/s.fsm" --output "$T/d1" --adapter ,
grep -q "zero adapters" "$T/err" || fail "decode --adapter , message"
expect_exit 1 "$EKV_BIN" decode --input "$T/s.fsm" --output
expect_exit 1 "$EKV_BIN" decode --input "$T/s.fsm" --output "$T/d1" --quiet=maybe
expect_exit 1 "$EKV_BIN" decode --output "$T/d1"
grep -q -- "--input is required" "$T/err" || fail "missing --input message"
expect_exit 1 "$EKV_BIN" decode --input "$T/s.fsm" --output "$T/d1" --pending-ttl-cap 3XiB
expect_exit 1 "$EKV_BIN" decode --input "$T/s.fsm" --output "$T/d1" --dynamodb-bundle-mode zip
# encode lower-cases adapter names; a bad --last-commit-ts is a usage error.
expect_exit 1 "$EKV_BIN" encode --input "$T/none" --output "$T/o.fsm" --adapter Nope
grep -q 'unknown adapter "nope"' "$T/err" || fail "encode --adapter message"
for ts in "" 100oops 0xffZZ -1 " 100 ext" 0x 18446744073709551616; do
	expect_exit 1 "$EKV_BIN" encode --input "$T/none" --output "$T/o.fsm" --last-commit-ts "$ts"
	grep -q "last-commit-ts" "$T/err" || fail "--last-commit-ts '$ts' message"
done
[ ! -e "$T/o.fsm" ] || fail "encode wrote output on a usage error"
expect_exit 2 "$EKV_BIN" verify
expect_exit 2 "$EKV_BIN" verify a b
expect_exit 2 "$EKV_BIN" nosuchcommand
