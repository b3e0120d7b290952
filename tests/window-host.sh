#!/bin/sh
# The window as users get it: the installed-style executable loads its window module on
# first use. On a display under Xvfb, with the daemon in demo mode: the first launch opens the
# window; `stream-tray --open CID` from a second process opens that channel in the running
# one; the window closes and the daemon keeps running. The demo's server is a child process
# of the daemon, and goes when the daemon is killed; the daemon is "stream-tray" by name. A
# screenshot goes next to the test logs. Prints TAP.
#
# Run as: xvfb-run -a build-aux/test-session tests/window-host.sh (tests/meson.build does).
set -u

tray=${STRAY_TEST_STREAM_TRAY:?}
logs=${STRAY_TEST_LOG_DIR:-.}
work=$(mktemp -d "${TMPDIR:-/tmp}/stray-window-host-XXXXXX")
app_pid=
. "$(dirname "$0")/host-lib.sh"
trap cleanup EXIT

echo "1..8"
n=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() {
  n=$((n + 1)); echo "not ok $n - $1"
  sed 's/^/# /' "$work/demo.log"
  exit 1
}


logged() { [ "$(grep -c "$1" "$work/demo.log")" -ge "$2" ]; }
window_titled() { xwininfo -root -tree | grep -qF "\"$1\""; }
connected() { "$tray" --status 2>/dev/null | grep -q '"state":"connected"'; }
action() {
  gdbus call --session -d io.github.streamtray.StreamTray -o /io/github/streamtray/StreamTray \
    -m org.gtk.Actions.Activate "$1" "[]" "{}" >/dev/null
}

# What is on screen is what the screenshot shows: no transition halfway.
mkdir -p "$work/config/gtk-4.0"
printf '[Settings]\ngtk-enable-animations=false\n' >"$work/config/gtk-4.0/settings.ini"
export XDG_CONFIG_HOME="$work/config"

G_MESSAGES_DEBUG=stray-ui "$tray" --demo >"$work/demo.log" 2>&1 &
app_pid=$!

if wait_until 30 logged "window shown" 1 && wait_until 10 window_titled "Stream Tray"; then
  ok "the first launch loads the window module and shows the window"
else
  not_ok "the first launch loads the window module and shows the window"
fi
wait_until 30 connected || not_ok "the demo connects"
# The list as a user first sees it, once the resync has filled it (also the metainfo's
# screenshot).
has_unread() { "$tray" --status 2>/dev/null | grep -q '"total_unread_count":[1-9]'; }
wait_until 20 has_unread
import -window root "$logs/window-host-list.png" 2>/dev/null
echo "# screenshot: $logs/window-host-list.png"

if "$tray" --open messaging:general >"$work/open.log" 2>&1 &&
   wait_until 10 window_titled "General — Stream Tray"; then
  ok "stream-tray --open CID opens that channel in the running instance"
else
  cat "$work/open.log" >>"$work/demo.log"
  not_ok "stream-tray --open CID opens that channel in the running instance"
fi
import -window root "$logs/window-host.png" 2>/dev/null
echo "# screenshot: $logs/window-host.png"

# The tray's click while the window has the focus closes it (toggle-window).
if action toggle-window && wait_until 10 logged "window closed" 1 &&
   ! window_titled "General — Stream Tray"; then
  ok "the toggle closes the focused window"
else
  not_ok "the toggle closes the focused window"
fi

if kill -0 "$app_pid" 2>/dev/null && connected; then
  ok "the daemon keeps running, connected, with the window closed"
else
  not_ok "the daemon keeps running, connected, with the window closed"
fi

# Launching it again opens the window again.
if "$tray" >"$work/again.log" 2>&1 && wait_until 10 logged "window shown" 2; then
  ok "launching Stream Tray again opens the window"
else
  not_ok "launching Stream Tray again opens the window"
fi
action quit
wait "$app_pid"
app_pid=

# The process as pgrep, killall, top and debuggers see it; and its demo server, which must not
# outlive it, however it ends.
G_MESSAGES_DEBUG= "$tray" --demo --background >"$work/demo.log" 2>&1 &
app_pid=$!
wait_until 30 connected || not_ok "the demo connects again"
if [ "$(cat "/proc/$app_pid/comm")" = "stream-tray" ] && pgrep -x stream-tray | grep -qx "$app_pid"; then
  ok "the daemon is stream-tray by name"
else
  echo "# comm: $(cat "/proc/$app_pid/comm")" >>"$work/demo.log"
  not_ok "the daemon is stream-tray by name"
fi
# /proc's comm keeps 15 characters: stream-tray-devserver is "stream-tray-dev" there.
server_pid=$(pgrep -P "$app_pid" -x stream-tray-dev)
if [ -n "$server_pid" ] && grep -q 'the local server runs at http://127.0.0.1:' "$work/demo.log"; then
  ok "the demo's server is a child process of the daemon, on loopback"
else
  not_ok "the demo's server is a child process of the daemon, on loopback"
fi
server_gone() { ! kill -0 "$server_pid" 2>/dev/null; }
kill -KILL "$app_pid"
wait "$app_pid" 2>/dev/null
app_pid=
if wait_until 10 server_gone; then
  ok "killing the daemon stops its demo server"
else
  kill "$server_pid" 2>/dev/null
  not_ok "killing the daemon stops its demo server"
fi
