#!/usr/bin/env bash
# Installs the Debian 12 packages ekvbackup needs to build and test.
# Idempotent: packages already present are skipped, and nothing runs when all are there.
set -euo pipefail

PACKAGES=(
  build-essential cmake pkg-config
  clang libclang-rt-14-dev
  libprotobuf-c-dev protobuf-c-compiler
  libjansson-dev libssl-dev libzstd-dev libarchive-dev
  libhiredis-dev libcurl4-openssl-dev
  redis-server
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if [ "${#missing[@]}" -eq 0 ]; then
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  SUDO=sudo
else
  SUDO=
fi
echo "install-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
