#!/usr/bin/env bash
# Discovery benchmark: `vsrec list --from/--to`, and `vsrec download --from/--to --dry-run` (which
# also lists every session with the per-session call and plans its files), over a generated
# account of the fake Zoom server (10 000 sessions over six months by default): requests made,
# wall time, CPU time and peak RSS.
#
#   scripts/bench-discovery.sh                  5 rounds of each case, 10 000 sessions
#   scripts/bench-discovery.sh --sessions 2000 --runs 3
#
# It builds vsrec and fakezoom (release) unless VSREC_BIN and FAKEZOOM_BIN are given, starts
# `fakezoom --account N` on 127.0.0.1, and runs each case in rotating order. Every run's output
# is checked (one JSON line, or one table row, per session, every session ID once; for the dry
# run, plan lines naming every session) so that a broken run cannot look fast. The requests come from one extra `-v` run per case (vsrec logs
# each request on stderr). Wall time, CPU (user + sys) and peak RSS come from getrusage through
# scripts/measure.c (GNU time without a C compiler). The Markdown table (medians) goes to
# stdout, progress to stderr.
#
# Environment: VSREC_BIN, FAKEZOOM_BIN (prebuilt binaries).
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

usage() {
    cat <<'EOF'
usage: scripts/bench-discovery.sh [--sessions N] [--runs N] [--keep]

  --sessions N   sessions in the generated account (default 10000)
  --runs N       rounds per case (default 5)
  --keep         keep the work directory

Cases (all over 2026-01-01..2026-06-30, the generated account's six months):
  json      vsrec list --json --from 2026-01-01 --to 2026-06-30
  table     vsrec list --from 2026-01-01 --to 2026-06-30
  download  vsrec download --dry-run --json --from 2026-01-01 --to 2026-06-30 --out DIR
            (DIR does not exist: every file is planned, nothing is written)
EOF
}

SESSIONS=10000
RUNS=5
parse_options --sessions=SESSIONS --runs=RUNS -- "$@"
[[ $SESSIONS =~ ^[0-9]+$ ]] || die "--sessions $SESSIONS is not a number"
[[ $RUNS =~ ^[1-9][0-9]*$ ]] || die "--runs $RUNS is not a positive number"

FROM=2026-01-01
TO=2026-06-30

want_bin VSREC_BIN vsrec -p vsrec --bin vsrec
want_bin FAKEZOOM_BIN fakezoom -p fakezoom --bin fakezoom
build_bins
make_work "${TMPDIR:-/tmp}" vsrec-bench-discovery
make_measure

log "starting fakezoom --account $SESSIONS"
start_fakezoom --account "$SESSIONS"
grep -q '^ACCOUNT_SESSIONS=' "$WORK/fakezoom.out" || die "fakezoom did not start with an account"
if [ "$(fake_value ACCOUNT_FROM)" != "$FROM" ] || [ "$(fake_value ACCOUNT_TO)" != "$TO" ]; then
    die "the fake's account is not $FROM..$TO"
fi

args_of() {
    case $1 in
    json) echo "list --json --from $FROM --to $TO" ;;
    table) echo "list --from $FROM --to $TO" ;;
    download) echo "download --dry-run --json --from $FROM --to $TO --out $WORK/no-archive" ;;
    esac
}

# check CASE OUT: the output has every session once.
check() {
    local case=$1 out=$2 ids
    case $case in
    json) ids=$(sed -n 's/^{"session_id":"\([^"]*\)".*/\1/p' "$out") ;;
    # Rows start with the start time; the ID is the third field.
    table)
        ids=$(awk '/^20[0-9][0-9]-/ {print $3}' "$out")
        grep -q "^$SESSIONS sessions from $FROM to $TO" "$out" || die "$case: no total line for $SESSIONS sessions"
        ;;
    # A plan line per file; every session has files.
    download)
        ids=$(sed -n 's/^{"event":"plan","session_id":"\([^"]*\)".*/\1/p' "$out" | sort -u)
        [ ! -e "$WORK/no-archive" ] || die "$case: the dry run created --out"
        ;;
    esac
    [ "$(printf '%s\n' "$ids" | grep -c .)" = "$SESSIONS" ] || die "$case: not $SESSIONS sessions in the output"
    [ "$(printf '%s\n' "$ids" | sort -u | grep -c .)" = "$SESSIONS" ] || die "$case: a session came out twice"
}

CASES=(json table download)
RESULTS=$WORK/results.tsv
: >"$RESULTS"
declare -A REQUESTS
for case in "${CASES[@]}"; do
    # shellcheck disable=SC2046
    "$VSREC_BIN" -v $(args_of "$case") >"$WORK/out" 2>"$WORK/verbose.err" || die "$case: vsrec -v failed"
    # The account listing's pages, and for the dry run each session's own listing.
    REQUESTS[$case]=$(grep -c '^vsrec: GET .*/videosdk/' "$WORK/verbose.err" || true)
    check "$case" "$WORK/out"
done

for ((round = 0; round < RUNS; round++)); do
    for ((k = 0; k < ${#CASES[@]}; k++)); do
        case=${CASES[$(((k + round) % ${#CASES[@]}))]}
        # shellcheck disable=SC2046
        "$WORK/measure" "$WORK/m.out" "$VSREC_BIN" $(args_of "$case") >"$WORK/out" 2>"$WORK/err" ||
            { cat "$WORK/err" >&2; die "$case: vsrec failed"; }
        [ ! -s "$WORK/err" ] || { cat "$WORK/err" >&2; die "$case: vsrec wrote to stderr"; }
        check "$case" "$WORK/out"
        read -r wall user sys rss <"$WORK/m.out"
        printf '%s\t%s\t%s\t%s\n' "$case" "$wall" "$(awk -v u="$user" -v s="$sys" 'BEGIN {print u + s}')" "$rss" >>"$RESULTS"
        log "round $((round + 1))/$RUNS $case: ${wall}s"
    done
done

# med CASE COLUMN [median|min|max]
med() { awk -F'\t' -v c="$1" -v col="$2" '$1 == c {print $col}' "$RESULTS" | median "${3:-}"; }

echo "| case | sessions | requests | wall (s) | wall, min–max | CPU (s) | peak RSS (MiB) |"
echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"
for case in "${CASES[@]}"; do
    printf '| vsrec %s | %s | %s | %.3f | %.3f–%.3f | %.3f | %.1f |\n' \
        "$(args_of "$case" | sed "s|$WORK/no-archive|DIR|")" "$SESSIONS" "${REQUESTS[$case]}" \
        "$(med "$case" 2)" "$(med "$case" 2 min)" "$(med "$case" 2 max)" \
        "$(med "$case" 3)" "$(awk -v k="$(med "$case" 4)" 'BEGIN {print k / 1024}')"
done
echo
echo "- medians of $RUNS rounds, cases' order rotated each round; every run's output checked; measured with $MEASURED_BY"
