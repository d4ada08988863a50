# --self-test: a canonical tree matches; a hand-edited one (same JSON,
# other spacing) is a mismatch: exit 2, mismatch.txt naming the file, a
# sidecar with matched:false, and no .fsm published (tools.md §4.6.4).
. "$(dirname "$0")/core_lib.bash"
gen "$T/s.fsm" --adapters sqs
expect_exit 0 "$EKV_BIN" decode --input "$T/s.fsm" --output "$T/a" --quiet
expect_exit 0 "$EKV_BIN" encode --input "$T/a" --output "$T/ok.fsm" --self-test --quiet
grep -q "self_test=matched" "$T/out" || fail "self-test did not match a canonical tree"
[ "$(jq .self_test "$T/ok.fsm.encode_info.json" -c)" = '{"ran":true,"matched":true}' ] || fail "sidecar"
f=$(cd "$T/a" && find sqs -name '*.json' -type f 2>/dev/null | sort | head -n1)
if [ -z "$f" ]; then
	echo "SKIP: the generator wrote no sqs/*.json to edit"
	exit 0
fi
chmod -R u+w "$T/a"
sed -i '0,/": /s//":  /' "$T/a/$f"
expect_exit 2 "$EKV_BIN" encode --input "$T/a" --output "$T/bad.fsm" --self-test --quiet
[ ! -e "$T/bad.fsm" ] || fail ".fsm published after a mismatch"
grep -qF "$f (bytes differ)" "$T/bad.fsm.mismatch.txt" || fail "mismatch.txt does not name $f"
[ "$(stat -c %a "$T/bad.fsm.mismatch.txt")" = 600 ] || fail "mismatch.txt mode"
[ "$(jq .self_test -c "$T/bad.fsm.encode_info.json")" = '{"ran":true,"matched":false}' ] ||
	fail "sidecar after a mismatch"
grep -q "self-test" "$T/err" || fail "no self-test message on stderr"
