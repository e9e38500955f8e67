#!/usr/bin/env bash
# Regenerates the hashed lock files that scripts/test.sh, scripts/run.sh and packaging/build.sh
# install from, so every machine gets the same versions of every package (docs/packaging.md,
# "Locked versions"). pyproject.toml keeps the ranges deskready accepts; the lock files pin one
# version inside them, with the sha256 of every file the registry serves for it.
#
# Usage: bash scripts/lock.sh [uv pip compile options]
#   bash scripts/lock.sh                          # add or drop what pyproject.toml changed,
#                                                 # keep every other pinned version
#   bash scripts/lock.sh --upgrade                # refresh: the newest versions the ranges allow
#   bash scripts/lock.sh --upgrade-package babel  # refresh one package (repeatable)
# Then run `bash scripts/test.sh` and commit pyproject.toml with packaging/requirements-*.txt.
#
# The locks are for CPython 3.11 on x86_64 Linux with glibc 2.36 or later (Debian 12), the
# machines the README's commands are for; PLATFORM below says so to the resolver, so the
# result does not depend on the machine that runs this script.
set -euo pipefail
cd "$(dirname "$0")/.."

# One lock file per line: the file, then the pyproject extras it holds besides the runtime
# dependencies. The first line must hold the most extras: the others are resolved with its
# versions as constraints, so a package has the same version in every lock file.
# A new extra (e.g. hub) goes on the test line, and on its own line if something installs it
# without the test tools.
LOCKS=(
  "packaging/requirements-test.txt test bundle hub"   # scripts/test.sh
  "packaging/requirements-run.txt"                # scripts/run.sh
  "packaging/requirements-bundle.txt bundle"      # packaging/build.sh's build venv
)
# pip, setuptools, wheel: locked too, for the hash-checked `pip install --no-build-isolation -e .`
BUILD_TOOLS=packaging/requirements-build.in
PYTHON_VERSION=3.11
PLATFORM=x86_64-manylinux_2_36
UV_VERSION=0.13.9
TOOLS=${DESKREADY_LOCK_TOOLS:-build/lock-tools}

if [ ! -x "$TOOLS/bin/uv" ] || [ "$("$TOOLS/bin/uv" --version | cut -d' ' -f2)" != "$UV_VERSION" ]; then
  echo "== uv $UV_VERSION into $TOOLS"
  [ -x "$TOOLS/bin/python" ] || "${PYTHON:-python3}" -m venv "$TOOLS"
  "$TOOLS/bin/python" -m pip install -q "uv==$UV_VERSION"
fi

# A fixed path, because the lock files name it (in their "via" comments).
constraints="$TOOLS/pins-of-the-first-lock.txt"
first=1
for line in "${LOCKS[@]}"; do
  read -r out extras <<<"$line"
  args=()
  for extra in $extras; do args+=(--extra "$extra"); done
  if [ "$first" = 0 ]; then args+=(--constraint "$constraints"); fi
  echo "== $out: runtime${extras:+ + $extras}"
  "$TOOLS/bin/uv" pip compile pyproject.toml "$BUILD_TOOLS" "${args[@]}" \
    --generate-hashes --python-version "$PYTHON_VERSION" --python-platform "$PLATFORM" \
    --custom-compile-command "bash scripts/lock.sh" --quiet -o "$out" "$@"
  if [ "$first" = 1 ]; then
    # name==version of every package in the widest lock, without the hashes
    sed -n 's/^\([A-Za-z0-9._-]*==[^ ]*\).*/\1/p' "$out" >"$constraints"
    first=0
  fi
done
