#!/usr/bin/env bash
# Installs the SceneMaker folder for the current user (no root): the app under
# ~/.local/opt/SceneMaker, `scenemaker` on the PATH, the launcher entry and its icons.
# Run from the unpacked dist/SceneMaker folder: ./install.sh   (PREFIX=~/.local by default)
# ./install.sh --uninstall removes exactly what it installed.
set -euo pipefail
PREFIX="${PREFIX:-$HOME/.local}"
HERE="$(cd "$(dirname "$0")" && pwd)"
APP="$PREFIX/opt/SceneMaker"
ICONS="$PREFIX/share/icons/hicolor"
SIZES="16 32 48 64 128 256 512"

if [[ "${1:-}" == "--uninstall" ]]; then
  rm -rf "$APP" "$PREFIX/bin/scenemaker" "$PREFIX/share/applications/scenemaker.desktop"
  for size in $SIZES; do rm -f "$ICONS/${size}x${size}/apps/scenemaker.png"; done
  echo "SceneMaker removed from $PREFIX"
  exit 0
fi

test -x "$HERE/scenemaker" || { echo "run this from the SceneMaker folder" >&2; exit 1; }
mkdir -p "$PREFIX/opt" "$PREFIX/bin" "$PREFIX/share/applications"
if [[ "$HERE" != "$APP" ]]; then
  rm -rf "$APP"
  cp -a "$HERE" "$APP"
fi
ln -sfn "$APP/scenemaker" "$PREFIX/bin/scenemaker"
for size in $SIZES; do
  install -D -m 644 "$APP/_internal/scenemaker_desktop/resources/icons/scenemaker-$size.png" \
    "$ICONS/${size}x${size}/apps/scenemaker.png"
done
# An absolute Exec keeps the launcher working when ~/.local/bin is not on the PATH.
sed -e "s|^Exec=.*|Exec=$APP/scenemaker gui %f|" -e "s|^TryExec=.*|TryExec=$APP/scenemaker|" \
  "$HERE/scenemaker.desktop" > "$PREFIX/share/applications/scenemaker.desktop"
command -v update-desktop-database >/dev/null && update-desktop-database -q "$PREFIX/share/applications" || true
command -v gtk-update-icon-cache >/dev/null && gtk-update-icon-cache -q -t "$ICONS" || true
echo "SceneMaker installed in $APP; run 'scenemaker' or find it in your launcher"
