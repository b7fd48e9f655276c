# The default model's fourth stage (the click path taught on a prompted target; train_default_models.sh describes
# it), as the array `stage4_recipe` of `scopsam train` options, for the scripts that run it: train_default_models.sh
# and the studies that rerun it from other stage-3 files. Sourced, with `real` set (the folder of the real sets);
# the caller adds --init STAGE3_FILE, --seed, the configuration, batch, threads and validation interval (200), as
# stage4_run below does for the studies.
stage4_recipe=(--coarse-phases --data "$real/nasa_super1" --data "$real/uhcs_cementite"
               --prompted-data "$real/nasa_super1_tertiary" --prompted-share 0.1 --synthetic-fraction 0.5
               --error-clicks 0.5 --error-click-rounds 8 --steps 800 --lr 2e-4 --warmup 50)

# stage4_run NAME START_FILE SEED [OPTION...]: the fourth stage as the studies run it from START_FILE - one thread,
# validated and checkpointed every 200 steps, resumable (Utilities/train_run.sh; SCOPSAM: the binary) - with the
# study's own options after the recipe's.
stage4_run() {
  local name=$1 start=$2 seed=$3
  shift 3
  Utilities/train_run.sh "$name" --config small --batch 8 --threads 1 --init "$start" "${stage4_recipe[@]}" "$@" \
    --validate-every 200 --checkpoint-every 200 --seed "$seed"
}
