#!/usr/bin/env bash
# Leave-one-out measurement of the few-shot recipe (Documentation/results.md): for each annotated micrograph of a
# set, fine-tune the default model on it alone and bench the result on the others (automatic, 1 and 3 clicks,
# thresholds).
#
#   Utilities/fewshot_leave_one_out.sh SET_FOLDER STEPS OUT_FOLDER     e.g. ../shared/data/real/nbs2 150 build/loo
#
# SET_FOLDER holds image/ and label/ (label names <name>_mask or <name>_L) or images/ and masks/. Per fold,
# OUT_FOLDER/<name>/ gets the model, the training log and bench.md / bench.json; OUT_FOLDER/times.txt the training times.
set -euo pipefail
set_folder=$(realpath "$1"); steps=$2; out=$3
cd "$(dirname "$0")/.."
bin=build/bin/scopsam
images=$set_folder/image; labels=$set_folder/label
[ -d "$images" ] || { images=$set_folder/images; labels=$set_folder/masks; }
mkdir -p "$out"
for image in "$images"/*; do
  name=$(basename "${image%.*}")
  fold=$out/$name
  rm -rf "$fold"; mkdir -p "$fold/one/image" "$fold/one/label" "$fold/rest/image" "$fold/rest/label"
  for other in "$images"/*; do
    o=$(basename "${other%.*}")
    part=rest; [ "$o" = "$name" ] && part=one
    cp "$other" "$fold/$part/image/"
    cp "$labels/$o".* "$fold/$part/label/" 2>/dev/null || cp "$labels/$o"_* "$fold/$part/label/"
  done
  start=$(date +%s)
  $bin train "$fold/model.pt" --init Modules/Model/model/scopsam_small_default.pt --data "$fold/one" \
    --synthetic-fraction 0 --steps "$steps" --batch 4 --lr 2e-4 --warmup 15 --seed 7 --threads 2 > "$fold/train.log"
  echo "$name trained in $(( $(date +%s) - start )) s" >> "$out/times.txt"
  $bin bench "$fold/rest" --model "$fold/model.pt" --threads 2 --json "$fold/bench.json" > "$fold/bench.md"
done
