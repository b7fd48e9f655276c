#!/usr/bin/env bash
# The synthetic test sets of Documentation/results.md, made from their seeds where they are not in FOLDER yet:
# level1, level2, level3 (20 fields each, seeds 1001-1003), coarse (30, seed 1004), twophase (20, seed 1005), as
# FOLDER/test-NAME. Used by results_tables.sh and the studies that bench some of them. Paths are the caller's.
#
#   Utilities/synthetic_test_sets.sh FOLDER [NAME...]     (default all five; SCOPSAM: the binary)
set -euo pipefail
folder=$1
shift
bin=${SCOPSAM:-build/bin/scopsam}
sets=("$@")
[ $# -gt 0 ] || sets=(level1 level2 level3 coarse twophase)
for set in "${sets[@]}"; do
  [ -d "$folder/test-$set" ] && continue
  case $set in
    level[123]) "$bin" synth "$folder/test-$set" --count 20 --size 512x512 --level "${set#level}" --bit-depth mixed \
                  --seed "100${set#level}" --train 0 --val 0 > /dev/null ;;
    coarse) "$bin" synth "$folder/test-coarse" --count 30 --size 512x512 --level mixed --bit-depth mixed --seed 1004 \
              --coarse-phases --train 0 --val 0 > /dev/null ;;
    twophase) "$bin" synth "$folder/test-twophase" --count 20 --size 512x512 --level 1 --bit-depth mixed --seed 1005 \
                --second-phase --train 0 --val 0 > /dev/null ;;
    *) echo "unknown synthetic test set '$set' (level1, level2, level3, coarse, twophase)" >&2; exit 2 ;;
  esac
done
