# Shared helpers for tests/cli/core_*.sh (sourced, not a test itself).
# $EKV_BIN and $EKVGEN_BIN name the binaries (set by CTest).
set -euo pipefail
: "${EKV_BIN:?EKV_BIN must point at ekvbackup}"
: "${EKVGEN_BIN:?EKVGEN_BIN must point at ekvgen}"
T=$(mktemp -d "${TMPDIR:-/tmp}/ekv-cli-test.XXXXXX")
trap 'chmod -R u+w "$T" 2>/dev/null; rm -rf "$T"' EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }

# expect_exit CODE cmd...: runs cmd (stdout/stderr to $T/out, $T/err).
expect_exit() {
	local want=$1; shift
	local got=0
	"$@" >"$T/out" 2>"$T/err" || got=$?
	if [ "$got" -ne "$want" ]; then
		echo "--- stdout"; cat "$T/out"; echo "--- stderr"; cat "$T/err"
		fail "'$*' exited $got, expected $want"
	fi
}

# gen FILE [ekvgen flags...]: a small deterministic snapshot.
gen() {
	local out=$1; shift
	"$EKVGEN_BIN" --seed 7 --records 1000 --value-size 64 --output "$out" "$@" >"$T/gen.out" ||
		fail "ekvgen failed"
}

# field NAME < summary line: the value of NAME=value.
field() { tr ' ' '\n' | sed -n "s/^$1=//p" | head -n1; }
