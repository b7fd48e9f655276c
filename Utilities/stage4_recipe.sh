# The default model's fourth stage (the click path taught on a prompted target; train_default_models.sh describes
# it), as the array `stage4_recipe` of `scopsam train` options, for the scripts that run it: train_default_models.sh
# and the studies that rerun it from other stage-3 files. Sourced, with `real` set (the folder of the real sets);
# the caller adds --init STAGE3_FILE, --seed, the configuration, batch, threads and validation interval (200).
stage4_recipe=(--coarse-phases --data "$real/nasa_super1" --data "$real/uhcs_cementite"
               --prompted-data "$real/nasa_super1_tertiary" --prompted-share 0.1 --synthetic-fraction 0.5
               --error-clicks 0.5 --error-click-rounds 8 --steps 800 --lr 2e-4 --warmup 50)
