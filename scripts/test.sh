#!/usr/bin/env bash
# The whole test suite on a fresh Debian machine: installs what is missing (apt packages,
# a venv with the locked packages and the project), then ruff, mypy and pytest.
# Usage: bash scripts/test.sh [extra pytest args]
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(
  # audio: PortAudio for sounddevice, a PulseAudio server with a null sink, test signals
  libportaudio2 libasound2-plugins pulseaudio pulseaudio-utils espeak-ng sox
  # PDF read-back; zbarimg decodes the verification QR code on a rendered page
  poppler-utils qpdf zbar-tools
  # network lab: namespaces, shaping, loss, a real STUN server
  iproute2 nftables coturn
  # network lab: NFQUEUE delay (the kernel has no netem and nftables here no queue statement)
  iptables
  # the hub: a throwaway PostgreSQL cluster (tests/hub/conftest.py), a third-party STUN client
  postgresql stun-client
  # the hub's dashboard in a real browser (tests/hub/browser, driven by Playwright)
  chromium
  # Qt offscreen / under Xvfb, fonts with CJK glyphs
  xvfb xauth libxcb-icccm4 libxcb-keysyms1 libxcb-cursor0 libxcb-image0 libxcb-render-util0
  libxcb-shape0 libxcb-xkb1 libxkbcommon-x11-0 libegl1 libgl1 libxkbcommon0 libfontconfig1
  libdbus-1-3 fonts-dejavu-core fonts-noto-cjk
  # the standalone bundle (tests/packaging): PyInstaller's objdump, metainfo and .desktop checks;
  # icupkg trims Qt's ICU data
  binutils appstream desktop-file-utils icu-devtools
  # deskready schedule: systemd-analyze verifies the generated user timer (tests/schedule)
  systemd
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
# Every package at the version (and sha256) in the lock file: runtime, test and bundle extras,
# and pip/setuptools/wheel. Refresh the lock with scripts/lock.sh.
LOCK=packaging/requirements-test.txt
# One stamp per lock file (run.sh and test.sh may share a venv; the versions agree).
tag=$(basename "$LOCK" .txt)
stamp="$VENV/.installed-$tag-$(sha256sum <"$LOCK" | cut -c1-16)"
if [ ! -f "$stamp" ]; then
  echo "== venv: installing $LOCK into $VENV"
  [ -x "$VENV/bin/python" ] || "$PY" -m venv "$VENV"
  "$VENV/bin/python" -m pip install -q --require-hashes -r "$LOCK"
  rm -f "$VENV/.installed-$tag-"*; touch "$stamp"
fi
# deskready itself, with no dependency of its own (the lock has them) and the locked
# setuptools (no build isolation, which would fetch an unlocked one). Every time: entry
# points and the package list may have changed without the lock changing.
# (setuptools' warnings about data folders go to a log, shown only if the install fails)
"$VENV/bin/python" -m pip install -q --no-deps --no-build-isolation -e . >"$VENV/pip-editable.log" 2>&1 \
  || { cat "$VENV/pip-editable.log" >&2; echo "pip install -e . failed" >&2; exit 1; }
export PATH="$PWD/$VENV/bin:$PATH"

echo "== ruff"
ruff check .
ruff format --check .
echo "== mypy"
python scripts/typecheck_tree.py
mypy
echo "== pytest"
exec pytest "$@"
