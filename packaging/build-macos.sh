#!/usr/bin/env bash
# Builds the standalone macOS app: dist/deskready.app and dist/deskready-<version>-macos-<arch>.dmg.
# Runs on macOS only (PyInstaller cannot cross-build); not run by the project's CI.
# See docs/packaging.md.
#
# Usage: bash packaging/build-macos.sh [--venv DIR] [--dist DIR] [--work DIR] [--clean] [--no-dmg]
#   --venv DIR  build venv (default build/bundle-venv; made and filled when missing)
#   --dist DIR  output folder (default dist)
#   --work DIR  PyInstaller's work folder and cache (default build/pyinstaller)
#   --clean     empty PyInstaller's cache first
#   --no-dmg    skip the disk image
# Environment:
#   PYTHON                        the Python that makes the venv (default python3; use a
#                                 python.org or Homebrew CPython 3.11+)
#   DESKREADY_CODESIGN_IDENTITY   a "Developer ID Application: ..." identity: signs with the
#                                 hardened runtime and packaging/macos/entitlements.plist.
#                                 Unset: ad-hoc signature (runs on the building Mac; other Macs
#                                 need right-click > Open, or notarisation, see the docs).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$(uname -s)" != Darwin ]; then
  echo "build-macos.sh builds on macOS only; on Linux use packaging/build.sh" >&2
  exit 2
fi

VENV=build/bundle-venv
DIST=dist
WORK=build/pyinstaller
CLEAN=()
DMG=1
while [ $# -gt 0 ]; do
  case "$1" in
    --venv) VENV=$2; shift 2 ;;
    --dist) DIST=$2; shift 2 ;;
    --work) WORK=$2; shift 2 ;;
    --clean) CLEAN=(--clean); shift ;;
    --no-dmg) DMG=0; shift ;;
    -h|--help) sed -n '2,21p' "$0"; exit 0 ;;
    *) echo "build-macos.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done

PY=${PYTHON:-python3}
if [ ! -x "$VENV/bin/python" ]; then
  echo "== venv: creating $VENV"
  "$PY" -m venv "$VENV"
  "$VENV/bin/python" -m pip install -q --upgrade pip
fi
echo "== venv: installing deskready[bundle] into $VENV"
"$VENV/bin/python" -m pip install -q -e ".[bundle]"
# The entry points the bundle carries are read from this install's metadata.
"$VENV/bin/python" -m pip install -q --no-deps -e .

VERSION=$("$VENV/bin/python" packaging/appinfo.py version)
echo "== pyinstaller: deskready $VERSION -> $DIST/deskready.app"
"$VENV/bin/python" -m PyInstaller --noconfirm --log-level WARN "${CLEAN[@]}" \
  --distpath "$DIST" --workpath "$WORK" packaging/deskready.spec

APP="$DIST/deskready.app"
PLIST="$APP/Contents/Info.plist"
# Without this key macOS gives the app silence instead of the microphone.
/usr/libexec/PlistBuddy -c "Print :NSMicrophoneUsageDescription" "$PLIST" >/dev/null \
  || { echo "Info.plist lacks NSMicrophoneUsageDescription" >&2; exit 1; }
reported=$("$APP/Contents/MacOS/deskready" --version)
[ "$reported" = "deskready, version $VERSION" ] \
  || { echo "the built app does not start (it said: $reported)" >&2; exit 1; }
codesign --verify --deep --strict "$APP"

if [ "$DMG" = 1 ]; then
  IMAGE="$DIST/deskready-$VERSION-macos-$(uname -m).dmg"
  rm -f "$IMAGE"
  staging=$(mktemp -d)
  trap 'rm -rf "$staging"' EXIT
  cp -R "$APP" "$staging/"
  ln -s /Applications "$staging/Applications"  # drag-to-install
  hdiutil create -quiet -volname deskready -srcfolder "$staging" -format UDZO "$IMAGE"
  echo "== disk image: $IMAGE"
fi
echo "== done: $APP ($(du -sm "$APP" | cut -f1) MB)"
