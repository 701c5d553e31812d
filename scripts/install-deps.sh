#!/usr/bin/env bash
# Installs the Debian packages minitorch needs to build and test. Idempotent: it only calls
# apt-get when a package is missing, and prints nothing when everything is already there.
set -euo pipefail

packages=(build-essential cmake pkg-config libeigen3-dev doctest-dev libstb-dev
          libmatio-dev libhdf5-dev libomp-dev zlib1g-dev libcli11-dev libcairo2-dev libjpeg62-turbo-dev)
# Extra packages asked for by the caller, e.g. `install-deps.sh python3-torch`.
packages+=("$@")

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
((${#missing[@]})) || exit 0

sudo=""
if [ "$(id -u)" != 0 ]; then
  command -v sudo >/dev/null || { echo "install-deps: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
  sudo=sudo
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# Refresh the package lists only when they are missing or a first install attempt fails.
if ! $sudo apt-get install -y -q --no-install-recommends "${missing[@]}" >/tmp/minitorch-apt.log 2>&1; then
  $sudo apt-get update -q >>/tmp/minitorch-apt.log 2>&1
  $sudo apt-get install -y -q --no-install-recommends "${missing[@]}" >>/tmp/minitorch-apt.log 2>&1 \
    || { tail -20 /tmp/minitorch-apt.log >&2; echo "install-deps: apt-get failed (log: /tmp/minitorch-apt.log)" >&2; exit 1; }
fi
