#!/usr/bin/env bash
# An interrupted `scopsam segment` (SIGTERM, as a kill or Slicer's Cancel sends; SIGINT is Ctrl-C) leaves neither
# its output nor a temporary file, and ends by the signal. Two moments:
#   computing  the network runs and no output file exists yet (a PNG mask is written whole, at the end);
#   writing    a temporary output exists (a MetaImage mask and probability are streamed while they are computed).
# Usage: InterruptLeavesNothing.sh SCOPSAM SCRATCH SIGNAL MOMENT
set -u
scopsam=$1 scratch=$2 signal=${3:-TERM} moment=${4:-writing}
rm -rf "$scratch" && mkdir -p "$scratch" || exit 1
# A 3072 x 3072 8-bit micrograph of noise as MetaImage (header + raw): large enough to take seconds to segment.
printf 'ObjectType = Image\nNDims = 2\nDimSize = 3072 3072\nElementType = MET_UCHAR\nElementDataFile = big.raw\n' \
  > "$scratch/big.mhd"
head -c $((3072 * 3072)) /dev/urandom > "$scratch/big.raw"
mkdir "$scratch/out"
if [ "$moment" = computing ]; then
  outputs=("$scratch/out/mask.png")
else
  outputs=("$scratch/out/mask.mha" --probability "$scratch/out/probability.mha")
fi
"$scopsam" segment "$scratch/big.mhd" "${outputs[@]}" --threads 1 > /dev/null 2> "$scratch/stderr.txt" &
pid=$!
# The command installs its handlers when main() starts; a signal before that meets what it inherited (a background
# job of a non-interactive shell ignores SIGINT), so wait until /proc says the signal is caught - on a loaded machine
# loading the libraries alone can take seconds.
number=$(kill -l "$signal")
for _ in $(seq 1 600); do
  caught=$(awk '/^SigCgt:/ {print $2}' "/proc/$pid/status" 2> /dev/null)
  [ -n "$caught" ] && (( (16#$caught >> (number - 1)) & 1 )) && break
  kill -0 "$pid" 2> /dev/null || break
  sleep 0.1
done
if [ "$moment" = computing ]; then
  # Two seconds into the run: the network is at work and nothing is written yet.
  sleep 2
  if [ -n "$(ls -A "$scratch/out")" ] || ! kill -0 "$pid" 2> /dev/null; then
    echo "FAIL: the run wrote or ended within 2 s, so the computing moment was not reached"
    kill -KILL "$pid" 2> /dev/null; exit 1
  fi
else
  # Wait until a temporary output exists (the streamed writes have begun), then interrupt.
  for _ in $(seq 1 600); do
    ls -A "$scratch/out" | grep -q partial && break
    kill -0 "$pid" 2> /dev/null || break
    sleep 0.1
  done
  if ! ls -A "$scratch/out" | grep -q partial; then
    echo "FAIL: no temporary file appeared while the command ran"; kill -KILL "$pid" 2> /dev/null; exit 1
  fi
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
echo "PASS: SIG$signal while $moment ended the command ($status) and nothing was left in out/"
