#!/usr/bin/env bash
# SCoP-SAM set-up on a fresh Debian 12 machine: installs every dependency, builds into build/ (executables in
# build/bin/), and runs the main job on the bundled sample micrograph.
#
#   Utilities/setup.sh            install, build, run the main job
#   Utilities/setup.sh --no-run   install and build only (what .ci/run uses)
set -euo pipefail
cd "$(dirname "$0")/.."

run_main_job=1
[ "${1:-}" = "--no-run" ] && run_main_job=0

sudo=""
[ "$(id -u)" -ne 0 ] && sudo="sudo"
packages=(
  build-essential cmake ccache pkg-config
  libinsighttoolkit5-dev libfftw3-dev          # ITK 5.2 (Debian's package forgets FFTW, which it links)
  libtorch-dev libopenblas0-pthread            # LibTorch 1.13 (CPU); OpenBLAS instead of the reference BLAS
  libopencv-dev libvtk9-dev libjpeg-dev                # libjpeg: JPEG files are checked by a decode of their own
  zlib1g-dev                                   # a model file's class sources are inflated and checked before LibTorch
  libgtest-dev libbenchmark-dev
  libcli11-dev nlohmann-json3-dev libxml2-utils
  pybind11-dev python3-dev python3-numpy python3-torch python3-jsonschema
  python3-tifffile                             # the tests' SEM TIFFs with vendor calibration tags
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  $sudo apt-get update
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
fi

cmake -S . -B build -DCMAKE_BUILD_TYPE=Release
cmake --build build --parallel "$(nproc)"

# The Python package (build/Wrapping/Python/scopsam) on Debian's Python's path, through a .pth file in the user's
# site-packages: afterwards `/usr/bin/python3 -c "import scopsam"` works from anywhere.
if [ -d build/Wrapping/Python/scopsam ]; then
  site="$(/usr/bin/python3 -m site --user-site)"
  mkdir -p "$site"
  echo "$(pwd)/build/Wrapping/Python" > "$site/scopsam-build.pth"
fi

if [ "$run_main_job" -eq 1 ]; then
  echo "Main job: segment the bundled sample micrograph with the embedded default model -> build/sample_*"
  build/bin/scopsam segment Testing/Data/sample.png build/sample_mask.png \
    --overlay build/sample_overlay.png --probability build/sample_probability.mha --stats build/sample_stats.json
  build/bin/scopsam evaluate build/sample_mask.png Testing/Data/sample_mask.png
  build/bin/scopsam priors Testing/Data/sample.png build/sample --png
fi

echo "Done. The programs are in $(pwd)/build/bin; to type 'scopsam' as the documentation does:"
echo "  export PATH=\"$(pwd)/build/bin:\$PATH\""
