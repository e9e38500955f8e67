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
# The runtime dependencies at the versions (and sha256) in the lock file; see scripts/lock.sh.
LOCK=packaging/requirements-run.txt
# One stamp per lock file (run.sh and test.sh may share a venv; the versions agree).
tag=$(basename "$LOCK" .txt)
stamp="$VENV/.installed-$tag-$(sha256sum <"$LOCK" | cut -c1-16)"
if [ ! -f "$stamp" ]; then
  echo "== venv: installing $LOCK into $VENV" >&2
  [ -x "$VENV/bin/python" ] || "${PYTHON:-python3}" -m venv "$VENV"
  "$VENV/bin/python" -m pip install -q --require-hashes -r "$LOCK"
  rm -f "$VENV/.installed-$tag-"*; touch "$stamp"
fi
# deskready itself: no dependencies of its own (the lock has them), the locked setuptools.
# (setuptools' warnings about data folders go to a log, shown only if the install fails)
"$VENV/bin/python" -m pip install -q --no-deps --no-build-isolation -e . >"$VENV/pip-editable.log" 2>&1 \
  || { cat "$VENV/pip-editable.log" >&2; echo "pip install -e . failed" >&2; exit 1; }
exec "$VENV/bin/deskready" check "$@"
