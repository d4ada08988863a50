# Redis decode fails closed on malformed records (redis.md §6.1): exit 1,
# an error naming the key, and no MANIFEST.json.
. "$(dirname "$0")/core_lib.bash"
hex() { printf '%s' "$1" | xxd -p | tr -d '\n'; }
le64() { printf '%016x' "$1" | sed 's/../& /g' | awk '{for(i=8;i>=1;i--) printf "%s",$i}'; }
# one_entry OUT KEY_HEX BODY_HEX: a snapshot with one live record (ts 1).
one_entry() {
	local k="$2fffffffffffffffe" v="00$(le64 0)$3"
	k="${2}fffffffffffffffe"
	{
		printf 'EKVPBBL1'
		printf '%s' "$(le64 1)$(le64 $((${#k} / 2)))$k$(le64 $((${#v} / 2)))$v" | xxd -r -p
	} >"$1"
}
check() {
	local name=$1 key=$2 body=$3 what=$4
	one_entry "$T/$name.fsm" "$key" "$body"
	expect_exit 1 "$EKV_BIN" decode --input "$T/$name.fsm" --output "$T/$name"
	[ ! -e "$T/$name/MANIFEST.json" ] || fail "$name: MANIFEST.json written"
	grep -q "$what" "$T/err" || { cat "$T/err"; fail "$name: error does not say '$what'"; }
	grep -q "key" "$T/err" || fail "$name: error does not name the key"
}
k1="$(hex '!stream|entry|')00000001$(hex k)00000000000000010000000000000000"
check stream_no_magic "$k1" "$(hex 'xyz')" "RXE magic"
check stream_odd "$k1" "0052584501120161" "odd field count"
check stream_short_id "$(hex '!stream|entry|')00000001$(hex k)00000001" "0052584501" "16-byte ID"
check stream_meta_len "$(hex '!stream|meta|')00000001$(hex k)" "000000" "stream meta"
check string_trunc "$(hex '!redis|str|k')" "ff01" "header truncated"
check ttl_len "$(hex '!redis|ttl|k')" "0102" "TTL value"
check zset_nan "$(hex '!zs|mem|')00000001$(hex km)" "7ff8000000000001" "NaN"
check zset_blob "$(hex '!redis|zset|k')" "00" "magic"
check hash_blob "$(hex '!redis|hash|k')" "005253010a01ff" "magic"
check set_blob_utf8 "$(hex '!redis|set|k')" "005253010a01ff" "UTF-8"
# the baseline: a well-formed record decodes
one_entry "$T/ok.fsm" "$(hex '!redis|str|k')" "ff010076"
expect_exit 0 "$EKV_BIN" decode --input "$T/ok.fsm" --output "$T/ok"
[ "$(cat "$T/ok/redis/db_0/strings/k.bin")" = v ] || fail "baseline string not decoded"
exit 0
