# --help / -h of every command: exit 0, usage on stdout listing every
# flag, its default and the exit codes; nothing on stderr.
. "$(dirname "$0")/core_lib.bash"
check_help() {
	local cmd=$1; shift
	for h in --help -h -help; do
		expect_exit 0 "$EKV_BIN" "$cmd" "$h"
		[ ! -s "$T/err" ] || fail "$cmd $h wrote to stderr"
		grep -q "^usage: ekvbackup $cmd" "$T/out" || fail "$cmd $h: no usage line"
		grep -q "^Exit codes:" "$T/out" || fail "$cmd $h: no exit codes"
		for flag in "$@"; do
			grep -q -- "--$flag\b" "$T/out" || fail "$cmd $h does not list --$flag"
		done
	done
}
check_help decode input output adapter dynamodb-bundle-mode dynamodb-bundle-size cluster-id \
	include-incomplete-uploads include-orphans preserve-sqs-visibility include-sqs-side-records \
	rename-collisions input-snap-dir all tmpdir pending-ttl-cap spill-threshold keep-partial quiet
check_help encode input output adapter last-commit-ts self-test scratch-root tmpdir node-format quiet
check_help verify input quiet
check_help inspect input json quiet
# Defaults are shown.
"$EKV_BIN" decode --help | grep -q '(default "dynamodb,s3,redis,sqs")' || fail "decode --adapter default"
"$EKV_BIN" decode --help | grep -A1 -- '--pending-ttl-cap' | grep -q '(default 1GiB)' ||
	fail "pending-ttl-cap default"
expect_exit 0 "$EKV_BIN" --help
grep -q decode "$T/out" || fail "top-level help lists no commands"
expect_exit 0 "$EKV_BIN" --version
