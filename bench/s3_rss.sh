#!/usr/bin/env bash
# Peak RSS of S3 decode and encode for one object of 4 KiB and one of
# SIZE bytes (default 1 GiB): D24 says decode memory is flat in object size,
# and the S3 encoder streams bodies in 1 MiB chunks.
#   bench/s3_rss.sh [SIZE_BYTES]     (EKV_BIN / EKVGEN_BIN or ./build binaries)
set -euo pipefail
BIN=${EKV_BIN:-./build/ekvbackup}
GEN=${EKVGEN_BIN:-./build/ekvgen}
BIG=${1:-1073741824}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

peak() {   # peak() LABEL CMD... -> "LABEL: <KB> KB peak RSS, <s> s"
	local label=$1; shift
	/usr/bin/time -f "%M %e" -o "$TMP/time" "$@" > /dev/null
	read -r kb secs < "$TMP/time"
	printf '%-28s %8s KB peak RSS  %6s s\n' "$label" "$kb" "$secs"
}

for size in 4096 "$BIG"; do
	d="$TMP/$size"
	mkdir -p "$d"
	"$GEN" --seed 1 --records 1 --value-size "$size" --adapters s3 --output "$d/in.fsm" > /dev/null
	peak "decode ${size} B object" "$BIN" decode --input "$d/in.fsm" --output "$d/out" --adapter s3
	peak "encode ${size} B object" "$BIN" encode --input "$d/out" --output "$d/re.fsm" --adapter s3
	cmp -s "$d/in.fsm" "$d/re.fsm" && echo "  (re-encoded .fsm equals the input? unexpected)" || true
	peak "re-decode ${size} B object" "$BIN" decode --input "$d/re.fsm" --output "$d/out2" --adapter s3
	diff -r "$d/out/s3" "$d/out2/s3" > /dev/null && echo "  round trip: s3/ trees identical"
	rm -rf "$d"
done
