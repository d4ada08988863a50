# A decode or encode killed by a signal (SIGTERM here; background jobs
# ignore SIGINT) removes what the run created: the output root, parents it
# made, its spill directory, encode's temporary .fsm; exit 128 + signal.
. "$(dirname "$0")/core_lib.bash"
gen "$T/s.fsm" --with-internal
mkfifo "$T/fifo"
# Feed half the snapshot and keep the pipe open: decode blocks mid-stream.
( exec 3>"$T/fifo"; head -c $(( $(stat -c %s "$T/s.fsm") / 2 )) "$T/s.fsm" >&3; sleep 30 ) &
feeder=$!
"$EKV_BIN" decode --input "$T/fifo" --output "$T/made/by/run" --quiet >"$T/out" 2>"$T/err" &
pid=$!
for _ in $(seq 50); do [ -e "$T/made/by/run" ] && break; sleep 0.1; done
[ -e "$T/made/by/run" ] || fail "decode did not start"
sleep 0.3
kill -TERM "$pid"
rc=0
wait "$pid" || rc=$?
kill "$feeder" 2>/dev/null || true
wait "$feeder" 2>/dev/null || true
[ "$rc" = 143 ] || { cat "$T/err"; fail "interrupted decode exited $rc, expected 143"; }
[ ! -e "$T/made" ] || fail "partial tree left: $(find "$T/made")"
[ -z "$(find "$T" -name '*.ekvtmp-*')" ] || fail "spill directory left"
grep -q "interrupted" "$T/err" || fail "no message"
# An existing empty root stays, emptied.
mkdir "$T/empty"
( exec 3>"$T/fifo"; head -c 100 "$T/s.fsm" >&3; sleep 30 ) &
feeder=$!
"$EKV_BIN" decode --input "$T/fifo" --output "$T/empty" --quiet >"$T/out" 2>"$T/err" &
pid=$!
sleep 1
kill -TERM "$pid"
rc=0
wait "$pid" || rc=$?
kill "$feeder" 2>/dev/null || true
wait "$feeder" 2>/dev/null || true
[ "$rc" = 143 ] || fail "second interrupted decode exited $rc"
[ -d "$T/empty" ] && [ -z "$(ls -A "$T/empty")" ] || fail "empty root not kept empty"
