#!/usr/bin/env bash
# Load check for `vsrec serve` while it downloads: 200 signed `session.recording_completed`
# deliveries at 50 a second (each a new body) for 40 sessions of the fake Zoom, whose storage host
# sends each body at 256 KiB/s so that downloads are in flight throughout, sent on an open
# schedule by examples/webhook_load.rs to a release build of `vsrec serve --jobs 8` on 127.0.0.1.
# Reports how many were answered 200 and the latency percentiles, and checks that nothing was
# lost: every delivery logged, every event archived and out of the spool, every file fetched once
# (the fake's request log), `vsrec verify` clean, exit 0 on SIGTERM.
#
#   scripts/bench-serve.sh                       idle disk, then under disk load
#   scripts/bench-serve.sh --count 1000 --rate 100 --writers 16
#
# Cases:
#   downloads   the server's own downloads run while the deliveries come
#   + disk      also --writers background writers stream 64 MiB files to the same disk with
#               fdatasync
#
# Environment: VSREC_BIN, LOAD_BIN (prebuilt vsrec and webhook_load), TMPDIR (work directory's
# parent; use a real disk, not a tmpfs, to measure fsync).
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

usage() {
    cat <<'EOF'
usage: scripts/bench-serve.sh [--count N] [--rate R] [--sessions S] [--writers N] [--keep]

  --count N     deliveries per case (default 200)
  --rate R      deliveries a second (default 50)
  --sessions S  sessions the deliveries announce, each N/S times (default 40)
  --writers N   background disk writers in the `disk` case (default 8; 0 skips the case)
  --keep        keep the work directory
EOF
}

COUNT=200
RATE=50
SESSIONS=40
WRITERS=8
parse_options --count=COUNT --rate=RATE --sessions=SESSIONS --writers=WRITERS -- "$@"
[[ $COUNT =~ ^[1-9][0-9]*$ ]] || die "--count $COUNT is not a positive number"
[[ $RATE =~ ^[0-9]+([.][0-9]+)?$ ]] || die "--rate $RATE is not a number"
[[ $SESSIONS =~ ^[1-9][0-9]*$ ]] || die "--sessions $SESSIONS is not a positive number"
[[ $WRITERS =~ ^[0-9]+$ ]] || die "--writers $WRITERS is not a number"
command -v jq >/dev/null || die "jq is missing (apt-get install jq)"

want_bin VSREC_BIN vsrec -p vsrec --bin vsrec
want_bin LOAD_BIN examples/webhook_load -p vsrec --example webhook_load
build_bins
make_work "${TMPDIR:-/var/tmp}" vsrec-bench-serve

# run_case NAME: the load run (webhook_load starts the fake and `vsrec serve`), checked. Prints
# one TSV row.
run_case() {
    local name=$1 work result
    work=$WORK/$(tr -c 'a-z0-9\n' - <<<"$name")
    mkdir -p "$work"
    log "$name: $COUNT deliveries at $RATE/s for $SESSIONS sessions"
    result=$("$LOAD_BIN" --vsrec "$VSREC_BIN" --work "$work" --count "$COUNT" --rate "$RATE" \
        --sessions "$SESSIONS") || die "$name: the load run failed"
    printf '%s\n' "$result" >"$work/result.json"
    [ "$(jq -r .ok_200 <<<"$result")" = "$COUNT" ] ||
        die "$name: not every delivery was answered 200: $(jq -c .other_answers <<<"$result")"
    [ "$(jq -r .received_lines <<<"$result")" = "$COUNT" ] || die "$name: not one log line per delivery"
    [ "$(jq -r .archived_lines <<<"$result")" = "$COUNT" ] || die "$name: not every event archived: $result"
    [ "$(jq -r .final_health.spooled <<<"$result")" = 0 ] || die "$name: events left in the spool"
    [ "$(jq -r .files_fetched_more_than_once <<<"$result")" = 0 ] || die "$name: a file was fetched twice"
    [ "$(jq -r .serve_exit <<<"$result")" = 0 ] || die "$name: vsrec serve did not exit 0 on SIGTERM"
    [ "$(jq -r .verify_exit <<<"$result")" = 0 ] || die "$name: vsrec verify found a problem"
    jq -r --arg name "$name" \
        '[$name, .deliveries, .rate_per_s, .ok_200, .archived_lines, .files_fetched,
          .storage_mib_during_deliveries, .p50_ms, .p90_ms, .p99_ms, .max_ms, .drained_secs,
          (if .p99_ms < 1000 then "yes" else "no" end)] | @tsv' <<<"$result"
}

writer() {
    local file=$WORK/writer-$1
    while :; do dd if=/dev/zero of="$file" bs=1M count=64 conv=fdatasync status=none; done
}

ROWS=$WORK/rows.tsv
: >"$ROWS"
run_case downloads >>"$ROWS"
if [ "$WRITERS" -gt 0 ]; then
    for i in $(seq "$WRITERS"); do
        writer "$i" &
        BG_PIDS+=($!)
    done
    run_case "downloads + $WRITERS disk writers" >>"$ROWS"
    stop_background
fi

fs=$(df -PT "$WORK" | awk 'NR == 2 {print $2}')
printf '\nvsrec serve --jobs 8: %s signed deliveries per case at %s/s for %s sessions, storage at 256 KiB/s per body; archive and spool on %s (%s)\n\n' \
    "$COUNT" "$RATE" "$SESSIONS" "$WORK" "$fs"
printf '| case | deliveries | rate (/s) | answered 200 | archived | files | MiB downloaded during deliveries | p50 (ms) | p90 (ms) | p99 (ms) | max (ms) | all archived after (s) | p99 < 1 s |\n'
printf '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |\n'
while IFS=$'\t' read -r name n rate ok archived files mib p50 p90 p99 max drained met; do
    printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' \
        "$name" "$n" "$rate" "$ok" "$archived" "$files" "$mib" "$p50" "$p90" "$p99" "$max" "$drained" "$met"
done <"$ROWS"
