#!/bin/sh
# The window as a screen reader reads it: the installed-style executable in demo mode on a
# display under Xvfb, with GTK's accessibility bridge on (the other tests turn it off), read
# over AT-SPI by accessibility-check.py: every button and list row named, the channel list's
# rows, a channel's messages ("Bob, 10:42: text") and a thread's (the demo's, in General). The private session bus of
# build-aux/test-session starts the accessibility bus and its registry (at-spi2-core) when GTK
# asks for them. Prints TAP.
#
# Run as: xvfb-run -a build-aux/test-session tests/accessibility-host.sh (tests/meson.build
# does).
set -u

tray=${STRAY_TEST_STREAM_TRAY:?}
python=${STRAY_TEST_PYTHON:-/usr/bin/python3}
check="$(dirname "$0")/accessibility-check.py"
work=$(mktemp -d "${TMPDIR:-/tmp}/stray-accessibility-host-XXXXXX")
app_pid=
. "$(dirname "$0")/host-lib.sh"
trap cleanup EXIT

echo "1..5"
n=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() {
  n=$((n + 1)); echo "not ok $n - $1"
  sed 's/^/# /' "$work/check.log" "$work/demo.log"
  exit 1
}
logged() { [ "$(grep -c "$1" "$work/demo.log")" -ge "$2" ]; }
connected() { "$tray" --status 2>/dev/null | grep -q '"state":"connected"'; }

unset GTK_A11Y NO_AT_BRIDGE
G_MESSAGES_DEBUG=stray-ui "$tray" --demo >"$work/demo.log" 2>&1 &
app_pid=$!
: >"$work/check.log"
if wait_until 30 logged "window shown" 1 && wait_until 30 connected; then
  ok "the demo's window shows, connected"
else
  not_ok "the demo's window shows, connected"
fi

# The channel list, once the demo's channels are in it (General is one of them).
if "$python" "$check" stream-tray --wait-for "General" >"$work/check.log" 2>&1; then
  ok "the channel list: every button and list row has a name"
  sed 's/^/# /' "$work/check.log"
else
  not_ok "the channel list: every button and list row has a name"
fi

# The demo's reminder (its third membership step, 24 s after the start) in the list of upcoming
# reminders at the top of the window, its row and its Remove button named.
if "$python" "$check" stream-tray --wait-for "Reminder: Can you check" --seconds 45 \
     >"$work/check.log" 2>&1 &&
   "$python" "$check" stream-tray --wait-for "Remove the reminder on" >>"$work/check.log" 2>&1; then
  ok "the upcoming reminders: each row and its Remove button named"
  sed 's/^/# /' "$work/check.log"
else
  not_ok "the upcoming reminders: each row and its Remove button named"
fi
"$tray" --open messaging:general >>"$work/demo.log" 2>&1
# The demo's General opens with Bob's stand-up message.
if "$python" "$check" stream-tray --wait-for "Bob Okafor, " >"$work/check.log" 2>&1; then
  ok "a channel: every button named, each message row reads as 'Author, 10:42: text'"
  sed 's/^/# /' "$work/check.log"
else
  not_ok "a channel: every button named, each message row reads as 'Author, 10:42: text'"
fi

# The demo's thread in General, opened as a click on its notification does (app.open-thread).
gdbus call --session -d io.github.streamtray.StreamTray -o /io/github/streamtray/StreamTray \
  -m org.gtk.Actions.Activate open-thread \
  "[<('messaging:general', 'demo-release-checklist')>]" "{}" >/dev/null
if "$python" "$check" stream-tray --wait-for "Thread in General" >"$work/check.log" 2>&1 &&
   grep -q "message rows in Thread: [1-9]" "$work/check.log"; then
  ok "a thread: every button named, the parent and each reply read as 'Author, 10:42: text'"
  sed 's/^/# /' "$work/check.log"
else
  not_ok "a thread: every button named, the parent and each reply read as 'Author, 10:42: text'"
fi
gdbus call --session -d io.github.streamtray.StreamTray -o /io/github/streamtray/StreamTray \
  -m org.gtk.Actions.Activate quit "[]" "{}" >/dev/null
wait "$app_pid" 2>/dev/null
app_pid=
