# Shell helpers of the tests against real desktop components (tray-host.sh,
# notification-host.sh, window-host.sh); sourced, not run.

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

# cleanup: stops the daemon ($app_pid) and the desktop component ($host_pid, $dunst_pid) that
# are still running, and removes $work; the scripts' EXIT trap.
cleanup() {
  for pid in ${app_pid:-} ${host_pid:-} ${dunst_pid:-}; do
    kill "$pid" 2>/dev/null
  done
  wait 2>/dev/null
  rm -rf "$work"
}
