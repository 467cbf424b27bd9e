#!/usr/bin/env bash
# Installs what a fresh Debian 12 machine with the .NET SDK lacks to build, run and test Grader.
# Idempotent: installs nothing when everything is already there.
set -euo pipefail

# bubblewrap: the sandbox student code runs in. chromium: the browser tests.
required_packages=(bubblewrap chromium)

missing=()
for package in "${required_packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done

if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  sudo_prefix=()
  if [ "$(id -u)" -ne 0 ]; then sudo_prefix=(sudo); fi
  "${sudo_prefix[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_prefix[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
