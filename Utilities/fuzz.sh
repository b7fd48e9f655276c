#!/usr/bin/env bash
# A libFuzzer campaign over every harness of Testing/Fuzz (Debian's clang-14 and libfuzzer-14-dev).
#
#   Utilities/fuzz.sh [SECONDS_PER_HARNESS] [HARNESS...]     (default 600 s, every harness)
#   FUZZ_RUNS=1000000 Utilities/fuzz.sh 3600 ...             (stop each after that many executions, or the time)
#
# Debian's ITK 5.2 headers accept GCC only; CMakeLists.txt pre-includes CMake/ClangITKCompilerDetection.h in a clang
# build, which gets past that check. ITK, OpenCV, libpng and libtiff come from Debian uninstrumented, so coverage
# (cov, ft) counts this project's code only.
#
# Builds the harnesses with clang, libFuzzer and AddressSanitizer + UndefinedBehaviorSanitizer into build-fuzz/,
# runs each for the given time on one core from a copy of its committed corpus (build-fuzz/corpus/<name>; new
# inputs libFuzzer finds stay there), with a 2 GiB memory limit (a larger allocation is a finding: no runaway
# memory) and no -ignore_crashes, and prints per harness the executions, coverage (cov, ft) and crashes for
# Documentation/reliability.md. A crash input lands in build-fuzz/findings/<name>/; copy it into the corpus once
# fixed, so that ctest replays it in the normal build.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-600}"
shift || true

packages=(clang-14 libfuzzer-14-dev)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update && $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
fi

sanitizers="-fsanitize=address,undefined -fno-omit-frame-pointer"
cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSCoPSAM_FUZZ=ON \
  -DCMAKE_C_COMPILER=clang-14 -DCMAKE_CXX_COMPILER=clang++-14 \
  -DCMAKE_CXX_FLAGS="$sanitizers" -DCMAKE_C_FLAGS="$sanitizers" \
  -DCMAKE_EXE_LINKER_FLAGS="$sanitizers" -DCMAKE_SHARED_LINKER_FLAGS="$sanitizers" >/dev/null

harnesses=("$@")
if [ "${#harnesses[@]}" -eq 0 ]; then
  harnesses=($(ls Testing/Fuzz/corpus))
fi
for name in "${harnesses[@]}"; do
  cmake --build build-fuzz --parallel "$(nproc)" --target "scopsamFuzz_${name}"
done

export ASAN_OPTIONS="detect_leaks=0:allocator_may_return_null=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:suppressions=$(pwd)/Utilities/sanitizer-suppressions/ubsan.supp"
printf '| harness | wall s | CPU s | executions | cov | ft | corpus | crashes |\n|---|---|---|---|---|---|---|---|\n' \
  > build-fuzz/summary.md
for name in "${harnesses[@]}"; do
  corpus="build-fuzz/corpus/${name}"
  findings="build-fuzz/findings/${name}"
  mkdir -p "$corpus" "$findings"
  cp -n "Testing/Fuzz/corpus/${name}/"* "$corpus/"
  log="build-fuzz/${name}.log"
  status=0
  runs=(); [ -n "${FUZZ_RUNS:-}" ] && runs=(-runs="$FUZZ_RUNS")
  /usr/bin/time -f '%e %U %S' -o "build-fuzz/${name}.time" \
    "build-fuzz/fuzz/scopsamFuzz_${name}" "$corpus" -max_total_time="$seconds" "${runs[@]}" -rss_limit_mb=2048 -close_fd_mask=3 \
    -timeout=25 -print_final_stats=1 -artifact_prefix="$findings/" > "$log" 2>&1 || status=$?
  read -r wall user system < <(tail -n 1 "build-fuzz/${name}.time")
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo 0)
  last=$(grep -E '^#[0-9]+' "$log" | tail -n 1)
  cov=$(echo "$last" | grep -o 'cov: [0-9]*' | grep -o '[0-9]*' || echo "?")
  ft=$(echo "$last" | grep -o 'ft: [0-9]*' | grep -o '[0-9]*' || echo "?")
  crashes=$(ls "$findings" | wc -l)
  printf '| %s | %.0f | %.0f | %s | %s | %s | %s | %s |\n' "$name" "$wall" "$(awk -v u="$user" -v s="$system" 'BEGIN { print u + s }')" "$execs" \
    "$cov" "$ft" "$(ls "$corpus" | wc -l)" "$crashes" >> build-fuzz/summary.md
  [ "$status" -eq 0 ] || echo "scopsamFuzz_${name}: libFuzzer stopped with status $status, see $log" >&2
done
cat build-fuzz/summary.md
