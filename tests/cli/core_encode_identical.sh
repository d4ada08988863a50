# Encode output is canonical: decoding and re-encoding it gives the very
# same bytes (a generated snapshot need not be canonical: generators
# write legacy layouts the encoder normalizes). --node-format wraps the
# same stream: EKVTHLC1 + BE64(ceiling ms) + stream + BE32 CRC32C (D3).
. "$(dirname "$0")/core_lib.bash"
gen "$T/s.fsm"
expect_exit 0 "$EKV_BIN" decode --input "$T/s.fsm" --output "$T/a" --quiet
expect_exit 0 "$EKV_BIN" encode --input "$T/a" --output "$T/r1.fsm" --self-test --quiet
[ "$(jq -r .self_test.matched "$T/r1.fsm.encode_info.json")" = true ] || fail "self-test not matched"
expect_exit 0 "$EKV_BIN" decode --input "$T/r1.fsm" --output "$T/b" --quiet
expect_exit 0 "$EKV_BIN" encode --input "$T/b" --output "$T/r2.fsm" --quiet
cmp "$T/r1.fsm" "$T/r2.fsm" || fail "decode+encode changed the bytes of a canonical snapshot"
expect_exit 0 "$EKV_BIN" encode --input "$T/b" --output "$T/n.fsm" --node-format --quiet
n1=$(stat -c %s "$T/r1.fsm")
[ "$(stat -c %s "$T/n.fsm")" = $((n1 + 20)) ] || fail "node file is not 20 bytes longer"
[ "$(head -c 8 "$T/n.fsm")" = EKVTHLC1 ] || fail "node magic"
# ceiling = (T >> 16) + 1 for T = 0x00018F1A2B3C0007
[ "$(head -c 16 "$T/n.fsm" | tail -c 8 | od -An -tx1 | tr -d ' \n')" = 000000018f1a2b3d ] ||
	fail "node header ceiling"
tail -c +17 "$T/n.fsm" | head -c "$n1" | cmp - "$T/r1.fsm" || fail "node payload differs from the bare stream"
