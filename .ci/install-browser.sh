#!/usr/bin/env bash
# Installs what the browser tests (tests/e2e/) need from Debian: Chromium and Japanese fonts.
# Idempotent: does nothing when both are already installed. Playwright's own browser download
# is never used; the tests launch this Chromium (CHROMIUM_PATH, default /usr/bin/chromium).
set -euo pipefail

packages=(chromium fonts-noto-cjk)
missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done

if ((${#missing[@]})); then
  echo "installing: ${missing[*]}"
  SUDO=""
  if [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null; then SUDO="sudo"; fi
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
else
  echo "chromium and fonts-noto-cjk are already installed"
fi

"${CHROMIUM_PATH:-/usr/bin/chromium}" --version
