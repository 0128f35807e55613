#!/usr/bin/env bash
# Load check for `vsrec serve`: 200 signed `session.recording_completed` deliveries at 50 a
# second (each a new event), sent on an open schedule by examples/webhook_load.rs, to a release
# build of `vsrec serve` on 127.0.0.1. Reports how many were answered 200 and the latency
# percentiles, and checks that nothing was lost: every delivery's body is in the spool
# (the spool is on the disk of the work directory, every write fsynced).
#
#   scripts/bench-serve.sh                       idle disk, then under disk load
#   scripts/bench-serve.sh --count 1000 --rate 100 --writers 16
#
# Cases:
#   idle   nothing else runs
#   disk   --writers background writers stream 64 MiB files to the same disk with fdatasync, a
#          stand-in for downloads in flight until `serve` downloads (round two of issue 13)
#
# Environment: VSREC_BIN, LOAD_BIN (prebuilt vsrec and webhook_load), TMPDIR (work directory's
# parent; use a real disk, not a tmpfs, to measure fsync).
set -euo pipefail

usage() {
    cat <<'EOF'
usage: scripts/bench-serve.sh [--count N] [--rate R] [--writers N] [--keep]

  --count N     deliveries per case (default 200)
  --rate R      deliveries a second (default 50)
  --writers N   background disk writers in the `disk` case (default 8; 0 skips the case)
  --keep        keep the work directory
EOF
}

log() { printf 'bench-serve: %s\n' "$*" >&2; }
die() {
    printf 'bench-serve: error: %s\n' "$*" >&2
    exit 1
}

COUNT=200
RATE=50
WRITERS=8
KEEP=0
while [ $# -gt 0 ]; do
    case $1 in
    --count) COUNT=${2:?--count needs a number}; shift 2 ;;
    --rate) RATE=${2:?--rate needs a number}; shift 2 ;;
    --writers) WRITERS=${2:?--writers needs a number}; shift 2 ;;
    --keep) KEEP=1; shift ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; die "unknown argument $1" ;;
    esac
done
[[ $COUNT =~ ^[1-9][0-9]*$ ]] || die "--count $COUNT is not a positive number"
[[ $RATE =~ ^[0-9]+([.][0-9]+)?$ ]] || die "--rate $RATE is not a number"
[[ $WRITERS =~ ^[0-9]+$ ]] || die "--writers $WRITERS is not a number"
command -v jq >/dev/null || die "jq is missing (apt-get install jq)"
command -v curl >/dev/null || die "curl is missing (apt-get install curl)"

