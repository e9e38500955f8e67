#!/usr/bin/env bash
# Set up deskready on a fresh Debian machine and run the checks on the bundled default
# profile. Extra arguments go to `deskready check` (e.g. --pdf ready.pdf, -p strict).
set -euo pipefail
cd "$(dirname "$0")/.."

# PortAudio for the audio checks; the rest are what Qt needs to render a PDF headless.
APT_PACKAGES=(python3-venv libportaudio2 libegl1 libgl1 libxkbcommon0 libfontconfig1 libdbus-1-3 fonts-dejavu-core)
missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ] && command -v apt-get >/dev/null; then
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

VENV=${DESKREADY_VENV:-.venv}
[ -x "$VENV/bin/python" ] || "${PYTHON:-python3}" -m venv "$VENV"
"$VENV/bin/python" -m pip install -q -e .
exec "$VENV/bin/deskready" check "$@"
