#!/usr/bin/env bash
# Builds the standalone Linux bundle: dist/deskready/ (run dist/deskready/deskready) and
# dist/deskready-<version>-linux-<arch>.tar.gz. See docs/packaging.md.
#
# Usage: bash packaging/build.sh [--venv DIR] [--no-install] [--dist DIR] [--work DIR]
#                                 [--clean] [--no-tar]
#   --venv DIR    build venv (default build/bundle-venv; made when missing, filled from
#                 packaging/requirements-bundle.txt, the locked runtime + bundle packages).
#   --no-install  use the venv as it is (it must already hold deskready[bundle]; the tests
#                 use this with the venv scripts/test.sh made from its own lock)
#   --dist DIR    where the bundle and the .tar.gz go (default dist)
#   --work DIR    PyInstaller's work folder and cache (default build/pyinstaller)
#   --clean       empty PyInstaller's cache first (slower; after changing hooks by hand)
#   --no-tar      skip the .tar.gz
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=build/bundle-venv
DIST=dist
WORK=build/pyinstaller
CLEAN=()
TAR=1
INSTALL=1
while [ $# -gt 0 ]; do
  case "$1" in
    --venv) VENV=$2; shift 2 ;;
    --dist) DIST=$2; shift 2 ;;
    --work) WORK=$2; shift 2 ;;
    --no-install) INSTALL=0; shift ;;
    --clean) CLEAN=(--clean); shift ;;
    --no-tar) TAR=0; shift ;;
    -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
    *) echo "build.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done

# PortAudio is copied from the system into the bundle; binutils gives PyInstaller objdump
# (and ld, objcopy); icu-devtools gives icupkg, which trims Qt's ICU data (bundle_filter.py).
APT_PACKAGES=(libportaudio2 binutils icu-devtools)
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

# pip's output goes to a log, shown only when pip fails (editable installs are chatty).
pip_quietly() {
  "$VENV/bin/python" -m pip install -q "$@" >"$VENV/pip.log" 2>&1 \
    || { cat "$VENV/pip.log" >&2; echo "build.sh: pip install $* failed" >&2; exit 1; }
}

PY=${PYTHON:-python3}
if [ "$INSTALL" = 0 ]; then
  "$VENV/bin/python" -c "import PyInstaller, importlib.metadata as m; m.distribution('deskready')" 2>/dev/null \
    || { echo "build.sh: $VENV lacks PyInstaller or deskready; install deskready[bundle] or drop --no-install" >&2; exit 2; }
elif [ ! -x "$VENV/bin/python" ]; then
  echo "== venv: creating $VENV"
  "$PY" -m venv "$VENV"
fi
if [ "$INSTALL" = 1 ]; then
  # The runtime and bundle packages at the locked versions and hashes (scripts/lock.sh), so
  # a rebuild of the same commit carries the same libraries.
  LOCK=packaging/requirements-bundle.txt
  stamp="$VENV/.installed-requirements-bundle-$(sha256sum <"$LOCK" | cut -c1-16)"
  if [ ! -f "$stamp" ]; then
    echo "== venv: installing $LOCK into $VENV"
    pip_quietly --require-hashes -r "$LOCK"
    rm -f "$VENV"/.installed-requirements-bundle-*; touch "$stamp"
  fi
  # Always: the entry points the bundle carries are read from this install's metadata.
  pip_quietly --no-deps --no-build-isolation -e .
fi

VERSION=$("$VENV/bin/python" packaging/appinfo.py version)
APP_ID=$("$VENV/bin/python" -c "import sys; sys.path.insert(0, 'packaging'); import appinfo; print(appinfo.APP_ID)")
echo "== pyinstaller: deskready $VERSION -> $DIST/deskready"
mkdir -p "$WORK"
started=$(date +%s)
"$VENV/bin/python" -m PyInstaller --noconfirm --log-level WARN "${CLEAN[@]}" \
  --distpath "$DIST" --workpath "$WORK" packaging/deskready.spec

# Desktop integration files, beside the executable (install-desktop-entry.sh uses them).
APPDIR="$DIST/deskready"
install -Dm644 "packaging/linux/$APP_ID.desktop" "$APPDIR/share/applications/$APP_ID.desktop"
install -Dm644 resources/icons/deskready.svg "$APPDIR/share/icons/hicolor/scalable/apps/$APP_ID.svg"
mkdir -p "$APPDIR/share/metainfo"
"$VENV/bin/python" packaging/appinfo.py metainfo "$APPDIR/share/metainfo/$APP_ID.metainfo.xml"
install -m755 packaging/linux/install-desktop-entry.sh "$APPDIR/install-desktop-entry.sh"
if command -v appstreamcli >/dev/null; then
  appstreamcli validate --no-net --explain "$APPDIR/share/metainfo/$APP_ID.metainfo.xml" >/dev/null \
    || { echo "AppStream metainfo is not valid:" >&2; appstreamcli validate --no-net "$APPDIR/share/metainfo/$APP_ID.metainfo.xml" >&2; exit 1; }
fi

if [ "$TAR" = 1 ]; then
  TARBALL="$DIST/deskready-$VERSION-linux-$(uname -m).tar.gz"
  tar -C "$DIST" --sort=name --owner=0 --group=0 --numeric-owner -czf "$TARBALL" deskready
fi
mb() { du -s --apparent-size --block-size=1000000 "$1" | cut -f1; }
echo "== done in $(( $(date +%s) - started )) s: $APPDIR ($(mb "$APPDIR") MB)${TARBALL:+, $TARBALL ($(mb "$TARBALL") MB)}"
