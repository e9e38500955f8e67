#!/bin/sh
# Adds deskready to this user's application menu (no root needed): copies the .desktop
# file, icon and AppStream metainfo below ~/.local/share, pointing at this folder's
# executable. Run it again after moving the folder; run with --remove to take it out.
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
DATA=${XDG_DATA_HOME:-$HOME/.local/share}
DESKTOP=$(cd "$HERE/share/applications" && ls ./*.desktop)
DESKTOP=${DESKTOP#./}
APP_ID=${DESKTOP%.desktop}

if [ "${1:-}" = "--remove" ]; then
  rm -f "$DATA/applications/$APP_ID.desktop" "$DATA/icons/hicolor/scalable/apps/$APP_ID.svg" \
    "$DATA/metainfo/$APP_ID.metainfo.xml"
  echo "deskready removed from the application menu."
  exit 0
fi

mkdir -p "$DATA/applications" "$DATA/icons/hicolor/scalable/apps" "$DATA/metainfo"
sed "s|^Exec=deskready|Exec=\"$HERE/deskready\"|" "$HERE/share/applications/$DESKTOP" \
  > "$DATA/applications/$DESKTOP"
cp "$HERE/share/icons/hicolor/scalable/apps/$APP_ID.svg" "$DATA/icons/hicolor/scalable/apps/"
cp "$HERE/share/metainfo/$APP_ID.metainfo.xml" "$DATA/metainfo/"
command -v update-desktop-database >/dev/null && update-desktop-database "$DATA/applications" || true
echo "deskready added to the application menu ($DATA/applications/$DESKTOP)."
