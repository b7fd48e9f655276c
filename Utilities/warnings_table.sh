#!/usr/bin/env bash
# The table of Documentation/results.md, "Warnings: masks not to trust": how often `scopsam segment --stats` warns,
# against each mask's true IoU, on the train and val splits of nasa_super1 and uhcs_cementite (never the test sets).
# One row per set and split: fields, warned, and warned among masks of IoU >= 0.75, 0.5-0.75 and < 0.5.
#
#   Utilities/warnings_table.sh [WORK_FOLDER]                 (default build/warnings-table)
#   MODEL=Testing/Data/Models/scopsam_oversegmenting.pt Utilities/warnings_table.sh build/warnings-overseg
#   SCOPSAM=/path/to/scopsam REAL_DATA=/path/to/real Utilities/warnings_table.sh
#
# Masks, reports and evaluations are kept in WORK_FOLDER; the table is printed and written to WORK_FOLDER/table.md.
set -euo pipefail
cd "$(dirname "$0")/.."
work=${1:-build/warnings-table}
bin=${SCOPSAM:-build/bin/scopsam}
real=${REAL_DATA:-../shared/data/real}
model=()
[ -n "${MODEL:-}" ] && model=(--model "$MODEL")
mkdir -p "$work"
table=$work/table.md
echo "| model | set, split | fields | warned | mask IoU >= 0.75 warned | 0.5-0.75 warned | < 0.5 warned |" > "$table"
echo "|---|---|---|---|---|---|---|" >> "$table"
for set in nasa_super1 uhcs_cementite; do
  for split in train val; do
    run=$work/$set.$split
    rm -rf "$run" && mkdir -p "$run/images"
    # The split's micrographs, linked into one folder for `segment`'s folder mode.
    while read -r name; do
      [ -n "$name" ] || continue
      ln -s "$(realpath "$real/$set/image")/$(ls "$real/$set/image" | grep -m1 "^$name\.")" "$run/images/"
    done < "$real/$set/splits/$split.txt"
    "$bin" segment "$run/images" "$run/masks" "${model[@]}" --stats "$run/report.json" > "$run/segment.log" 2>&1
    "$bin" evaluate "$run/masks" "$real/$set" --split "$split" --json "$run/evaluation.json" --quiet
    # Join each field's warnings to its IoU (the truth is named like the image, with or without "_mask").
    jq -r --slurpfile e "$run/evaluation.json" --arg who "${MODEL:-embedded default}" --arg set "$set $split" '
      ($e[0].images | map({key: (.name | sub("_mask$"; "")), value: .iou}) | from_entries) as $iou
      | [.fields[] | {warned: ((.warnings | length) > 0), iou: $iou[.name]}] as $f
      | def band(lo; hi): [$f[] | select(.iou >= lo and .iou < hi)] as $b
          | if ($b | length) == 0 then "-" else "\([$b[] | select(.warned)] | length) / \($b | length)" end;
      "| \($who) | \($set) | \($f | length) | \([$f[] | select(.warned)] | length) | \(band(0.75; 2)) | \(band(0.5; 0.75)) | \(band(-1; 0.5)) |"
    ' "$run/report.json" >> "$table"
  done
done
cat "$table"
