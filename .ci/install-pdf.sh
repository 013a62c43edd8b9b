#!/usr/bin/env bash
# Installs what server-side PDFs (cluster_portal/pdf.py, WeasyPrint) need from Debian: pango (text layout,
# loaded by WeasyPrint at run time) and the Japanese fonts fonts-noto-cjk ("Noto Sans CJK JP" in
# static/css/print.css). Idempotent: does nothing when everything is installed. Without apt-get (or
# without the right to use it) it says so and exits 0: the PDF tests then skip with the reason.
set -uo pipefail

packages=(libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-noto-cjk)
missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done

if ((${#missing[@]} == 0)); then
  echo "pango and fonts-noto-cjk are already installed"
  exit 0
fi
if ! command -v apt-get >/dev/null; then
  echo "apt-get is not available: install ${missing[*]} by hand; the PDF tests will be skipped." >&2
  exit 0
fi
echo "installing: ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null; then SUDO="sudo"; fi
if ! { $SUDO apt-get update -q && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"; }; then
  echo "could not install ${missing[*]}: the PDF tests will be skipped." >&2
fi
exit 0
