# A generated snapshot without the mixes is canonical: decode then encode
# gives back the very same bytes.
. "$(dirname "$0")/core_lib.bash"
gen "$T/s.fsm"
expect_exit 0 "$EKV_BIN" decode --input "$T/s.fsm" --output "$T/a" --quiet
expect_exit 0 "$EKV_BIN" encode --input "$T/a" --output "$T/r.fsm" --self-test --quiet
cmp "$T/s.fsm" "$T/r.fsm" || fail "decode+encode changed the bytes of a canonical snapshot"
[ "$(jq -r .self_test.matched "$T/r.fsm.encode_info.json")" = true ] || fail "self-test not matched"
