#!/usr/bin/env bash
# Installs xtgrad's build dependencies from Debian packages; does nothing when all are present.
# Open MPI (libopenmpi-dev, openmpi-bin) is only for xtgrad::distributed; without it the rest builds.
# oneDNN (libdnnl-dev) makes the large matrix products; its CMake package needs OpenCL's headers
# (ocl-icd-opencl-dev, only recommended by libdnnl-dev). Without them Eigen makes every product.
# Usage: tools/install_deps.sh [extra Debian packages...]
set -euo pipefail

packages=(g++ cmake make xtensor-dev libxsimd-dev xtl-dev nlohmann-json3-dev doctest-dev libeigen3-dev
          libcli11-dev libfmt-dev libopenblas-dev libdnnl-dev ocl-icd-opencl-dev libopenmpi-dev openmpi-bin "$@")
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
echo "installing: ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
