#!/bin/sh
# Notifications in a real notification server: dunst on a display under Xvfb, with the daemon
# in demo mode and no tray: a notice, a demo message, and a click on one that opens the
# window on its channel. A screenshot goes next to the test logs. Prints TAP.
#
# Run as: xvfb-run -a build-aux/test-session tests/notification-host.sh (tests/meson.build).
set -u

tray=${STRAY_TEST_STREAM_TRAY:?}
logs=${STRAY_TEST_LOG_DIR:-.}
work=$(mktemp -d "${TMPDIR:-/tmp}/stray-notifications-XXXXXX")
dunst_pid= app_pid=

. "$(dirname "$0")/host-lib.sh"
trap cleanup EXIT

echo "1..3"

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

# Every notification's summary goes to a log, for the click test to know which it clicked.
printf '#!/bin/sh\necho "$2" >>"%s/summaries"\n' "$work" >"$work/log-summary"
chmod +x "$work/log-summary"
printf '[global]\n    font = Monospace 8\n[log_summaries]\n    summary = "*"\n    script = %s\n' \
  "$work/log-summary" >"$work/dunstrc"
: >"$work/summaries"

dunst -config "$work/dunstrc" >"$work/dunst.log" 2>&1 &
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

# A click: dunst's default action on a fresh demo message opens the window on its channel.
# The demo also invites the user and adds them to a channel once each; those notifications
# are not a channel's messages, so the test waits for the next one that is.
summaries() { wc -l <"$work/summaries"; }
more_summaries_than() { [ "$(summaries)" -gt "$1" ]; }
window_titled() { xwininfo -root -tree | grep -qF "\"$1\""; }
is_membership() { printf '%s\n' "$1" | grep -qE 'invited you to #|You were added to #'; }
fresh_message() {
  for _ in 1 2 3; do
    dunstctl close-all
    before=$(summaries)
    wait_until 40 more_summaries_than "$before" && wait_until 5 shown_at_least 1 || return 1
    # The first to come after the close-all: the oldest shown, which dunst's action 0 clicks
    # (another may have come meanwhile, such as the demo's thread reply).
    channel=$(sed -n "$((before + 1))p" "$work/summaries")
    is_membership "$channel" || return 0
  done
  return 1
}
if fresh_message; then
  dunstctl action 0
  if wait_until 20 window_titled "$channel — Stream Tray"; then
    echo "ok 3 - clicking the notification of “$channel” opens the window on that channel"
  else
    xwininfo -root -tree >&2
    cat "$work/demo.log" >&2
    echo "not ok 3 - clicking the notification of “$channel” opens the window on that channel"
    exit 1
  fi
else
  cat "$work/demo.log" >&2
  echo "not ok 3 - another demo message pops up to click"
  exit 1
fi
