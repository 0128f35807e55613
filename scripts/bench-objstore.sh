#!/usr/bin/env bash
# `--out s3://…` benchmark: 8 files of 256 MiB (by default) from nginx on 127.0.0.1 into an S3
# server on 127.0.0.1 (s3s-fs over a tmpfs folder, signature checks on: examples/s3_loopback.rs),
# vsrec --jobs 8 against 8 parallel `curl -sL URL | aws s3 cp - s3://…` (the AWS CLI streaming
# from stdin), one after the other, RUNS rounds. Each run's objects are checked: count, sizes,
# and one object byte for byte against its source. After each vsrec round, `vsrec delete
# --dry-run` on the bucket measures what proving costs before a delete (every object read back
# whole and re-hashed; nothing is sent to Zoom in a dry run).
#
#   scripts/bench-objstore.sh [--size MiB] [--count N] [--runs N] [--only vsrec|baseline] [--keep]
#
# Wall time and peak RSS (of the whole tool: for the baseline, the largest curl/aws process)
# come from GNU time. Needs nginx, curl, GNU time and the AWS CLI (`aws`); builds vsrec,
# fakezoom and the example server (release) unless VSREC_BIN, FAKEZOOM_BIN and S3_BIN are set.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

SIZE_MIB=256 COUNT=8 RUNS=3 KEEP=0 TOOLS="vsrec baseline"
while [ $# -gt 0 ]; do
    case $1 in
    --size) SIZE_MIB=$2; shift 2 ;;
    --count) COUNT=$2; shift 2 ;;
    --runs) RUNS=$2; shift 2 ;;
    --only) TOOLS=$2; shift 2 ;;
    --keep) KEEP=1; shift ;;
    *) echo "usage: scripts/bench-objstore.sh [--size MiB] [--count N] [--runs N] [--only vsrec|baseline] [--keep]" >&2; exit 2 ;;
    esac
done

need_tools nginx curl aws /usr/bin/time
want_bin VSREC_BIN vsrec -p vsrec --bin vsrec
want_bin FAKEZOOM_BIN fakezoom -p fakezoom --bin fakezoom
want_bin S3_BIN examples/s3_loopback -p vsrec --example s3_loopback
build_bins
make_work "${BENCH_TMPFS:-/dev/shm}" vsrec-objbench

# Sources: session "b", files 000.mp4 …
mkdir -p "$WORK/src/b" "$WORK/s3"
log "generating $COUNT x $SIZE_MIB MiB"
for ((i = 0; i < COUNT; i++)); do
    head -c $((SIZE_MIB * 1024 * 1024)) /dev/urandom >"$WORK/src/b/$(printf %03d $i).mp4"
done
chmod -R a+rX "$WORK/src"

start_nginx
start_fakezoom --download-base "$DL_BASE" --files-from "$WORK/src"

export AWS_ACCESS_KEY_ID=bench-access AWS_SECRET_ACCESS_KEY=bench-secret-key AWS_REGION=us-east-1
export AWS_DEFAULT_REGION=us-east-1
"$S3_BIN" "$WORK/s3" "$AWS_ACCESS_KEY_ID" "$AWS_SECRET_ACCESS_KEY" >"$WORK/s3.out" 2>"$WORK/s3.err" &
BG_PIDS+=($!)
wait_for_line "$WORK/s3.out" S3_ENDPOINT $! "the S3 server"
export AWS_ENDPOINT_URL
AWS_ENDPOINT_URL=$(sed -n 's/^S3_ENDPOINT=//p' "$WORK/s3.out")
log "S3 on $AWS_ENDPOINT_URL"

# check BUCKET: every object there, of the right size, and 000.mp4 byte for byte.
check() {
    local dir=$WORK/s3/$1 n
    n=$(find "$dir" -name '*.mp4' -size "$((SIZE_MIB * 1024))k" | wc -l)
    [ "$n" = "$COUNT" ] || die "$1 holds $n complete objects, not $COUNT"
    cmp -s "$(find "$dir" -name '*000.mp4' | head -1)" "$WORK/src/b/000.mp4" || die "$1: 000.mp4 differs"
}

# measure NAME CMD...: wall seconds and peak RSS (KiB) of CMD, appended to $WORK/results.
measure() {
    local name=$1; shift
    /usr/bin/time -f "%e %M" -o "$WORK/time" "$@" >"$WORK/$name.out" 2>"$WORK/$name.err" || {
        cat "$WORK/$name.err" >&2; die "$name failed"; }
    echo "$name $(cat "$WORK/time")" >>"$WORK/results"
}

baseline() { # one `curl | aws s3 cp -` per file, all at once; RSS is the largest process's
    local i pids=()
    for ((i = 0; i < COUNT; i++)); do
        local name; name=$(printf %03d $i).mp4
        sh -c "curl -sfL '$DL_BASE/rec/download/b%2F$name' | aws s3 cp - 's3://$1/b/$name' --endpoint-url '$AWS_ENDPOINT_URL' --only-show-errors" &
        pids+=($!)
    done
    for pid in "${pids[@]}"; do wait "$pid"; done
}
export -f baseline
export DL_BASE COUNT

: >"$WORK/results"
for ((r = 1; r <= RUNS; r++)); do
    for tool in $TOOLS; do
        bucket=$tool-$r
        mkdir "$WORK/s3/$bucket"
        log "round $r: $tool"
        if [ "$tool" = vsrec ]; then
            measure vsrec "$VSREC_BIN" download --jobs "$COUNT" --quiet --out "s3://$bucket/rec" b
            measure prove "$VSREC_BIN" delete --dry-run --json --out "s3://$bucket/rec" b
            proven=$(grep -c '"status":"planned"' "$WORK/prove.out" || true)
            [ "$proven" = "$COUNT" ] || die "delete --dry-run proved $proven objects, not $COUNT"
        else
            measure baseline bash -c "baseline $bucket"
        fi
        check "$bucket"
        rm -rf "${WORK:?}/s3/$bucket"
    done
done

echo "| tool | runs | median wall (s) | median peak RSS (MiB) |"
echo "|------|------|-----------------|-----------------------|"
summary=$TOOLS
case " $TOOLS " in *" vsrec "*) summary="$summary prove" ;; esac
for tool in $summary; do
    walls=$(awk -v t="$tool" '$1 == t {print $2}' "$WORK/results" | sort -n)
    rss=$(awk -v t="$tool" '$1 == t {print $3}' "$WORK/results" | sort -n)
    mid=$(((RUNS + 1) / 2))
    w=$(echo "$walls" | sed -n "${mid}p")
    m=$(echo "$rss" | sed -n "${mid}p")
    case $tool in
    vsrec) label="vsrec --jobs $COUNT" ;;
    baseline) label="$COUNT x curl \\| aws s3 cp -" ;;
    prove) label="vsrec delete --dry-run (proves every object: GET + SHA-256)" ;;
    esac
    echo "| $label | $RUNS | $w | $((m / 1024)) |"
done
