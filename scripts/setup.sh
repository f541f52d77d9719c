#!/bin/sh
# Install every Debian 12 package minewatch needs to build, run and test.
# Safe to run again; needs root (uses sudo when not root).
set -eu
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
PACKAGES="
  build-essential pkg-config make gcc
  libgdal-dev gdal-bin python3-gdal python3-numpy
  libtiff-dev libisal-dev
  libfftw3-dev
  liblapacke-dev
  libcmocka-dev
  libinih-dev
  libjson-c-dev
  libssl-dev
  libxlsxwriter-dev
  chromium
  libgomp1
  clang libclang-rt-14-dev valgrind
  time linux-perf strace
  openmpi-bin libopenmpi-dev
  libcairo2-dev libpango1.0-dev libfontconfig-dev libpng-dev libjpeg62-turbo-dev
  fonts-noto-cjk poppler-utils
"
# Skip apt entirely when everything is already there (fast re-runs, offline).
missing=""
for p in $PACKAGES; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
  echo "setup: installing:$missing"
  $SUDO apt-get update -qq
  # shellcheck disable=SC2086
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing
fi
echo "setup: all packages present (GDAL $(gdal-config --version))"
