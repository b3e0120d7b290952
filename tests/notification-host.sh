#!/bin/sh
# Notifications in a real notification server: dunst on a display under Xvfb, with the daemon
# in demo mode and no tray. A screenshot goes next to the test logs. Prints TAP.
#
# Run as: xvfb-run -a build-aux/test-session tests/notification-host.sh (tests/meson.build).
set -u

tray=${STRAY_TEST_STREAM_TRAY:?}
logs=${STRAY_TEST_LOG_DIR:-.}
work=$(mktemp -d "${TMPDIR:-/tmp}/stray-notifications-XXXXXX")
dunst_pid= app_pid=

cleanup() {
  [ -n "$app_pid" ] && kill "$app_pid" 2>/dev/null
  [ -n "$dunst_pid" ] && kill "$dunst_pid" 2>/dev/null
  wait 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

echo "1..2"

# wait_until SECONDS COMMAND…: runs COMMAND every 0.1 s until it succeeds, or gives up.
wait_until() {
  limit=$(( $1 * 10 )); shift
  i=0
  while [ $i -lt $limit ]; do
    "$@" >/dev/null 2>&1 && return 0
    sleep 0.1
    i=$((i + 1))
  done
  return 1
}
# Notifications shown so far: those on screen and those that already timed out into history.
shown_at_least() {
  displayed=$(dunstctl count displayed 2>/dev/null) || return 1
  history=$(dunstctl count history 2>/dev/null) || return 1
  [ $((displayed + history)) -ge "$1" ]
}
# Asks the bus, not dunst: calling dunstctl before dunst owns its name would have the bus
# activate a second dunst.
running() {
  dbus-send --session --print-reply=literal --dest=org.freedesktop.DBus /org/freedesktop/DBus \
    org.freedesktop.DBus.NameHasOwner string:org.freedesktop.Notifications | grep -q true
}

dunst >"$work/dunst.log" 2>&1 &
dunst_pid=$!
wait_until 20 running || { cat "$work/dunst.log" >&2; echo "not ok 1 - dunst started"; exit 1; }

"$tray" --demo --background >"$work/demo.log" 2>&1 &
app_pid=$!

# No tray host here: the app says once where it is.
if wait_until 20 shown_at_least 1; then
  echo "ok 1 - without a tray, one notice says where Stream Tray is"
else
  cat "$work/demo.log" >&2
  echo "not ok 1 - without a tray, one notice says where Stream Tray is"
  exit 1
fi

# The demo's chatter: a message pops up beside it within a few seconds.
if wait_until 40 shown_at_least 2; then
  sleep 0.5
  import -window root "$logs/notification-host.png"
  echo "ok 2 - a demo message pops up (screenshot notification-host.png)"
else
  cat "$work/demo.log" >&2
  echo "not ok 2 - a demo message pops up"
  exit 1
fi
