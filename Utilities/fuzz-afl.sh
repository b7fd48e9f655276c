#!/usr/bin/env bash
# An AFL++ campaign over the harnesses of Testing/Fuzz on GCC, for Debian 12, where Utilities/fuzz.sh (clang-14,
# libFuzzer) cannot build them: Debian's ITK 5.2 headers refuse clang. The harnesses are built with AFL++'s classic
# afl-g++ (Debian's GCC plugin, afl-g++-fast, stops with "GCC and plugin have incompatible versions"),
# AddressSanitizer and UndefinedBehaviorSanitizer, with their replay main() (Testing/Fuzz/scopsamFuzzReplay.cxx),
# which afl-fuzz runs on one input file at a time (fork server, no persistent mode).
#
#   Utilities/fuzz-afl.sh [SECONDS_PER_HARNESS] [HARNESS...]     (default 600 s, every harness)
#
# Each harness runs on one core from its committed corpus; crashes and hangs land in build-afl/findings/<name>/;
# the table printed at the end (executions, corpus, crashes, hangs) is for Documentation/reliability.md. Copy a
# crash input into Testing/Fuzz/corpus/<name>/ once fixed, so that ctest replays it in the normal build.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-600}"
shift || true
if ! dpkg-query -W -f='${Status}' afl++ 2>/dev/null | grep -q "install ok installed"; then
  sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update && $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends afl++
fi
sanitizers="-fsanitize=address,undefined -fno-omit-frame-pointer"
cmake -S . -B build-afl -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_C_COMPILER=afl-gcc -DCMAKE_CXX_COMPILER=afl-g++ \
  -DCMAKE_CXX_FLAGS="$sanitizers" -DCMAKE_C_FLAGS="$sanitizers" \
  -DCMAKE_EXE_LINKER_FLAGS="$sanitizers" -DCMAKE_SHARED_LINKER_FLAGS="$sanitizers" >/dev/null
harnesses=("$@")
if [ "${#harnesses[@]}" -eq 0 ]; then
  harnesses=($(ls Testing/Fuzz/corpus))
fi
for name in "${harnesses[@]}"; do
  cmake --build build-afl --parallel "$(nproc)" --target "scopsamFuzz_${name}"
done
export AFL_SKIP_CPUFREQ=1 AFL_NO_UI=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1
export ASAN_OPTIONS="detect_leaks=0:abort_on_error=1:symbolize=0:allocator_may_return_null=1"
export UBSAN_OPTIONS="halt_on_error=1:abort_on_error=1:suppressions=$(pwd)/Utilities/sanitizer-suppressions/ubsan.supp"
printf '| harness | seconds | executions | corpus | crashes | hangs |\n|---|---|---|---|---|---|\n' > build-afl/summary.md
for name in "${harnesses[@]}"; do
  findings="build-afl/findings/${name}"
  rm -rf "$findings"
  mkdir -p "$(dirname "$findings")"
  afl-fuzz -i "Testing/Fuzz/corpus/${name}" -o "$findings" -V "$seconds" -m none -t 10000 \
    -- "build-afl/fuzz/scopsamFuzz_${name}" @@ > "build-afl/${name}.log" 2>&1 || true
  stats="$findings/default/fuzzer_stats"
  value() { grep -E "^$1 *:" "$stats" 2>/dev/null | sed 's/.*: *//' || echo "?"; }
  printf '| %s | %s | %s | %s | %s | %s |\n' "$name" "$seconds" "$(value execs_done)" "$(value corpus_count)" \
    "$(value saved_crashes)" "$(value saved_hangs)" >> build-afl/summary.md
done
cat build-afl/summary.md
