#!/usr/bin/env bash
# A study declared 2026-12-07 (session 18) before its runs: the fourth stage with its checkpoint picked on the click
# protocol (commit a49803c: a prompted val image is scored by the protocol's sequential error clicks on the network's
# own masks, mIoU after 5, and every set votes in the score that picks the checkpoint).
#
# Why: session 17's stage-3 study (results.md, "Stage 3 with a larger synthetic share") found syn50 - stage 3 with
# half synthetic tiles, 3000 steps - better than the shipped stage 3 on every synthetic set at the same val figures,
# and failed only by its click path: the fourth stage, whose checkpoint the automatic val sets alone picked, left the
# network following protocol clicks to the tertiary phase at 0.306 after 5 (seed 3301) or 0.512 (seed 3302, after the
# verdict). This study reruns that fourth stage, unchanged but for the trainer's validation, from the same stage-3
# file, with both seeds declared now.
#
# Runs (one thread each; stage 4 as train_default_models.sh has it, 800 steps, validated every 200):
#   syn50.s3301, syn50.s3302   from build/stage3-study/syn50.stage3.pt (session 17's file, sha256 bb914634fdfb85d6...)
#   shipped.s3301              from the shipped stage-3 file (the embedded default before the fourth stage, taken
#                              from git: d3af94e^, #28a2d17dab48d579), seed 3301: what train_default_models.sh makes
#                              with this trainer (the control: does the new pick change the shipped recipe's output?)
#                              Corrected at its step 0: it first started from build/model-training's stage-3 file,
#                              which on this machine is the real-tiles-only candidate, not the shipped one.
# Measure: Utilities/measure_candidate.sh on each stage-4 file (synthetic tables, automatic val, the default click
# path on val after 5 clicks, the network alone on the tertiary set after 5 clicks).
# Rule (session 17's second part, with the seeds): syn50's recipe replaces the shipped stage 3 where BOTH seeds'
# stage-4 files have (1') automatic val at least 0.900 / 0.646 (nasa_super1 / uhcs_cementite), (2') levels 1 and 2
# each at least 0.543 / 0.404, (3') the default click path after 5 clicks at least 0.903 / 0.651, and (4) the network
# alone at least 0.5 on the tertiary set after 5 clicks. Of the two seeds, the one whose kept checkpoint has the higher
# trainer validation score (the score that picks checkpoints) is the candidate. A replacement then needs the
# prior-off stage 3 of the same recipe (build/stage3-study/prior_off_syn50.stage3, resumed this session), the test
# sets scored once (their eighth scoring), every table remade, train_default_models.sh changed to the recipe.
# Where syn50 fails, the shipped pair stays, and shipped.s3301 says whether the script still makes the shipped file.
#
#   Utilities/study_stage4_protocol.sh [WORK_FOLDER]     (default build/stage4-protocol; resumable)
#   RUNS="syn50.s3301 syn50.s3302" Utilities/study_stage4_protocol.sh     (some runs only; MEASURE=0: no measuring)
set -euo pipefail
cd "$(dirname "$0")/.."
work=${1:-build/stage4-protocol}
bin=${SCOPSAM:-build/bin/scopsam}
real=${REAL_DATA:-../shared/data/real}
mkdir -p "$work"
source Utilities/stage4_recipe.sh
stage4() { # NAME STAGE3_FILE SEED
  SCOPSAM=$bin stage4_run "$work/$1" "$2" "$3"
}
run() {
  case $1 in
    syn50.s3301) stage4 "$1" build/stage3-study/syn50.stage3.pt 3301 ;;
    syn50.s3302) stage4 "$1" build/stage3-study/syn50.stage3.pt 3302 ;;
    shipped.s3301)
      [ -f "$work/shipped.stage3.pt" ] || git show d3af94e^:Modules/Model/model/scopsam_small_default.pt > "$work/shipped.stage3.pt"
      stage4 "$1" "$work/shipped.stage3.pt" 3301 ;;
    *) echo "unknown run $1" >&2; exit 2 ;;
  esac
  if [ "${MEASURE:-1}" = 1 ]; then
    SCOPSAM=$bin REAL_DATA=$real Utilities/measure_candidate.sh "$work/$1.pt" "$work/$1.tables"
  fi
}
for name in ${RUNS:-syn50.s3301 syn50.s3302 shipped.s3301}; do
  run "$name"
done
