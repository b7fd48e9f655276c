#!/usr/bin/env bash
# One run of issue 14's proxy recipe, shared by the study scripts (study_encoders.sh, study_priors.sh,
# study_synthetic_fraction.sh): a fresh network trained on the real-data stage of the shipped recipe - the train
# splits of nasa_super1 and uhcs_cementite, each set drawn as often as the other, synthetic tiles with coarse phases -
# with batch 8, lr 4e-4, 50 warm-up steps and one thread, validated by the trainer on the sets' val splits (whole
# images, per set); the output is the trainer's pick on val. A run that stopped resumes from its checkpoints; a run
# whose output exists is skipped.
#
#   Utilities/proxy_run.sh WORK NAME SEED STEPS EVERY [scopsam train options: --config, --priors, --synthetic-fraction,
#                                                      --fold I/K for a cross-validation fold (name the run per fold)]
#   Utilities/proxy_run.sh --report WORK NAME SEED...   prints each run's CPU seconds and its validation lines
#
# Writes WORK/NAME.sSEED.{pt,log,time,checkpoints}; .time holds the run's CPU seconds (/usr/bin/time).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$1" = --report ]; then
  work=$2 name=$3
  shift 3
  for seed in "$@"; do
    echo "$name seed $seed ($(tail -1 "$work/$name.s$seed.time")):"
    grep '^step' "$work/$name.s$seed.log" | sed 's/^/  /'
  done
  exit 0
fi
work=$1 name="$1/$2.s$3" seed=$3 steps=$4 every=$5
shift 5
bin=${SCOPSAM:-build/bin/scopsam}
real=${REAL_DATA:-../shared/data/real}
mkdir -p "$work"
SCOPSAM=$bin exec Utilities/train_run.sh "$name" "$@" --coarse-phases --data "$real/nasa_super1" \
  --data "$real/uhcs_cementite" --steps "$steps" --batch 8 --lr 4e-4 --warmup 50 --seed "$seed" \
  --validate-every "$every" --checkpoint-every "$every" --threads 1
