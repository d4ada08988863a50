# DynamoDB fails closed through the CLI: a table named ".." (D16) and an item
# whose value lacks its magic make decode exit 1 with no MANIFEST.json; a
# tampered item file makes encode exit 2 with no output.
. "$(dirname "$0")/core_lib.bash"
# fsm FILE KEY VALUE...: a one-entry EKVPBBL1 stream (ts 1; value after the
# 9-byte header given as printf escapes)
fsm() {
	local out=$1 key=$2 val=$3
	le64() { printf "$(printf '\\%03o' $(($1 & 255)) $(($1 >> 8 & 255)) 0 0 0 0 0 0)"; }
	{
		printf 'EKVPBBL1'; le64 1
		le64 $((${#key} + 8)); printf '%s' "$key"; printf '\377\377\377\377\377\377\377\376'
		local body; body=$(printf "$val" | wc -c)
		le64 $((body + 9)); printf '\000\000\000\000\000\000\000\000\000'; printf "$val"
	} >"$out"
}
fsm "$T/dots.fsm" '!ddb|meta|table|Li4' '\000DS\001'
expect_exit 1 "$EKV_BIN" decode --input "$T/dots.fsm" --output "$T/o1" --quiet
grep -q 'unsafe' "$T/err" || fail "no unsafe status: $(cat "$T/err")"
grep -q 'Li4' "$T/err" || fail "error does not name the key: $(cat "$T/err")"
[ ! -e "$T/o1/MANIFEST.json" ] || fail "MANIFEST.json written after a failure"

fsm "$T/nomagic.fsm" '!ddb|item|dA|1|x' 'not-magic'
expect_exit 1 "$EKV_BIN" decode --input "$T/nomagic.fsm" --output "$T/o2" --quiet
grep -q 'magic' "$T/err" || fail "no magic message: $(cat "$T/err")"
[ ! -e "$T/o2/MANIFEST.json" ] || fail "MANIFEST.json written after a failure"

# encode: a decoded generator dump with one item tampered
"$EKVGEN_BIN" --seed 3 --records 200 --adapters dynamodb --output "$T/s.fsm" >/dev/null || fail "ekvgen"
expect_exit 0 "$EKV_BIN" decode --input "$T/s.fsm" --output "$T/d" --quiet
f=$(find "$T/d/dynamodb/users/items" -name '*.json' | head -n1)
printf '{"id":{"S":"x"},"bad":{"Q":"1"}}' >"$f"
expect_exit 2 "$EKV_BIN" encode --input "$T/d" --output "$T/r.fsm" --quiet
grep -q "$(basename "$f")" "$T/err" || fail "error does not name the file: $(cat "$T/err")"
[ ! -e "$T/r.fsm" ] || fail "output written after a failure"
exit 0
