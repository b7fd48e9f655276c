#!/usr/bin/env bash
# An interrupted `scopsam segment` (SIGTERM, as a kill or Slicer's Cancel sends; SIGINT is Ctrl-C) leaves neither
# its output nor a temporary file, and ends by the signal. Usage: InterruptLeavesNothing.sh SCOPSAM SCRATCH SIGNAL
set -u
scopsam=$1 scratch=$2 signal=${3:-TERM}
rm -rf "$scratch" && mkdir -p "$scratch" || exit 1
# A 3072 x 3072 8-bit micrograph of noise as MetaImage (header + raw): large enough to take seconds to segment.
printf 'ObjectType = Image\nNDims = 2\nDimSize = 3072 3072\nElementType = MET_UCHAR\nElementDataFile = big.raw\n' \
  > "$scratch/big.mhd"
head -c $((3072 * 3072)) /dev/urandom > "$scratch/big.raw"
mkdir "$scratch/out"
"$scopsam" segment "$scratch/big.mhd" "$scratch/out/mask.mha" --probability "$scratch/out/probability.mha" \
  --threads 1 > /dev/null 2> "$scratch/stderr.txt" &
pid=$!
# Wait until a temporary output exists (the streamed writes have begun), then interrupt.
for _ in $(seq 1 600); do
  ls -A "$scratch/out" | grep -q partial && break
  kill -0 "$pid" 2> /dev/null || break
  sleep 0.1
done
if ! ls -A "$scratch/out" | grep -q partial; then
  echo "FAIL: no temporary file appeared while the command ran"; kill -KILL "$pid" 2> /dev/null; exit 1
fi
kill -s "$signal" "$pid"
wait "$pid"
status=$?
left=$(ls -A "$scratch/out")
if [ -n "$left" ]; then
  echo "FAIL: the interrupted command left: $left"; exit 1
fi
expected=$((128 + $(kill -l "$signal")))
if [ "$status" -ne "$expected" ]; then
  echo "FAIL: exit status $status, expected $expected (ended by SIG$signal)"; exit 1
fi
echo "PASS: SIG$signal ended the command ($status) and nothing was left in out/"
