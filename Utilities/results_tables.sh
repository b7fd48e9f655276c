#!/usr/bin/env bash
# The accuracy tables of Documentation/results.md, made again with the models of the day: the synthetic test sets
# (regenerated from their seeds), the automatic-mode tables (`scopsam bench`, with the prior-off model of the same
# recipe), then the interactive tables (RITM's click protocol, 20 clicks, adaptations carried from 5; each mask given
# back with the next prompts, and without that), on the val splits first and the test sets (nbs2, aza) last. Each
# table is a Markdown and a JSON file in WORK_FOLDER.
#
#   Utilities/results_tables.sh [WORK_FOLDER]        (default build/results-tables)
#   SCOPSAM=/path/to/scopsam REAL_DATA=/path/to/real Utilities/results_tables.sh
#   PARTS="val test" Utilities/results_tables.sh     (any of: synthetic val test; default all three)
#   MODEL=candidate.pt PRIOR_OFF=candidate_prior_off.pt Utilities/results_tables.sh   (a candidate's tables; default:
#                                                    the embedded model and the shipped prior-off model)
#
# The machine should be otherwise idle: the tables carry seconds per megapixel and per click. nbs2 and aza are test
# sets: run the "test" part once per candidate model and say so in results.md.
set -euo pipefail
cd "$(dirname "$0")/.."
work=${1:-build/results-tables}
bin=${SCOPSAM:-build/bin/scopsam}
real=${REAL_DATA:-../shared/data/real}
parts=${PARTS:-synthetic val test}
prior_off=${PRIOR_OFF:-Modules/Model/model/scopsam_small_prior_off.pt}
model=()
[ -n "${MODEL:-}" ] && model=(--model "$MODEL")
mkdir -p "$work"

# bench NAME ARGS...: one `scopsam bench` run, its tables in WORK_FOLDER/NAME.md and NAME.json, its log beside them.
bench() {
  local name=$1; shift
  "$bin" bench "$@" "${model[@]}" --threads 2 --markdown "$work/$name.md" --json "$work/$name.json" > "$work/$name.log" 2>&1
  echo "$name: $work/$name.md"
}

for part in $parts; do
  case $part in
  synthetic)
    SCOPSAM=$bin Utilities/synthetic_test_sets.sh "$work"
    bench synthetic "$work/test-level1" "$work/test-level2" "$work/test-level3" "$work/test-coarse" \
      "$work/test-twophase" --prior-off-model "$prior_off"
    ;;
  val)
    bench val "$real/nasa_super1" "$real/uhcs_cementite" --split val --prior-off-model "$prior_off"
    bench val-clicks "$real/nasa_super1" "$real/uhcs_cementite" "$real/nasa_super1_tertiary" --split val \
      --clicks 20 --carry-clicks 5
    bench val-clicks-no-previous "$real/nasa_super1" "$real/uhcs_cementite" "$real/nasa_super1_tertiary" --split val \
      --clicks 20 --carry-clicks 5 --no-previous-masks
    bench val-clicks-prompts-only "$real/nasa_super1" "$real/uhcs_cementite" "$real/nasa_super1_tertiary" \
      --split val --clicks 20 --carry-clicks 5 --prompts-only
    bench val-clicks-network "$real/nasa_super1" "$real/uhcs_cementite" "$real/nasa_super1_tertiary" \
      --split val --clicks 20 --carry-clicks 5 --prompts-only --network-clicks
    ;;
  test)
    bench test "$real/nbs2" "$real/aza" --prior-off-model "$prior_off"
    bench test-clicks "$real/nbs2" "$real/aza" --clicks 20 --carry-clicks 5
    bench test-clicks-no-previous "$real/nbs2" "$real/aza" --clicks 20 --carry-clicks 5 --no-previous-masks
    bench test-clicks-prompts-only "$real/nbs2" "$real/aza" --clicks 20 --carry-clicks 5 --prompts-only
    bench test-clicks-network "$real/nbs2" "$real/aza" --clicks 20 --carry-clicks 5 --prompts-only --network-clicks
    ;;
  *)
    echo "unknown part '$part' (synthetic, val, test)" >&2
    exit 2
    ;;
  esac
done
