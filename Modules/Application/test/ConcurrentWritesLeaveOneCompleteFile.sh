#!/usr/bin/env bash
# Runs that write one output at the same time (two terminals, a batch script started twice) leave one complete
# file: each writes its own temporary file (named with its process id) and renames it into place, so the last
# rename wins whole and nothing is interleaved or left behind. Three runs each of a PNG mask (written whole) and a
# MetaImage mask and probability (streamed while computed); every run exits 0 and each result is byte for byte what
# a run alone writes.
#
#   ConcurrentWritesLeaveOneCompleteFile.sh SCOPSAM SCRATCH
set -u
scopsam=$1 scratch=$2
rm -rf "$scratch" && mkdir -p "$scratch/alone" "$scratch/out" || exit 1
# A 1024 x 1024 8-bit noise micrograph (MetaImage): a second or two per run, so that the runs overlap.
printf 'ObjectType = Image\nNDims = 2\nDimSize = 1024 1024\nElementType = MET_UCHAR\nElementDataFile = image.raw\n' \
  > "$scratch/image.mhd"
head -c $((1024 * 1024)) /dev/urandom > "$scratch/image.raw"
failures=0
for form in png mha; do
  extra=(); [ "$form" = mha ] && extra=(--probability @DIR@/probability.mha)
  run() { "$scopsam" segment "$scratch/image.mhd" "$1/mask.$form" "${extra[@]//@DIR@/$1}" --threads 1; }
  run "$scratch/alone" > /dev/null 2>&1 || { echo "FAIL: the run alone ($form) failed"; exit 1; }
  pids=()
  for i in 1 2 3; do
    run "$scratch/out" > /dev/null 2> "$scratch/stderr-$form-$i.txt" &
    pids+=($!)
  done
  for i in 0 1 2; do
    if ! wait "${pids[$i]}"; then
      echo "FAIL: concurrent run $((i + 1)) ($form) failed: $(cat "$scratch/stderr-$form-$((i + 1)).txt")"
      failures=$((failures + 1))
    fi
  done
  for f in "mask.$form" $([ "$form" = mha ] && echo probability.mha); do
    if ! cmp -s "$scratch/alone/$f" "$scratch/out/$f"; then
      echo "FAIL: out/$f is not what a run alone writes"; failures=$((failures + 1))
    fi
  done
done
left=$(ls -A "$scratch/out" | grep -v -x -e mask.png -e mask.mha -e probability.mha)
if [ -n "$left" ]; then
  echo "FAIL: left behind: $left"; failures=$((failures + 1))
fi
[ "$failures" -eq 0 ] && echo "PASS: three concurrent runs of each form left one complete file per output"
