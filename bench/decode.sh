#!/usr/bin/env bash
# Decode benchmark: for snapshots of growing size, time `ekvbackup decode`
# against `tar -xf` of a tar of the very tree it produced (same disk, warm
# cache), and report the ratio and decode's peak RSS, all from one run.
#
#   bench/decode.sh [-b BUILD_DIR] [-d WORK_DIR] [-s "10000 100000 400000"]
#                   [-v VALUE_SIZE] [-a ADAPTERS] [-k]
#
# BUILD_DIR holds ekvbackup and ekvgen (default: $EKV_BUILD or ./build);
# use a Release build (the sanitizer build is ~3-10x slower). WORK_DIR
# (default: a fresh directory under $TMPDIR) must have room for each
# snapshot, its tree and the tar. -k keeps WORK_DIR.
set -euo pipefail

build=${EKV_BUILD:-build}
work=
sizes="10000 100000 400000"
value_size=100
adapters="redis,dynamodb,s3,sqs"
keep=0
while getopts "b:d:s:v:a:kh" opt; do
	case $opt in
	b) build=$OPTARG ;;
	d) work=$OPTARG ;;
	s) sizes=$OPTARG ;;
	v) value_size=$OPTARG ;;
	a) adapters=$OPTARG ;;
	k) keep=1 ;;
	*) sed -n '2,13p' "$0"; exit 2 ;;
	esac
done
ekv=${EKV_BIN:-$build/ekvbackup}
gen=${EKVGEN_BIN:-$build/ekvgen}
[ -x "$ekv" ] && [ -x "$gen" ] || { echo "decode.sh: no ekvbackup/ekvgen in $build" >&2; exit 2; }
if [ -z "$work" ]; then
	work=$(mktemp -d "${TMPDIR:-/tmp}/ekv-bench.XXXXXX")
else
	mkdir -p "$work"
fi
[ "$keep" = 1 ] || trap 'rm -rf "$work"' EXIT

now() { date +%s.%N; }
elapsed() { echo "$1 $2" | awk '{ printf "%.3f", $2 - $1 }'; }

# run_rss OUTFILE cmd...: runs cmd, writes its peak RSS in KiB to OUTFILE.
if [ -x /usr/bin/time ]; then
	run_rss() { local o=$1; shift; /usr/bin/time -f %M -o "$o" "$@"; }
else
	run_rss() {
		local o=$1; shift
		python3 -c 'import resource, subprocess, sys
rc = subprocess.run(sys.argv[2:]).returncode
open(sys.argv[1], "w").write("%d\n" % resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
sys.exit(rc)' "$o" "$@"
	}
fi

echo "ekvbackup decode vs tar -xf of the same tree ($(uname -m), $(nproc) cpus, work dir $work)"
echo "adapters=$adapters value_size=$value_size build=$build"
printf '%10s %12s %8s %10s %10s %9s %7s %11s\n' records fsm_bytes files decode_s tar_x_s ratio MiB/s peak_rss_MiB
for n in $sizes; do
	fsm=$work/snap-$n.fsm
	"$gen" --seed 42 --records "$n" --value-size "$value_size" --adapters "$adapters" \
		--output "$fsm" >/dev/null
	fsm_bytes=$(stat -c %s "$fsm")
	# Warm-up pass (page cache for the input, allocator, directories).
	rm -rf "$work/warm"
	"$ekv" decode --quiet --input "$fsm" --output "$work/warm" >/dev/null
	rm -rf "$work/warm"

	rm -rf "$work/dump"
	sync
	t0=$(now)
	run_rss "$work/rss" "$ekv" decode --quiet --input "$fsm" --output "$work/dump" >/dev/null
	t1=$(now)
	decode_s=$(elapsed "$t0" "$t1")
	rss_mib=$(awk '{ printf "%.1f", $1 / 1024 }' "$work/rss")
	files=$(find "$work/dump" -type f | wc -l)

	tar -cf "$work/tree.tar" -C "$work/dump" .
	rm -rf "$work/untar" && mkdir "$work/untar"
	tar -xf "$work/tree.tar" -C "$work/untar"          # warm-up
	rm -rf "$work/untar" && mkdir "$work/untar"
	sync
	t0=$(now)
	tar -xf "$work/tree.tar" -C "$work/untar"
	t1=$(now)
	tar_s=$(elapsed "$t0" "$t1")
	ratio=$(echo "$decode_s $tar_s" | awk '{ if ($2 > 0) printf "%.2f", $1 / $2; else print "inf" }')
	mibs=$(echo "$fsm_bytes $decode_s" | awk '{ if ($2 > 0) printf "%.1f", $1 / 1048576 / $2; else print "-" }')
	printf '%10s %12s %8s %10s %10s %9s %7s %11s\n' "$n" "$fsm_bytes" "$files" "$decode_s" \
		"$tar_s" "$ratio" "$mibs" "$rss_mib"
	rm -rf "$work/dump" "$work/untar" "$work/tree.tar" "$fsm"
done
