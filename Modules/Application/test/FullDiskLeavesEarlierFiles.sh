#!/usr/bin/env bash
# A full disk, simulated without privileges: each writing command runs with RLIMIT_FSIZE at 1 KiB (`ulimit -f 1`)
# and SIGXFSZ ignored, so that every write past 1 KiB fails with EFBIG, as on a full file system. Each must exit with
# status 2 and one line on stderr, leave the earlier file of each output's name byte for byte as it was, and leave
# no temporary or partial file. Standard output on a full device (/dev/full) is the same failure.
#
#   FullDiskLeavesEarlierFiles.sh SCOPSAM SCRATCH IMAGE MASK MODEL
set -u
scopsam=$1 scratch=$2 image=$3 mask=$4 model=$5
rm -rf "$scratch" && mkdir -p "$scratch" || exit 1
failures=0

# full_disk NAME OUTPUTS -- ARGS...: OUTPUTS (space-separated, relative to out/) get an earlier file first.
full_disk() {
  local name=$1 outputs=$2
  shift 3
  local out="$scratch/$name"
  mkdir -p "$out"
  for o in $outputs; do
    mkdir -p "$(dirname "$out/$o")"
    printf 'the earlier %s\n' "$o" > "$out/$o"
  done
  local args=("${@//@OUT@/$out}")
  ( ulimit -f 1; trap '' XFSZ; exec "$scopsam" "${args[@]}" ) > "$scratch/$name.stdout" 2> "$scratch/$name.stderr"
  local status=$?
  local lines
  lines=$(wc -l < "$scratch/$name.stderr")
  if [ "$status" -ne 2 ] || [ "$lines" -ne 1 ]; then
    echo "FAIL $name: exit status $status, $lines lines on stderr (expected 2 and 1):"; cat "$scratch/$name.stderr"
    failures=$((failures + 1))
  fi
  for o in $outputs; do
    if [ "$(cat "$out/$o" 2> /dev/null)" != "the earlier $o" ]; then
      echo "FAIL $name: the earlier $o was changed or removed"; failures=$((failures + 1))
    fi
  done
  local extra
  extra=$(cd "$out" && find . -type f | sed 's|^\./||' | sort | grep -vxF -f <(printf '%s\n' $outputs) || true)
  if [ -n "$extra" ]; then
    echo "FAIL $name: left behind: $extra"; failures=$((failures + 1))
  fi
}

full_disk segment-png "mask.png" -- segment "$image" @OUT@/mask.png --threads 1
full_disk segment-mha-streamed "mask.mha" -- segment "$image" @OUT@/mask.mha --threads 1
full_disk segment-probability "mask.png probability.tif" -- segment "$image" @OUT@/mask.png \
  --probability @OUT@/probability.tif --threads 1
full_disk segment-overlay-stats "mask.png" -- segment "$image" @OUT@/mask.png --overlay @OUT@/overlay.png \
  --stats @OUT@/stats.json --threads 1
full_disk priors "p_gradient.mha" -- priors "$image" @OUT@/p --format mha
full_disk baseline "otsu.png" -- baseline "$image" @OUT@/otsu.png
full_disk synth "" -- synth @OUT@/synthetic --count 2 --size 128x128 --seed 3
full_disk init-model "fresh.pt" -- init-model @OUT@/fresh.pt
full_disk check-model-resave "resaved.pt" -- check-model "$model" --resave @OUT@/resaved.pt
full_disk quantify-report "report.json" -- quantify "$mask" --json @OUT@/report.json --pixel-size 0.1

# Standard output that cannot be written: a full device.
"$scopsam" quantify "$mask" > /dev/full 2> "$scratch/stdout.stderr"
status=$?
if [ "$status" -ne 2 ] || [ "$(wc -l < "$scratch/stdout.stderr")" -ne 1 ]; then
  echo "FAIL stdout: a table written to /dev/full gave exit status $status:"; cat "$scratch/stdout.stderr"
  failures=$((failures + 1))
fi

if [ "$failures" -eq 0 ]; then
  echo "PASS: every command on a full disk exited with 2 and one line, and left the earlier files as they were"
fi
