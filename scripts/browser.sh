#!/usr/bin/env bash
# Installs what the browser tests drive: Debian's Chromium (/usr/bin/chromium) and fonts for readable
# screenshots. Playwright never downloads a browser of its own here.
set -euo pipefail

packages=(chromium fonts-liberation2 fonts-dejavu-core)
missing=()
for pkg in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ "${#missing[@]}" -gt 0 ]; then
  apt_opts=(-y -q -o DPkg::Lock::Timeout=600)
  DEBIAN_FRONTEND=noninteractive apt-get "${apt_opts[@]}" update </dev/null
  DEBIAN_FRONTEND=noninteractive apt-get "${apt_opts[@]}" install --no-install-recommends "${missing[@]}" </dev/null
fi
[ -x /usr/bin/chromium ] || { echo "/usr/bin/chromium is missing after installing it." >&2; exit 1; }
