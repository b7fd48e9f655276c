#!/usr/bin/env bash
# The quick tests under AddressSanitizer and UndefinedBehaviorSanitizer.
#
#   Utilities/sanitize.sh [CTEST_ARGS...]      (default: --label-exclude slow)
#
# Builds the whole project with GCC's -fsanitize=address,undefined (no LTO, frame pointers kept) into build-asan/
# and runs ctest there. Findings inside system libraries (LibTorch, ITK, OpenBLAS, ...) go into the reviewed
# suppression files of Utilities/sanitizer-suppressions/, each with its reason; a finding in this project's code is
# fixed, never suppressed. On 2 cores the build takes most of an hour (ccache helps on the second run).
set -euo pipefail
cd "$(dirname "$0")/.."
# UBSan's checks stay recoverable (its suppressions work only for those) and halt_on_error=1 below makes any report
# that is not suppressed end the test, as -fno-sanitize-recover would.
flags="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-lto"
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_C_FLAGS="$flags" -DCMAKE_CXX_FLAGS="$flags" \
  -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=address,undefined" -DCMAKE_SHARED_LINKER_FLAGS="-fsanitize=address,undefined"
cmake --build build-asan --parallel "${SANITIZE_JOBS:-$(nproc)}"
suppressions="$(pwd)/Utilities/sanitizer-suppressions"
# LibTorch and OpenBLAS allocate per-thread state they never free: leaks are not what this run looks for.
export ASAN_OPTIONS="detect_leaks=0:strict_string_checks=1:detect_stack_use_after_return=1:check_initialization_order=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:suppressions=${suppressions}/ubsan.supp"
if [ "$#" -eq 0 ]; then
  set -- --label-exclude slow
fi
# Debian's Python is not instrumented: for the extension module to load in it, the sanitizer runtimes must come
# first ("ASan runtime does not come first in initial library list"), so the Python tests (Python.scopsam and the
# Python example) run with them preloaded - and only those: preloaded into make or the compiler (the tests that
# configure and build CMake projects), ASan's strict string checks report those programs' own reads.
status=0
ctest --test-dir build-asan --output-on-failure --exclude-regex Python "$@" || status=$?
LD_PRELOAD="$(gcc -print-file-name=libasan.so):$(gcc -print-file-name=libubsan.so)" \
  ctest --test-dir build-asan --output-on-failure --tests-regex Python "$@" || status=$?
exit "$status"
