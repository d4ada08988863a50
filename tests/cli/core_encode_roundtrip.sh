# decode -> encode -> decode: the two trees are identical apart from
# MANIFEST.json/CHECKSUMS; the sidecar is 0600 and names the .fsm's sha256.
. "$(dirname "$0")/core_lib.bash"
gen "$T/s.fsm" --with-operational --with-versions --with-internal
expect_exit 0 "$EKV_BIN" decode --input "$T/s.fsm" --output "$T/a" --quiet
expect_exit 0 "$EKV_BIN" encode --input "$T/a" --output "$T/r.fsm" --quiet
grep -q "^encoded " "$T/out" || fail "no encode summary"
sha=$(field sha256 <"$T/out")
[ "$sha" = "$(sha256sum "$T/r.fsm" | cut -d' ' -f1)" ] || fail "summary sha256 differs from the file"
info="$T/r.fsm.encode_info.json"
[ -f "$info" ] || fail "no encode_info.json"
[ "$(stat -c %a "$info")" = 600 ] || fail "encode_info.json mode $(stat -c %a "$info")"
[ "$(jq -r .output_fsm_sha256 "$info")" = "$sha" ] || fail "sidecar sha256"
[ "$(jq -r .format_version "$info")" = 1 ] || fail "sidecar format_version"
[ "$(jq -r .self_test.ran "$info")" = false ] || fail "sidecar self_test.ran"
[ "$(tail -c1 "$info" | od -An -c | tr -d ' ')" = '\n' ] || fail "sidecar lacks its final newline"
expect_exit 0 "$EKV_BIN" decode --input "$T/r.fsm" --output "$T/b" --quiet
diff -r -x MANIFEST.json -x CHECKSUMS "$T/a" "$T/b" || fail "trees differ after a round trip"
# Encoding the re-decoded tree gives the same bytes again.
expect_exit 0 "$EKV_BIN" encode --input "$T/b" --output "$T/r2.fsm" --quiet
cmp "$T/r.fsm" "$T/r2.fsm" || fail "encode is not deterministic"
# --node-format writes the wrapper, and decode accepts it (D3).
expect_exit 0 "$EKV_BIN" encode --input "$T/a" --output "$T/n.fsm" --node-format --quiet
[ "$(head -c 8 "$T/n.fsm")" = EKVTHLC1 ] || fail "--node-format did not write EKVTHLC1"
expect_exit 0 "$EKV_BIN" decode --input "$T/n.fsm" --output "$T/c" --quiet
diff -r -x MANIFEST.json -x CHECKSUMS "$T/a" "$T/c" || fail "node-format tree differs"
# The sidecar refuses a symlink and the .fsm is rolled back.
ln -s "$T/elsewhere" "$T/s2.fsm.encode_info.json"
expect_exit 1 "$EKV_BIN" encode --input "$T/a" --output "$T/s2.fsm" --quiet
[ ! -e "$T/s2.fsm" ] || fail "output kept although its sidecar was refused"
[ ! -e "$T/elsewhere" ] || fail "sidecar written through a symlink"
# An existing output is never replaced (exit 1, file untouched).
echo keep >"$T/exists.fsm"
expect_exit 1 "$EKV_BIN" encode --input "$T/a" --output "$T/exists.fsm" --quiet
[ "$(cat "$T/exists.fsm")" = keep ] || fail "existing output replaced"
# A missing MANIFEST.json is an environment error (1), an adapter the
# manifest does not list a data error (2).
mkdir "$T/empty"
expect_exit 1 "$EKV_BIN" encode --input "$T/empty" --output "$T/e.fsm" --quiet
expect_exit 0 "$EKV_BIN" decode --input "$T/s.fsm" --output "$T/redisonly" --adapter redis --quiet
expect_exit 2 "$EKV_BIN" encode --input "$T/redisonly" --output "$T/e.fsm" --adapter sqs --quiet
[ ! -e "$T/e.fsm" ] || fail "output written on a data error"
