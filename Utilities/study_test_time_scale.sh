#!/usr/bin/env bash
# How the shipped default scores when the network sees the micrograph resampled (segment --scale F), on data where
# choices may be made: the val splits of nasa_super1 and uhcs_cementite, their train splits (paired, the network
# was trained on them), and synthetic val sets of levels 1-3 made from their own seeds (7001-7003, not the test
# sets' 1001-1003). nbs2 and aza are not touched. Writes FOLDER/table.md (IoU / precision / recall per set and
# scale); Documentation/results.md, "Where uhcs_cementite loses", reads it.
#
#   Utilities/study_test_time_scale.sh [FOLDER]     (default build/scale-study; SCOPSAM: the binary;
#                                                    SCALES: default "1 1.25 1.5 2"; resumes: finished masks are kept)
set -euo pipefail
folder=${1:-build/scale-study}
bin=${SCOPSAM:-build/bin/scopsam}
real=../shared/data/real
scales=${SCALES:-1 1.25 1.5 2}
mkdir -p "$folder"
for level in 1 2 3; do
  [ -d "$folder/val-level$level" ] || "$bin" synth "$folder/val-level$level" --count 12 --size 512x512 --level "$level" \
    --bit-depth mixed --seed "700$level" --train 0 --val 0 > /dev/null
done

# segment_all OUT IMAGES... : each micrograph's mask at scale $scale, named as the truth's (suffix $suffix)
segment_all() {
  local out=$1
  shift
  mkdir -p "$out"
  for image in "$@"; do
    local name
    name=$(basename "${image%.*}")
    [ -f "$out/$name$suffix.png" ] || "$bin" segment "$image" "$out/$name$suffix.png" --scale "$scale" --threads 1 > /dev/null
  done
}
# iou_row TRUTH OUT [SPLIT] : "IoU / precision / recall" of the masks in OUT
iou_row() {
  local truth=$1 out=$2 split=${3:-}
  "$bin" evaluate "$out" "$truth" ${split:+--split "$split"} --quiet --json "$out.json"
  /usr/bin/python3 -c "import json,sys; m=json.load(open(sys.argv[1]))['mean']; print('%.3f / %.3f / %.3f' % (m['iou'], m['precision'], m['recall']))" "$out.json"
}

{
  echo "| scale | nasa_super1 val | uhcs_cementite val | nasa_super1 train | uhcs_cementite train | level 1 val | level 2 val | level 3 val |"
  echo "|---|---|---|---|---|---|---|---|"
  for scale in $scales; do
    row="| $scale |"
    for split in val train; do
      for set in nasa_super1 uhcs_cementite; do
        suffix=_mask
        images=()
        for name in $(cat "$real/$set/splits/$split.txt"); do images+=("$(ls "$real/$set/image/$name".* | head -1)"); done
        segment_all "$folder/s$scale/$set-$split" "${images[@]}"
        row+=" $(iou_row "$real/$set" "$folder/s$scale/$set-$split" "$split") |"
      done
    done
    # the column order of the header: val, val, train, train - the loop above gave them in that order
    for level in 1 2 3; do
      suffix=
      segment_all "$folder/s$scale/level$level" "$folder/val-level$level"/images/*
      row+=" $(iou_row "$folder/val-level$level/masks" "$folder/s$scale/level$level") |"
    done
    echo "$row"
  done
} | tee "$folder/table.md"
