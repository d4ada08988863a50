# Redis encode refuses tampered dumps with exit 2, naming the file, and
# publishes no output (redis.md §6.2; D11 accepted).
. "$(dirname "$0")/core_lib.bash"
"$EKVGEN_BIN" --seed 9 --records 600 --value-size 16 --adapters redis --output "$T/s.fsm" >/dev/null ||
	fail "ekvgen failed"
expect_exit 0 "$EKV_BIN" decode --input "$T/s.fsm" --output "$T/a"
db="$T/a/redis/db_0"
tamper() {   # tamper FILE CONTENT WHAT
	local f=$1 saved
	saved=$(mktemp "$T/saved.XXXXXX")
	cp "$f" "$saved"
	printf '%s' "$2" >"$f"
	rm -f "$T/out.fsm"
	expect_exit 2 "$EKV_BIN" encode --input "$T/a" --output "$T/out.fsm"
	[ ! -e "$T/out.fsm" ] || fail "$3: output published"
	grep -q "$(basename "$f")" "$T/err" || { cat "$T/err"; fail "$3: error does not name the file"; }
	cp "$saved" "$f"
}
z=$(ls "$db/zsets" | head -n1)
tamper "$db/zsets/$z" '{"format_version":1,"members":[{"member":"m","score":"nan"}],"expire_at_ms":null}' "NaN score"
h=$(ls "$db/hashes" | head -n1)
tamper "$db/hashes/$h" '{"format_version":1,"fields":[],"fields":[],"expire_at_ms":null}' "duplicate member"
tamper "$db/hashes/$h" '{"format_version":1,"fields":[]' "bad JSON"
s=$(ls "$db/streams" | head -n1)
tamper "$db/streams/$s" '{"id":"1-0","fields":[{"name":"a"}]}
{"_meta":true,"length":1,"last_ms":1,"last_seq":0,"expire_at_ms":null}
' "odd stream fields"
# D11: a _meta that disagrees with its entries is accepted
printf '%s\n' '{"id":"5-0","fields":[]}' '{"_meta":true,"length":9,"last_ms":1,"last_seq":0,"expire_at_ms":null}' >"$db/streams/$s"
expect_exit 0 "$EKV_BIN" encode --input "$T/a" --output "$T/ok.fsm" --self-test
exit 0
