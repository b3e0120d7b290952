#!/bin/sh
# The tray icon in a real StatusNotifierItem host: gtk-sni-tray-standalone (Debian's
# haskell-gtk-sni-tray-utils) as watcher and host, on a display under Xvfb, with the daemon
# in demo mode, first with a 48 px bar, then with a 96 px one. Screenshots of the host go next
# to the test logs: tray-host-unread.png (1×), tray-host-unread-2x.png and tray-host-read-2x.png
# (2×), with the pixmaps the item exports for those, tray-pixmap-48.png and tray-pixmap-96.png.
# Prints TAP.
#
# The 2× screenshots are what a panel at scale 2 shows in a 48 px slot, device pixel for device
# pixel: the 96 px pixmap. gtk-sni-tray-standalone itself cannot be that panel: at GDK_SCALE=2
# it picks the pixmap for 48 logical pixels and scales it up.
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

echo "1..7"
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

# count_colour FILE COLOUR SCALE [quarter]: pixels of one colour (within 6%) where the host
# draws the icon (48 px times SCALE from the top-left corner), or in the icon's bottom-right
# quarter, where a badge would be.
count_colour() {
  size=$((48 * $3))
  geometry=${size}x${size}+0+0
  [ "${4:-}" = quarter ] && geometry=$((size / 2))x$((size / 2))+$((size / 2))+$((size / 2))
  "$convert" "$1" -crop "$geometry" +repage -fuzz 6% -fill black +opaque "$2" \
    -fill white -opaque "$2" -format '%[fx:round(mean*w*h)]' info:
}

watching() {
  gdbus call --session -d org.kde.StatusNotifierWatcher -o /StatusNotifierWatcher \
    -m org.freedesktop.DBus.Properties.Get org.kde.StatusNotifierWatcher \
    IsStatusNotifierHostRegistered 2>/dev/null | grep -q true
}
watching_or_gone() { watching || ! kill -0 "$host_pid" 2>/dev/null; }

# start_host SCALE: the host and its watcher, its bar 48 px times SCALE.
# The host sometimes asks its own watcher before that is exported, gets UnknownObject and
# exits at start ("Pattern match failure in do expression at app/Main.hs"): start it again then.
start_host() {
  for attempt in 1 2 3; do
    gtk-sni-tray-standalone --watcher --top --beginning --size $((48 * $1)) \
      >"$work/host.log" 2>&1 &
    host_pid=$!
    wait_until 30 watching_or_gone
    watching && return 0
    cat "$work/host.log" >&2
    kill "$host_pid" 2>/dev/null
    wait "$host_pid" 2>/dev/null
  done
  not_ok "the host started its watcher ($1×)"
}

# Screenshots of the whole display: the host's bar is at its top left.
screenshot() { import -window root "$logs/$1"; }

# save_pixmap SIZE: the item's IconPixmap of SIZE px, its A, R, G, B bytes as a PNG.
save_pixmap() {
  gdbus call --session -d "$(owner)" -o /StatusNotifierItem \
    -m org.freedesktop.DBus.Properties.Get org.kde.StatusNotifierItem IconPixmap |
    perl -ne 'while (/\((\d+), \d+, \[([^\]]*)\]\)/g) {
                next unless $1 == '"$1"';
                my $argb = pack "C*", map { hex } ($2 =~ /0x([0-9a-f]{2})/g);
                $argb =~ s/(.)(...)/$2$1/gs;
                print $argb;
              }' >"$work/pixmap.rgba"
  "$convert" -size "$1x$1" -depth 8 "rgba:$work/pixmap.rgba" "$logs/tray-pixmap-$1.png"
}

start_host 1

# start_demo SCALE: the daemon in demo mode, until its item is registered and it has unread
# messages.
start_demo() {
  "$tray" --demo --background >>"$work/demo.log" 2>&1 &
  app_pid=$!
  if wait_until 20 registered; then ok "the item registered with the host's watcher ($1×)"
  else not_ok "the item registered with the host's watcher ($1×)"; fi
}

start_demo 1
if wait_until 20 has_unread; then ok "the demo has unread messages"
else not_ok "the demo has unread messages"; fi

# check_badge FILE SCALE: the host draws what it fetched, the icon's blue and a badge (red or
# dark) in its corner, with as many pixels as SCALE² times those at scale 1.
check_badge() {
  blue=$(count_colour "$logs/$1" "#3584e4" "$2")
  red=$(count_colour "$logs/$1" "#e01b24" "$2" quarter)
  dark=$(count_colour "$logs/$1" "#241f31" "$2" quarter)
  what="the host ($2×) shows the icon with a badge ($blue blue, $red red, $dark dark pixels)"
  if [ "$blue" -gt $((100 * $2 * $2)) ] && [ $((red + dark)) -gt $((20 * $2 * $2)) ]; then
    ok "$what"
  else
    not_ok "$what"
  fi
}

sleep 1
screenshot tray-host-unread.png
save_pixmap 48
save_pixmap 96
check_badge tray-host-unread.png 1

# The 96 px bar, and the demo again: its item would register with the new watcher, but this
# host owns the watcher's name before it exports the watcher, so that the registration may be
# refused.
kill "$app_pid" "$host_pid"
wait "$app_pid" "$host_pid" 2>/dev/null
start_host 2
start_demo 2
wait_until 20 has_unread || not_ok "the demo has unread messages (2×)"
sleep 1
screenshot tray-host-unread-2x.png
check_badge tray-host-unread-2x.png 2

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
  screenshot tray-host-read-2x.png
  # Still nothing unread after the screenshot: it shows the state after the click.
  has_none || continue
  red=$(count_colour "$logs/tray-host-read-2x.png" "#e01b24" 2 quarter)
  dark=$(count_colour "$logs/tray-host-read-2x.png" "#241f31" 2 quarter)
  blue=$(count_colour "$logs/tray-host-read-2x.png" "#3584e4" 2)
  clean=yes
  break
done

if [ $zero = yes ]; then ok "Mark All as Read from the menu brought the count to zero"
else not_ok "Mark All as Read from the menu brought the count to zero"; fi

# Where the badge was, the icon: its blue, and no badge colour (the icon's antialiased rounded
# corners on the host's black are near the badge's dark, so the rest of it is not counted).
if [ $clean = yes ] && [ "$blue" -gt 400 ] && [ $((red + dark)) -lt 5 ]; then
  ok "the host shows the icon without a badge"
else
  not_ok "the host shows the icon without a badge (${blue:-?} blue, ${red:-?} red, ${dark:-?} dark pixels)"
fi