REPO=$(cd "$(dirname "$0")/.." && pwd)
cd "$REPO"
if [ -z "${VSREC_BIN:-}" ] || [ -z "${LOAD_BIN:-}" ]; then
    command -v cargo >/dev/null || die "cargo is missing (install Rust, or set VSREC_BIN and LOAD_BIN)"
    log "cargo build --release --locked --bin vsrec --example webhook_load"
    cargo build --release --locked --bin vsrec --example webhook_load >&2
    target=$(cargo metadata --format-version 1 --no-deps |
        sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')
    [ -n "$target" ] || die "cannot find cargo's target directory"
    VSREC_BIN=${VSREC_BIN:-$target/release/vsrec}
    LOAD_BIN=${LOAD_BIN:-$target/release/examples/webhook_load}
fi
[ -x "$VSREC_BIN" ] || die "VSREC_BIN=$VSREC_BIN is not an executable"
[ -x "$LOAD_BIN" ] || die "LOAD_BIN=$LOAD_BIN is not an executable"

WORK=$(mktemp -d "${TMPDIR:-/var/tmp}/vsrec-bench-serve.XXXXXX")
SERVE_PID=
WRITER_PIDS=()
stop_writers() {
    for pid in "${WRITER_PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${WRITER_PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
    WRITER_PIDS=()
}
cleanup() {
    local status=$?
    [ -z "$SERVE_PID" ] || kill "$SERVE_PID" 2>/dev/null || true
    stop_writers
    if [ "$KEEP" = 1 ]; then log "kept $WORK"; else rm -rf "$WORK"; fi
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

export VSREC_WEBHOOK_SECRET="bench-webhook-secret-$RANDOM$RANDOM"
# serve resolves API credentials at start (round two uses them); nothing calls the API here.
export VSREC_API_KEY=bench-key VSREC_API_SECRET=bench-secret
unset VSREC_TOKEN VSREC_WEBHOOK_SECRET_FILE VSREC_LISTEN VSREC_OUT VSREC_SPOOL VSREC_JOBS

# run_case NAME: start serve, deliver, check, stop. Prints one TSV row.
run_case() {
    local name=$1 out=$WORK/out-$1 errlog=$WORK/serve-$1.log addr result spooled health status
    "$VSREC_BIN" serve --listen 127.0.0.1:0 --out "$out" 2>"$errlog" &
    SERVE_PID=$!
    for _ in $(seq 300); do
        addr=$(grep -o 'listening on http://[0-9.:]*' "$errlog" 2>/dev/null | head -1 | sed 's/^listening on //') || true
        [ -n "$addr" ] && break
        kill -0 "$SERVE_PID" 2>/dev/null || { cat "$errlog" >&2; die "$name: vsrec serve did not start"; }
        sleep 0.1
    done
    [ -n "$addr" ] || die "$name: vsrec serve did not say where it listens"
    log "$name: $COUNT deliveries at $RATE/s to $addr"
    result=$("$LOAD_BIN" "$addr" --count "$COUNT" --rate "$RATE")
    health=$(curl -fsS "$addr/healthz")
    kill -TERM "$SERVE_PID"
    status=0
    wait "$SERVE_PID" || status=$?
    SERVE_PID=
    [ "$status" = 0 ] || die "$name: vsrec serve exited $status after SIGTERM"
    spooled=$(find "$out/.vsrec-spool" -maxdepth 1 -name '*.json' ! -name '.*' | wc -l)
    [ "$(jq -r .ok_200 <<<"$result")" = "$COUNT" ] ||
        die "$name: not every delivery was answered 200: $(jq -c .other_answers <<<"$result")"
    [ "$spooled" = "$COUNT" ] || die "$name: $spooled of $COUNT events in the spool"
    [ "$(jq -r .spooled <<<"$health")" = "$COUNT" ] || die "$name: /healthz says $(jq -c . <<<"$health")"
    [ "$(grep -c 'received session.recording_completed' "$errlog")" = "$COUNT" ] ||
        die "$name: not one log line per delivery"
    jq -r --arg name "$name" --arg spooled "$spooled" \
        '[$name, .deliveries, .rate_per_s, .ok_200, $spooled, .p50_ms, .p90_ms, .p99_ms, .max_ms,
          (if .p99_ms < 1000 then "yes" else "no" end)] | @tsv' <<<"$result"
}

writer() {
    local file=$WORK/writer-$1
    while :; do dd if=/dev/zero of="$file" bs=1M count=64 conv=fdatasync status=none; done
}

ROWS=$WORK/rows.tsv
: >"$ROWS"
run_case idle >>"$ROWS"
if [ "$WRITERS" -gt 0 ]; then
    for i in $(seq "$WRITERS"); do
        writer "$i" &
        WRITER_PIDS+=($!)
    done
    run_case "disk ($WRITERS writers)" >>"$ROWS"
    stop_writers
fi

fs=$(df -PT "$WORK" | awk 'NR == 2 {print $2}')
printf '\nvsrec serve: %s signed deliveries per case at %s/s; spool on %s (%s)\n\n' \
    "$COUNT" "$RATE" "$WORK" "$fs"
printf '| case | deliveries | rate (/s) | answered 200 | spooled | p50 (ms) | p90 (ms) | p99 (ms) | max (ms) | p99 < 1 s |\n'
printf '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |\n'
while IFS=$'\t' read -r name n rate ok spooled p50 p90 p99 max met; do
    printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' \
        "$name" "$n" "$rate" "$ok" "$spooled" "$p50" "$p90" "$p99" "$max" "$met"
done <"$ROWS"
