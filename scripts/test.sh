#!/usr/bin/env bash
# The whole test suite on a fresh Debian machine: installs what is missing (apt packages,
# a venv with the project and its test extras), then ruff, mypy and pytest.
# Usage: bash scripts/test.sh [extra pytest args]
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(
  # audio: PortAudio for sounddevice, a PulseAudio server with a null sink, test signals
  libportaudio2 libasound2-plugins pulseaudio pulseaudio-utils espeak-ng sox
  # PDF read-back
  poppler-utils qpdf
  # network lab: namespaces, shaping, loss, a real STUN server
  iproute2 nftables coturn
  # Qt offscreen / under Xvfb, fonts with CJK glyphs
  xvfb xauth libxcb-icccm4 libxcb-keysyms1 libxcb-cursor0 libxcb-image0 libxcb-render-util0
  libxcb-shape0 libxcb-xkb1 libxkbcommon-x11-0 libegl1 libgl1 libxkbcommon0 libfontconfig1
  libdbus-1-3 fonts-dejavu-core fonts-noto-cjk
  # the standalone bundle (tests/packaging): PyInstaller's objdump, metainfo and .desktop checks
  binutils appstream desktop-file-utils
)

missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "== apt: installing ${missing[*]}"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

VENV=${DESKREADY_VENV:-.venv}
PY=${PYTHON:-python3}
EXTRAS="test,bundle"
stamp="$VENV/.installed-$( (cat pyproject.toml; echo "$EXTRAS") | sha256sum | cut -c1-16)"
if [ ! -f "$stamp" ]; then
  echo "== venv: installing deskready[$EXTRAS] into $VENV"
  [ -x "$VENV/bin/python" ] || "$PY" -m venv "$VENV"
  "$VENV/bin/python" -m pip install -q --upgrade pip
  "$VENV/bin/python" -m pip install -q -e ".[$EXTRAS]"
  rm -f "$VENV"/.installed-*; touch "$stamp"
else
  # entry points and the package itself may have changed without pyproject changing
  "$VENV/bin/python" -m pip install -q --no-deps -e . >/dev/null
fi
export PATH="$PWD/$VENV/bin:$PATH"

echo "== ruff"
ruff check .
ruff format --check .
echo "== mypy"
mypy
echo "== pytest"
exec pytest "$@"
