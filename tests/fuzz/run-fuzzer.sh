#!/usr/bin/env bash
# run-fuzzer.sh FUZZER NAME SECONDS CORPUS REGRESSIONS BUILDDIR [--no-leaks]
#
# Runs one libFuzzer target for SECONDS on a private copy of its seeds and regressions
# (BUILDDIR/fuzz-corpus/NAME; the checked-in ones are never written), keeps what it finds in
# BUILDDIR/fuzz-findings/NAME/ and its log in BUILDDIR/fuzz-logs/NAME.log, and prints one line:
# executions per second, coverage (cov: and ft: of libFuzzer's last status line) and findings.
# Fails when it found anything. Used by the suite (tests/fuzz/meson.build) and build-aux/dev fuzz.
# --no-leaks: leaks are not findings (a target whose libraries leak, tests/fuzz/meson.build).
set -uo pipefail

fuzzer=$1 name=$2 seconds=$3 corpus=$4 regressions=$5 builddir=$6 leaks=1
[ "${7:-}" = --no-leaks ] && leaks=0
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
work=$builddir/fuzz-corpus/$name
findings=$builddir/fuzz-findings/$name
log=$builddir/fuzz-logs/$name.log

rm -rf "$work" "$findings"
mkdir -p "$work" "$findings" "$(dirname "$log")"
cp "$corpus"/* "$work"/
if [ -d "$regressions" ] && [ -n "$(ls -A "$regressions")" ]; then
  cp "$regressions"/* "$work"/
fi

# A finding stops the run: a crash, a sanitizer report, an abort (a g_critical or a failed
# assertion), a leak, an input taking over 10 s, or over 2 GB. The sanitizers' settings are this
# script's own, whatever the caller's.
export ASAN_OPTIONS=detect_leaks=$leaks
export LSAN_OPTIONS=suppressions=$top/build-aux/lsan.supp:print_suppressions=0
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
"$fuzzer" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
  -detect_leaks="$leaks" -artifact_prefix="$findings/" "$work" >"$log" 2>&1
status=$?

status_line=$(grep -E '^#[0-9]+.*cov: ' "$log" | tail -n 1)
cov=$(sed -nE 's/.* cov: ([0-9]+).*/\1/p' <<<"$status_line")
ft=$(sed -nE 's/.* ft: ([0-9]+).*/\1/p' <<<"$status_line")
execs=$(sed -nE 's/^stat::number_of_executed_units:\s+([0-9]+)/\1/p' "$log")
per_second=$(sed -nE 's/^stat::average_exec_per_sec:\s+([0-9]+)/\1/p' "$log")
found=$(find "$findings" -type f | wc -l)

summary="fuzz $name: ${per_second:-?} exec/s (${execs:-?} in ${seconds} s), cov: ${cov:-?} ft: ${ft:-?}"
if [ "$found" -gt 0 ] || [ "$status" -ne 0 ]; then
  echo "$summary, FOUND $found (exit $status): $findings/, log $log"
  # The report itself, for the test log.
  grep -n -m 1 -B 1 -A 40 -E 'ERROR|CRITICAL|WARNING|runtime error|deadly signal' "$log" >&2
  exit 1
fi
echo "$summary, nothing found"
