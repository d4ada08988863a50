# ekvgen is deterministic, and its container mixes (older versions and
# deleted keys D1, operational rows D2, internal/unknown prefixes) never
# change the dump tree: only the counters differ.
. "$(dirname "$0")/core_lib.bash"
gen "$T/a.fsm"
gen "$T/b.fsm"
cmp "$T/a.fsm" "$T/b.fsm" || fail "same flags, different bytes"
"$EKVGEN_BIN" --seed 8 --records 1000 --value-size 64 --output "$T/c.fsm" >/dev/null
! cmp -s "$T/a.fsm" "$T/c.fsm" || fail "another seed gave the same bytes"
gen "$T/m.fsm" --with-versions --with-operational --with-internal
gen "$T/m2.fsm" --with-versions --with-operational --with-internal
cmp "$T/m.fsm" "$T/m2.fsm" || fail "mixes are not deterministic"
expect_exit 0 "$EKV_BIN" decode --input "$T/a.fsm" --output "$T/plain" --quiet
expect_exit 0 "$EKV_BIN" decode --input "$T/m.fsm" --output "$T/mixed" --quiet
[ "$(field superseded <"$T/out")" -gt 0 ] || fail "the mix added no older versions"
[ "$(field tombstone <"$T/out")" -gt 0 ] || fail "the mix added no tombstones"
diff -r -x MANIFEST.json -x CHECKSUMS "$T/plain" "$T/mixed" || fail "the mix changed the dump tree"
# The same through the node wrapper.
gen "$T/n.fsm" --with-versions --with-operational --with-internal --node-format
expect_exit 0 "$EKV_BIN" decode --input "$T/n.fsm" --output "$T/node" --quiet
diff -r -x MANIFEST.json -x CHECKSUMS "$T/plain" "$T/node" || fail "node wrapper changed the dump tree"
