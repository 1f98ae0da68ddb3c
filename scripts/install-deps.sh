#!/usr/bin/env bash
# Installs every Debian package darksweep needs to build and test (idempotent, non-interactive).
# The CUDA toolkit is not a Debian package: when /usr/local/cuda exists, CMake builds the CUDA targets.
set -euo pipefail
packages=(
  build-essential cmake ninja-build pkg-config
  libopenblas-dev nlohmann-json3-dev libgtest-dev
  libsqlite3-dev sqlite3
  libopencv-dev
  libopenmpi-dev openmpi-bin
  clang-16 libclang-rt-16-dev   # scripts/test-sanitizers.sh: ASan + UBSan and libFuzzer (clang 14 lacks std::source_location)
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
echo "install-deps: installed ${missing[*]}"
