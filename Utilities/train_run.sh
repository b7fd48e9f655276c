#!/usr/bin/env bash
# One resumable `scopsam train` run, the step the training scripts share (train_default_models.sh and the study
# scripts: proxy_run.sh, study_instrument_effects.sh, study_prompted_target.sh, study_stage3_synthetic.sh,
# study_stage5_synthetic.sh): NAME.pt trained with the given options, its checkpoints in NAME.checkpoints, the
# trainer's output appended to NAME.log and the run's CPU seconds to NAME.time (/usr/bin/time). Skipped where NAME.pt
# exists; resumed from its checkpoints where a run stopped. Paths are the caller's (the repository root).
#
#   Utilities/train_run.sh NAME [scopsam train options]       (SCOPSAM: the binary, default build/bin/scopsam)
set -euo pipefail
name=$1
shift
bin=${SCOPSAM:-build/bin/scopsam}
[ -f "$name.pt" ] && exit 0
resume=()
[ -f "$name.checkpoints/state.json" ] && resume=(--resume)
/usr/bin/time -f "cpu seconds: %U user %S system, %e wall" -a -o "$name.time" \
  "$bin" train "$name.pt" "$@" --checkpoints "$name.checkpoints" "${resume[@]}" >> "$name.log" 2>&1
