#!/bin/sh
# The tray icon in a real StatusNotifierItem host: gtk-sni-tray-standalone (Debian's
# haskell-gtk-sni-tray-utils) as watcher and host, on a display under Xvfb, with the daemon
# in demo mode. Screenshots of the host go next to the test logs. Prints TAP.
#
# Run as: xvfb-run -a build-aux/test-session tests/tray-host.sh (tests/meson.build does).
set -u

tray=${STRAY_TEST_STREAM_TRAY:?}
logs=${STRAY_TEST_LOG_DIR:-.}
convert=/usr/bin/convert
work=$(mktemp -d "${TMPDIR:-/tmp}/stray-tray-host-XXXXXX")
host_pid= app_pid=

. "$(dirname "$0")/host-lib.sh"
trap cleanup EXIT

echo "1..5"
n=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); echo "not ok $n - $1"; exit 1; }


status() { "$tray" --status 2>/dev/null; }
owner() {
  gdbus call --session -d org.freedesktop.DBus -o /org/freedesktop/DBus \
    -m org.freedesktop.DBus.GetNameOwner io.github.streamtray.StreamTray 2>/dev/null |
    sed -n "s/^('\(.*\)',)$/\1/p"
}
registered() {
  gdbus call --session -d org.kde.StatusNotifierWatcher -o /StatusNotifierWatcher \
    -m org.freedesktop.DBus.Properties.Get org.kde.StatusNotifierWatcher \
    RegisteredStatusNotifierItems 2>/dev/null | grep -q "'$(owner)'"
}
has_unread() { status | grep -q '"total_unread_count":[1-9]'; }
has_none() { status | grep -q '"total_unread_count":0,'; }

# Pixels of one colour (within 6%) in the icon's corner of a screenshot.
count_colour() {
  "$convert" "$1" -crop 64x64+0+0 +repage -fuzz 6% -fill black +opaque "$2" \
    -fill white -opaque "$2" -format '%[fx:round(mean*w*h)]' info:
}

watching() {
  gdbus call --session -d org.kde.StatusNotifierWatcher -o /StatusNotifierWatcher \
    -m org.freedesktop.DBus.Properties.Get org.kde.StatusNotifierWatcher \
    IsStatusNotifierHostRegistered 2>/dev/null | grep -q true
}
watching_or_gone() { watching || ! kill -0 "$host_pid" 2>/dev/null; }

# The host sometimes asks its own watcher before that is exported, gets UnknownObject and
# exits at start ("Pattern match failure in do expression at app/Main.hs"): start it again then.
for attempt in 1 2 3; do
  gtk-sni-tray-standalone --watcher --top --beginning --size 48 >"$work/host.log" 2>&1 &
  host_pid=$!
  wait_until 30 watching_or_gone
  watching && break
  cat "$work/host.log" >&2
  kill "$host_pid" 2>/dev/null
  wait "$host_pid" 2>/dev/null
done
watching || not_ok "the host started its watcher"

"$tray" --demo --background >"$work/demo.log" 2>&1 &
app_pid=$!
if wait_until 20 registered; then ok "the item registered with the host's watcher"
else not_ok "the item registered with the host's watcher"; fi

if wait_until 20 has_unread; then ok "the demo has unread messages"
else not_ok "the demo has unread messages"; fi

# The host draws what it fetched: the glyph's blue and a badge (red or dark) in its corner.
sleep 1
import -window root "$logs/tray-host-unread.png"
blue=$(count_colour "$logs/tray-host-unread.png" "#3584e4")
red=$(count_colour "$logs/tray-host-unread.png" "#e01b24")
dark=$(count_colour "$logs/tray-host-unread.png" "#241f31")
if [ "$blue" -gt 100 ] && [ $((red + dark)) -gt 20 ]; then
  ok "the host shows the icon with a badge ($blue blue, $red red, $dark dark pixels)"
else
  not_ok "the host shows the icon with a badge ($blue blue, $red red, $dark dark pixels)"
fi

# "Mark All as Read" from the tray menu, as the host would send it. The demo keeps chatting,
# so a message may land between the click and the screenshot: then it is done again.
mark_all_read() {
  item=$(gdbus call --session -d "$(owner)" -o /MenuBar -m com.canonical.dbusmenu.GetLayout -- 0 -1 '@as []' |
         grep -o "([0-9]*, {'label': <'Mark All as Read'>" | grep -o '[0-9]*' | head -n 1)
  gdbus call --session -d "$(owner)" -o /MenuBar -m com.canonical.dbusmenu.Event \
    "$item" clicked '<0>' 0 >/dev/null
}

zero=no clean=no
for attempt in 1 2 3; do
  mark_all_read
  wait_until 20 has_none || continue
  zero=yes
  sleep 1
  import -window root "$logs/tray-host-read.png"
  # Still nothing unread after the screenshot: it shows the state after the click.
  has_none || continue
  red=$(count_colour "$logs/tray-host-read.png" "#e01b24")
  dark=$(count_colour "$logs/tray-host-read.png" "#241f31")
  blue=$(count_colour "$logs/tray-host-read.png" "#3584e4")
  clean=yes
  break
done

if [ $zero = yes ]; then ok "Mark All as Read from the menu brought the count to zero"
else not_ok "Mark All as Read from the menu brought the count to zero"; fi

if [ $clean = yes ] && [ "$blue" -gt 100 ] && [ $((red + dark)) -lt 5 ]; then
  ok "the host shows the icon without a badge"
else
  not_ok "the host shows the icon without a badge (${blue:-?} blue, ${red:-?} red, ${dark:-?} dark pixels)"
fi
