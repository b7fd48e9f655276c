#!/usr/bin/env bash
# The measure the training studies share for a candidate model (study_stage3_synthetic.sh, study_stage5_synthetic.sh):
# into FOLDER, the synthetic tables of results.md (Utilities/results_tables.sh, PARTS=synthetic) and three val-split
# benches - automatic (val), the default click path after 5 clicks (val-clicks), and the network alone under
# --prompts-only on the tertiary set after 5 clicks (tertiary-network) - each as NAME.md, NAME.json and NAME.log.
# Paths are the caller's (the repository root).
#
#   Utilities/measure_candidate.sh MODEL FOLDER     (SCOPSAM: the binary, default build/bin/scopsam; REAL_DATA)
set -euo pipefail
model=$1 folder=$2
bin=${SCOPSAM:-build/bin/scopsam}
real=${REAL_DATA:-../shared/data/real}
SCOPSAM=$bin REAL_DATA=$real MODEL=$model PARTS=synthetic Utilities/results_tables.sh "$folder"
# measure NAME DATASETS... [bench options]: one val-split bench of the model into FOLDER.
measure() {
  local name=$1; shift
  "$bin" bench "$@" --split val --model "$model" --threads 2 --markdown "$folder/$name.md" --json "$folder/$name.json" \
    > "$folder/$name.log" 2>&1
}
measure val "$real/nasa_super1" "$real/uhcs_cementite"
measure val-clicks "$real/nasa_super1" "$real/uhcs_cementite" --clicks 5 --carry-clicks 0
measure tertiary-network "$real/nasa_super1_tertiary" --clicks 5 --carry-clicks 0 --prompts-only --network-clicks
