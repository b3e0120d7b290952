#!/bin/sh
# check-daemon-binary.sh STREAM_TRAY: the shipped daemon carries no part of the devserver, as TAP.
#
# --demo runs stream-tray-devserver as a child; the daemon itself must have none of the
# server's test hooks (/_dev/...) and nothing that signs tokens with an app secret (the
# devserver's JWT code, or GLib's HMAC, which only signing uses).
set -u
binary=${1:?usage: check-daemon-binary.sh STREAM_TRAY}
n=0
failed=0

check_absent() {  # check_absent DESCRIPTION PATTERN
  n=$((n + 1))
  found=$(grep -a -o -E "$2" "$binary" | sort -u | head -5)
  if [ -z "$found" ]; then
    echo "ok $n - $1"
  else
    failed=1
    echo "not ok $n - $1"
    printf '%s\n' "$found" | sed 's/^/# found: /'
  fi
}

n=$((n + 1))
if [ -s "$binary" ] && grep -a -q 'stray_application_new' "$binary"; then
  echo "ok $n - $binary is the daemon, with its symbols exported"
else
  failed=1
  echo "not ok $n - $binary is not the daemon, or exports no symbols to check"
fi
check_absent "no devserver route" '/_dev/[a-z]*'
check_absent "no devserver code" 'stray_(devserver|dev_store|dev_scenario)_[a-z_]+'
check_absent "no token signing" 'stray_(jwt|signed_tokens)_[a-z_]+|g_hmac_[a-z_]+'

echo "1..$n"
exit $failed
