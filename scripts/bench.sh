#!/usr/bin/env bash
# vsrec's benchmark: vsrec against curl and aria2c, all downloading the same files from nginx on
# 127.0.0.1 into a tmpfs, so that the tools are measured and not the disk or the network.
#
#   scripts/bench.sh              the full run (about 6 minutes on 2 cores after the build;
#                                 needs ~9 GiB of free memory for its tmpfs files)
#   scripts/bench.sh --quick      small files, 3 rounds: a smoke test in a minute
#
# It installs nginx, curl, aria2 and GNU time with apt-get when they are missing, builds vsrec
# and fakezoom (release), generates the files, serves them with its own nginx (sendfile on, a
# `/rec/download/` location that answers 302 to the file, as Zoom's download host does), and
# starts fakezoom with every `download_url` pointing at that nginx. Each case runs every tool
# several times, rotating their order each round, and every run's output is checked (file count,
# every size, one file compared byte for byte, and vsrec's SHA256SUMS line for it against the
# source's digest) so that a broken run cannot look fast. vsrec hashes what it writes, so (a)
# and (b) also run curl followed by sha256sum of the same files; (f) times `vsrec verify`
# against `sha256sum -c` run with the same parallelism (xargs -P).
#
# Wall time, CPU time (user + sys, children included) and peak RSS come from getrusage through
# scripts/measure.c, built with the system's C compiler (GNU time, which counts CPU in 10 ms
# steps, when there is none). The Markdown table (medians) and the targets go to stdout;
# progress goes to stderr.
#
# Environment:
#   VSREC_BIN=PATH           benchmark this vsrec binary instead of building the repo's
#   VSREC_BASELINE_BIN=PATH  also run this vsrec build as one more "tool" (before/after)
#   FAKEZOOM_BIN=PATH        use this fakezoom binary instead of building it
#   BENCH_TMPFS=DIR          where the work directory goes (default /dev/shm; must be tmpfs)
#   BENCH_PORT=N             nginx's port (default: a free one)
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

usage() {
    cat <<'EOF'
usage: scripts/bench.sh [--quick] [--runs N] [--big-runs N] [--cases LETTERS] [--keep]

  --quick          small files (64 MiB, 8 x 16 MiB, 50 x 64 KiB, 256 MiB vs 16 MiB), 3 rounds
  --runs N         rounds per case (default 5; 3 with --quick)
  --big-runs N     rounds of case (e), the 4 GiB file (default 3)
  --cases LETTERS  which cases to run, e.g. "ab" (default abcdef)
  --keep           keep the work directory (generated files, command scripts, raw results)

Cases:
  (a) one 1 GiB file:      vsrec --jobs 1 vs curl -L -o (and curl, then sha256sum)
  (b) 8 files of 256 MiB:  vsrec --jobs 8 vs aria2c -j 8 -x 1 vs 8 parallel curls (and 8
                           parallel curls, each then sha256sum)
  (c) the same 8 files:    vsrec --jobs 1 vs one curl fetching them in turn
  (d) 200 files of 64 KiB: vsrec --jobs 8 vs aria2c -j 8 -x 1 vs curl -Z --parallel-max 8
  (e) vsrec's peak RSS on one 4 GiB file vs one 256 MiB file
  (f) (b)'s 8 files, downloaded: vsrec verify --jobs P vs sha256sum -c under xargs -P P,
                           P = the number of CPUs

Environment: VSREC_BIN, VSREC_BASELINE_BIN, FAKEZOOM_BIN, BENCH_TMPFS, BENCH_PORT
(see the comment at the top of this script).
EOF
}

QUICK=0
RUNS=
BIG_RUNS=
CASES=abcdef
KEEP=0
while [ $# -gt 0 ]; do
    case $1 in
    --quick) QUICK=1 ;;
    --runs) RUNS=${2:?--runs needs a number}; shift ;;
    --runs=*) RUNS=${1#*=} ;;
    --big-runs) BIG_RUNS=${2:?--big-runs needs a number}; shift ;;
    --big-runs=*) BIG_RUNS=${1#*=} ;;
    --cases) CASES=${2:?--cases needs letters}; shift ;;
    --cases=*) CASES=${1#*=} ;;
    --keep) KEEP=1 ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; exit 2 ;;
    esac
    shift
done
case $CASES in *[!abcdef]* | '') die "--cases takes letters from abcdef, not '$CASES'" ;; esac
if [ "$QUICK" = 1 ]; then
    RUNS=${RUNS:-3}
    BIG_RUNS=${BIG_RUNS:-3}
else
    RUNS=${RUNS:-5}
    BIG_RUNS=${BIG_RUNS:-3}
fi
case "$RUNS$BIG_RUNS" in *[!0-9]*) die "--runs and --big-runs take numbers" ;; esac
if [ "$RUNS" -lt 1 ] || [ "$BIG_RUNS" -lt 1 ]; then die "--runs and --big-runs must be at least 1"; fi

KiB=1024
MiB=$((1024 * KiB))
GiB=$((1024 * MiB))
if [ "$QUICK" = 1 ]; then
    A_SIZE=$((64 * MiB))
    B_COUNT=8 B_SIZE=$((16 * MiB))
    D_COUNT=50 D_SIZE=$((64 * KiB))
    E_BIG=$((256 * MiB))
else
    A_SIZE=$GiB
    B_COUNT=8 B_SIZE=$((256 * MiB))
    D_COUNT=200 D_SIZE=$((64 * KiB))
    E_BIG=$((4 * GiB))
fi
# (e)'s small half is one of (b)'s files.
E_SMALL=$B_SIZE
JOBS=8
# (f): how many files both verifiers hash at once.
VERIFY_JOBS=$(nproc)
# A run that takes longer than this is a hang, not a result.
RUN_TIMEOUT=900
RSS_TARGET_MIB=32
RSS_SAME_MIB=4

# ---------------------------------------------------------------------------------------------
# Tools
# ---------------------------------------------------------------------------------------------

gnu_time_ok() {
    [ -x /usr/bin/time ] && /usr/bin/time --version 2>&1 | grep -q 'GNU'
}

ensure_tools() {
    local missing=()
    [ -n "$(find_nginx)" ] || missing+=(nginx)
    command -v curl >/dev/null || missing+=(curl)
    command -v aria2c >/dev/null || missing+=(aria2)
    gnu_time_ok || missing+=(time)
    if [ ${#missing[@]} -gt 0 ]; then
        command -v apt-get >/dev/null ||
            die "missing: ${missing[*]} (install nginx, curl, aria2c and GNU time, then run again)"
        local sudo=()
        if [ "$(id -u)" != 0 ]; then
            command -v sudo >/dev/null || die "missing: ${missing[*]}; run as root or install them"
            sudo=(sudo)
        fi
        local packages=()
        for p in "${missing[@]}"; do
            if [ "$p" = nginx ]; then
                # nginx-light is enough (Debian 12, Ubuntu); later releases only have nginx.
                if apt-cache show nginx-light >/dev/null 2>&1; then p=nginx-light; fi
            fi
            packages+=("$p")
        done
        log "installing ${packages[*]}"
        "${sudo[@]}" apt-get update -qq
        DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq "${packages[@]}" >&2
    fi
    NGINX=$(find_nginx)
    [ -n "$NGINX" ] || die "nginx is still missing"
    gnu_time_ok || die "/usr/bin/time is not GNU time"
    need_tools curl aria2c cmp timeout sha256sum xargs
}

# ---------------------------------------------------------------------------------------------
# Work directory and files (the servers: scripts/lib.sh)
# ---------------------------------------------------------------------------------------------

make_tmpfs_work() {
    local base=${BENCH_TMPFS:-/dev/shm}
    [ -d "$base" ] || die "$base does not exist (set BENCH_TMPFS to a tmpfs directory)"
    local fs
    fs=$(stat -f -c %T "$base")
    [ "$fs" = tmpfs ] || die "$base is $fs, not tmpfs: the disk would be measured (set BENCH_TMPFS)"
    # The largest case: its sources and one output at a time, plus some slack.
    local need=0 n
    for n in "$(wants a && echo $((2 * A_SIZE)))" \
        "$( (wants b || wants c || wants f) && echo $((2 * B_COUNT * B_SIZE)))" \
        "$(wants d && echo $((2 * D_COUNT * D_SIZE)))" \
        "$(wants e && echo $((2 * E_BIG + E_SMALL)))"; do
        [ -z "$n" ] || [ "$n" -le "$need" ] || need=$n
    done
    need=$((need + 256 * MiB))
    local avail mem
    avail=$(($(df --output=avail -k "$base" | tail -1) * KiB))
    mem=$(($(awk '/^MemAvailable:/ {print $2}' /proc/meminfo) * KiB))
    [ "$avail" -ge "$need" ] || die "$base has $((avail / MiB)) MiB free, the run needs $((need / MiB)) MiB (try --quick)"
    [ "$mem" -ge "$need" ] || die "$((mem / MiB)) MiB of memory available, the run needs $((need / MiB)) MiB in tmpfs (try --quick)"
    make_work "$base" vsrec-bench
    mkdir -p "$WORK/src" "$WORK/cmd" "$WORK/sums"
    RESULTS=$WORK/results.tsv
    : >"$RESULTS"
}

# gen FILE BYTES: incompressible bytes (AES-CTR keystream when openssl is there: fast).
gen() {
    local file=$1 bytes=$2
    if command -v openssl >/dev/null; then
        { openssl enc -aes-128-ctr -nosalt -pbkdf2 -pass "pass:$file" </dev/zero 2>/dev/null || true; } |
            head -c "$bytes" >"$file"
    else
        head -c "$bytes" /dev/urandom >"$file"
    fi
    [ "$(stat -c %s "$file")" = "$bytes" ] || die "could not generate $file"
}

# Every file exists from the start with its size, so that fakezoom can list it, but holds data
# (and memory) only while its case runs: a case's sources are filled just before it and emptied
# after it. The largest case then needs its sources and one output, not every case's sources:
# on a VM whose host reclaims idle guest memory, the extra gigabytes made runs erratic.

# placeholder NAME COUNT BYTES: NAME/000.mp4 ... as sparse files (no memory) of BYTES each.
placeholder() {
    local name=$1 count=$2 bytes=$3 i
    mkdir -p "$WORK/src/$name"
    for ((i = 0; i < count; i++)); do
        truncate -s "$bytes" "$WORK/src/$name/$(printf %03d "$i").mp4"
    done
}

# fill NAME: real bytes in every file of NAME, and their SHA-256 in $WORK/sums/NAME, for the
# checks of vsrec's SHA256SUMS (openssl is much faster than coreutils' sha256sum).
fill() {
    log "generating the files of session $1"
    local f
    for f in "$WORK/src/$1"/*.mp4; do
        gen "$f" "$(stat -c %s "$f")"
    done
    chmod -R a+rX "$WORK/src/$1"
    : >"$WORK/sums/$1"
    for f in "$WORK/src/$1"/*.mp4; do
        if command -v openssl >/dev/null; then
            printf '%s  %s\n' "$(openssl dgst -sha256 -r "$f" | cut -d' ' -f1)" "${f##*/}"
        else
            sha256sum "$f" | sed 's|  .*/|  |'
        fi >>"$WORK/sums/$1"
    done
}

# drain NAME: back to sparse files of the same sizes.
drain() {
    local f size
    for f in "$WORK/src/$1"/*.mp4; do
        size=$(stat -c %s "$f")
        truncate -s 0 "$f"
        truncate -s "$size" "$f"
    done
}

wants() { [[ $CASES == *$1* ]]; }

# The sessions of the chosen cases; fakezoom lists every folder it finds.
generate() {
    if wants a; then placeholder a 1 "$A_SIZE"; fi
    if wants b || wants c || wants f; then placeholder b "$B_COUNT" "$B_SIZE"; fi
    if wants d; then placeholder d "$D_COUNT" "$D_SIZE"; fi
    if wants e; then
        placeholder e4 1 "$E_BIG"
        placeholder e1 1 "$E_SMALL"
    fi
    chmod -R a+rX "$WORK/src"
}

# ---------------------------------------------------------------------------------------------
# Commands: one small script per (case, tool), run as `sh SCRIPT OUTDIR`
# ---------------------------------------------------------------------------------------------

url() { echo "$DL_BASE/rec/download/$1%2F$2"; }

names() { # names COUNT: 000.mp4 001.mp4 ...
    local i
    for ((i = 0; i < $1; i++)); do printf '%03d.mp4\n' "$i"; done
}

# The command scripts are written with single-quoted lines: their $ are for sh, not for us.
# shellcheck disable=SC2016
write_cmd() { # write_cmd CASE TOOL, script body on stdin
    { echo '#!/bin/sh'; echo 'set -e'; echo 'out=$1'; cat; } >"$WORK/cmd/$1-$2.sh"
}

vsrec_cmd() { # vsrec_cmd CASE TOOL BIN SESSION JOBS
    write_cmd "$1" "$2" <<EOF
exec '$3' --quiet download --out "\$out" --jobs $5 $4
EOF
}

curl_one_cmd() { # curl_one_cmd CASE TOOL SESSION COUNT: one curl fetching every file in turn
    local args="" f
    for f in $(names "$4"); do args="$args -o $f $(url "$3" "$f")"; done
    write_cmd "$1" "$2" <<EOF
exec curl -sS --fail -L --output-dir "\$out"$args
EOF
}

curl_sha_cmd() { # curl_sha_cmd CASE TOOL SESSION COUNT: curl_one_cmd, then sha256sum of it all
    local args="" files="" f
    for f in $(names "$4"); do
        args="$args -o $f $(url "$3" "$f")"
        files="$files \"\$out/$f\""
    done
    write_cmd "$1" "$2" <<EOF
curl -sS --fail -L --output-dir "\$out"$args
exec sha256sum$files >/dev/null
EOF
}

verify_cmd() { # verify_cmd TOOL BIN: vsrec verify of the archive (b)'s files were downloaded to
    write_cmd f "$1" <<EOF
exec '$2' --quiet verify --jobs $VERIFY_JOBS '$WORK/archive'
EOF
}

# sha256sum -c of the same archive: one sha256sum per line of SHA256SUMS, VERIFY_JOBS at once.
sha256sum_c_cmd() {
    write_cmd f shac <<EOF
cd '$WORK/archive'/*/
exec xargs -d '\n' -n 1 -P $VERIFY_JOBS sh -c 'printf "%s\\n" "\$0" | sha256sum -c --quiet --strict -' <SHA256SUMS
EOF
}

# shellcheck disable=SC2016
curl_many_cmd() { # curl_many_cmd CASE TOOL SESSION COUNT [sha]: one curl process per file, all
    # at once; with "sha", each followed by sha256sum of its file
    local f then=
    {
        echo 'pids='
        for f in $(names "$4"); do
            [ "${5:-}" != sha ] || then=" && sha256sum \"\$out/$f\" >/dev/null"
            echo "{ '$WORK/measure' \"\$out.rss.$f\" curl -sS --fail -L -o \"\$out/$f\" $(url "$3" "$f")$then; } & pids=\"\$pids \$!\""
        done
        echo 'status=0; for p in $pids; do wait $p || status=1; done'
        # Their peak RSS together: the processes run at the same time.
        echo 'cat "$out".rss.* | awk '"'"'{s += $4} END {print s}'"'"' >"$out.rss"'
        echo 'exit $status'
    } | write_cmd "$1" "$2"
}

curl_parallel_cmd() { # curl_parallel_cmd CASE TOOL SESSION COUNT: curl -Z, one process
    local cfg=$WORK/cmd/$1-$2.curlrc f
    : >"$cfg"
    for f in $(names "$4"); do
        printf 'url = "%s"\noutput = "%s"\n' "$(url "$3" "$f")" "$f" >>"$cfg"
    done
    write_cmd "$1" "$2" <<EOF
exec curl -sS --no-progress-meter --fail -L -Z --parallel-max $JOBS --output-dir "\$out" -K '$cfg'
EOF
}

aria2c_cmd() { # aria2c_cmd CASE TOOL SESSION COUNT
    local list=$WORK/cmd/$1-$2.list f
    : >"$list"
    for f in $(names "$4"); do
        printf '%s\n  out=%s\n' "$(url "$3" "$f")" "$f" >>"$list"
    done
    write_cmd "$1" "$2" <<EOF
exec aria2c -q -j $JOBS -x 1 --allow-overwrite=true --auto-file-renaming=false -d "\$out" -i '$list'
EOF
}

# Labels for the table.
label() {
    case $1 in
    vsrec) echo "vsrec" ;;
    base) echo "vsrec (baseline)" ;;
    curl) echo "curl -L -o" ;;
    curl8) echo "8 × curl -L -o (RSS: sum)" ;;
    curlsha) echo "curl -L -o, then sha256sum" ;;
    curl8sha) echo "8 × (curl -L -o, then sha256sum)" ;;
    verify) echo "vsrec verify --jobs $VERIFY_JOBS" ;;
    shac) echo "sha256sum -c, xargs -P $VERIFY_JOBS" ;;
    curlseq) echo "curl, files in turn" ;;
    curlZ) echo "curl -Z --parallel-max $JOBS" ;;
    aria2c) echo "aria2c -j $JOBS -x 1" ;;
    *) echo "$1" ;;
    esac
}

setup_commands() {
    local with_base=0
    [ -z "${VSREC_BASELINE_BIN:-}" ] || with_base=1
    # case: tools, session, file count, bytes per file, vsrec --jobs
    vsrec_cmd a vsrec "$VSREC_BIN" a 1
    curl_one_cmd a curl a 1
    curl_sha_cmd a curlsha a 1
    vsrec_cmd b vsrec "$VSREC_BIN" b $JOBS
    aria2c_cmd b aria2c b "$B_COUNT"
    curl_many_cmd b curl8 b "$B_COUNT"
    curl_many_cmd b curl8sha b "$B_COUNT" sha
    verify_cmd vsrec "$VSREC_BIN"
    sha256sum_c_cmd
    vsrec_cmd c vsrec "$VSREC_BIN" b 1
    curl_one_cmd c curlseq b "$B_COUNT"
    vsrec_cmd d vsrec "$VSREC_BIN" d $JOBS
    aria2c_cmd d aria2c d "$D_COUNT"
    curl_parallel_cmd d curlZ d "$D_COUNT"
    vsrec_cmd e4 vsrec "$VSREC_BIN" e4 1
    vsrec_cmd e1 vsrec "$VSREC_BIN" e1 1
    TOOLS_a="vsrec curl curlsha"
    TOOLS_b="vsrec aria2c curl8 curl8sha"
    TOOLS_f="vsrec shac"
    TOOLS_c="vsrec curlseq"
    TOOLS_d="vsrec aria2c curlZ"
    if [ "$with_base" = 1 ]; then
        vsrec_cmd a base "$VSREC_BASELINE_BIN" a 1
        vsrec_cmd b base "$VSREC_BASELINE_BIN" b $JOBS
        vsrec_cmd c base "$VSREC_BASELINE_BIN" b 1
        vsrec_cmd d base "$VSREC_BASELINE_BIN" d $JOBS
        vsrec_cmd e4 base "$VSREC_BASELINE_BIN" e4 1
        vsrec_cmd e1 base "$VSREC_BASELINE_BIN" e1 1
        TOOLS_a="$TOOLS_a base"
        TOOLS_b="$TOOLS_b base"
        TOOLS_c="$TOOLS_c base"
        TOOLS_d="$TOOLS_d base"
    fi
}

# ---------------------------------------------------------------------------------------------
# Running and checking
# ---------------------------------------------------------------------------------------------

# check OUT SESSION COUNT BYTES ROUND: every file there with its size, nothing else, and one of
# them (a different one each round) identical to its source.
check() {
    local out=$1 session=$2 count=$3 bytes=$4 round=$5
    local files sizes
    # vsrec's own files in each session folder: SHA256SUMS, session.json, .vsrec.lock.
    local -a recordings=("$out" -type f ! -name SHA256SUMS ! -name session.json ! -name .vsrec.lock)
    files=$(find "${recordings[@]}" | wc -l)
    [ "$files" = "$count" ] || { find "$out" -type f | head >&2; return 1; }
    sizes=$(find "${recordings[@]}" -printf '%s\n' | sort -u)
    [ "$sizes" = "$bytes" ] || { echo "sizes: $sizes" >&2; return 1; }
    local sample matches
    sample=$(printf '%03d.mp4' $((round % count)))
    # vsrec names it ..._SESSION-000.mp4, the others 000.mp4.
    matches=$(find "$out" -type f -name "*$sample")
    [ "$(printf '%s\n' "$matches" | wc -l)" = 1 ] || { echo "$sample: $matches" >&2; return 1; }
    cmp -s "$WORK/src/$session/$sample" "$matches" || { echo "$matches differs" >&2; return 1; }
    # A vsrec that writes SHA256SUMS lists every file, the sample with its true digest.
    local sums=${matches%/*}/SHA256SUMS want
    if [ -f "$sums" ]; then
        [ "$(wc -l <"$sums")" = "$count" ] || { echo "$sums: $(wc -l <"$sums") lines" >&2; return 1; }
        want=$(grep " $sample\$" "$WORK/sums/$session" | cut -d' ' -f1)
        grep -q "^$want  .*$sample\$" "$sums" || { echo "$sums: wrong digest for $sample" >&2; return 1; }
    fi
}

# run CASE TOOL ROUND SESSION COUNT BYTES: one measured run, appended to the results.
run() {
    local case=$1 tool=$2 round=$3 session=$4 count=$5 bytes=$6
    local out=$WORK/out
    rm -rf "$out" "$out".rss*
    mkdir -p "$out"
    if ! timeout "$RUN_TIMEOUT" "$WORK/measure" "$WORK/measure.out" \
        sh "$WORK/cmd/$case-$tool.sh" "$out" >"$WORK/run.log" 2>&1; then
        cat "$WORK/run.log" "$WORK/measure.out" >&2 || true
        die "($case) $tool failed in round $round"
    fi
    check "$out" "$session" "$count" "$bytes" "$round" ||
        die "($case) $tool, round $round: the output is wrong (see above)"
    local wall user sys rss
    read -r wall user sys rss <"$WORK/measure.out"
    [ ! -f "$out.rss" ] || rss=$(cat "$out.rss")
    local cpu
    cpu=$(calc %.4f "$user + $sys")
    wall=$(calc %.4f "$wall")
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$case" "$tool" "$round" "$wall" "$cpu" "$rss" \
        $((count * bytes)) >>"$RESULTS"
    log "($case) round $round: $(label "$tool"): ${wall} s, CPU ${cpu} s, $((rss / 1024)) MiB"
    rm -rf "$out" "$out".rss*
}

# The archive (f) verifies: (b)'s files, downloaded once by vsrec.
make_archive() {
    rm -rf "$WORK/archive"
    "$VSREC_BIN" --quiet download --out "$WORK/archive" --jobs $JOBS b ||
        die "could not download the archive for (f)"
    check "$WORK/archive" b "$B_COUNT" "$B_SIZE" 0 || die "the archive for (f) is wrong"
}

# run_f TOOL ROUND: one measured verification of the archive; the verifier must succeed.
run_f() {
    local tool=$1 round=$2
    if ! timeout "$RUN_TIMEOUT" "$WORK/measure" "$WORK/measure.out" \
        sh "$WORK/cmd/f-$tool.sh" "$WORK/archive" >"$WORK/run.log" 2>&1; then
        cat "$WORK/run.log" "$WORK/measure.out" >&2 || true
        die "(f) $tool failed in round $round"
    fi
    local wall user sys rss cpu
    read -r wall user sys rss <"$WORK/measure.out"
    cpu=$(calc %.4f "$user + $sys")
    wall=$(calc %.4f "$wall")
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' f "$tool" "$round" "$wall" "$cpu" "$rss" \
        $((B_COUNT * B_SIZE)) >>"$RESULTS"
    log "(f) round $round: $(label "$tool"): ${wall} s, CPU ${cpu} s, $((rss / 1024)) MiB"
}

# run_case CASE ROUNDS "TOOLS" SESSION COUNT BYTES: every tool each round, order rotated.
run_case() {
    local case=$1 rounds=$2 session=$4 count=$5 bytes=$6
    local -a tools
    read -r -a tools <<<"$3"
    local n=${#tools[@]} r i
    for ((r = 1; r <= rounds; r++)); do
        for ((i = 0; i < n; i++)); do
            run "$case" "${tools[$(((i + r - 1) % n))]}" "$r" "$session" "$count" "$bytes"
        done
    done
}

# Case (e): the two halves alternate, each round.
run_e() {
    local -a tools=(vsrec)
    [ -z "${VSREC_BASELINE_BIN:-}" ] || tools+=(base)
    local r t
    for ((r = 1; r <= BIG_RUNS; r++)); do
        for t in "${tools[@]}"; do
            if [ $((r % 2)) = 1 ]; then
                run e4 "$t" "$r" e4 1 "$E_BIG"
                run e1 "$t" "$r" e1 1 "$E_SMALL"
            else
                run e1 "$t" "$r" e1 1 "$E_SMALL"
                run e4 "$t" "$r" e4 1 "$E_BIG"
            fi
        done
    done
}

# ---------------------------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------------------------

# med CASE TOOL COLUMN [min|max]: the median (or minimum, maximum) of a results column
# (4 wall, 5 CPU, 6 RSS).
med() {
    awk -F'\t' -v c="$1" -v t="$2" -v k="$3" '$1 == c && $2 == t {print $k}' "$RESULTS" |
        median "${4:-}"
}

# row CASE_TEXT CASE TOOL BYTES RATIOS: one line of the table.
row() {
    local case=$2 t=$3 bytes=$4 w
    w=$(med "$case" "$t" 4)
    printf '| %s | %s | %s | %s–%s | %s | %s | %s %s\n' "$1" "$(label "$t")" \
        "$(calc %.3f "$w")" "$(calc %.3f "$(med "$case" "$t" 4 min)")" \
        "$(calc %.3f "$(med "$case" "$t" 4 max)")" "$(calc %.3f "$(med "$case" "$t" 5)")" \
        "$(calc %.1f "$(med "$case" "$t" 6) / 1024")" "$(calc %.0f "$bytes / 1048576 / $w")" "$5"
}

calc() { awk "BEGIN {printf \"$1\", $2}"; }

human() { # human BYTES
    awk -v b="$1" 'BEGIN {
        if (b >= 1073741824) printf "%g GiB", b / 1073741824
        else if (b >= 1048576) printf "%g MiB", b / 1048576
        else printf "%g KiB", b / 1024 }'
}

TARGETS=
target() { # target TEXT OK(0/1)
    if [ "$2" = 1 ]; then TARGETS="$TARGETS- met: $1"$'\n'; else TARGETS="$TARGETS- **not met**: $1"$'\n'; fi
}

describe_case() {
    case $1 in
    a) echo "(a) 1 × $(human "$A_SIZE"), vsrec --jobs 1" ;;
    b) echo "(b) $B_COUNT × $(human "$B_SIZE"), vsrec --jobs $JOBS" ;;
    c) echo "(c) $B_COUNT × $(human "$B_SIZE"), vsrec --jobs 1" ;;
    d) echo "(d) $D_COUNT × $(human "$D_SIZE"), vsrec --jobs $JOBS" ;;
    f) echo "(f) verify $B_COUNT × $(human "$B_SIZE")" ;;
    esac
}

report_case() { # report_case CASE "TOOLS" CURL_TOOL [SHA_TOOL]
    local case=$1 tool_list=$2 curl_tool=$3 sha_tool=${4:-}
    local vw vc bytes
    vw=$(med "$case" vsrec 4)
    vc=$(med "$case" vsrec 5)
    bytes=$(awk -F'\t' -v c="$case" '$1 == c {print $7; exit}' "$RESULTS")
    local best="" best_tool="" t
    for t in $tool_list; do
        local w c
        w=$(med "$case" "$t" 4)
        c=$(med "$case" "$t" 5)
        local ratios="|  |  |"
        if [ "$t" != vsrec ]; then
            ratios="| $(calc %.2f "$vw / $w")× | $(calc %.2f "$vc / ($c > 0 ? $c : 0.01)")× |"
            if [ "$t" != base ] && [ "$t" != "$sha_tool" ] &&
                { [ -z "$best" ] || calc %d "$w < $best" | grep -q 1; }; then
                best=$w best_tool=$t
            fi
        fi
        row "$(describe_case "$case")" "$case" "$t" "$bytes" "$ratios"
    done
    local ratio cpu_ratio curl_cpu
    ratio=$(calc %.2f "$vw / $best")
    target "($case) wall time $ratio× the best peer ($(label "$best_tool")), target ≤ 1.00×" \
        "$(calc %d "$ratio <= 1.0")"
    curl_cpu=$(med "$case" "$curl_tool" 5)
    cpu_ratio=$(calc %.2f "$vc / ($curl_cpu > 0 ? $curl_cpu : 0.01)")
    if [ -n "$sha_tool" ]; then
        local sha_cpu
        sha_cpu=$(med "$case" "$sha_tool" 5)
        cpu_ratio=$(calc %.2f "$vc / ($sha_cpu > 0 ? $sha_cpu : 0.01)")
        target "($case) CPU time $cpu_ratio× that of $(label "$sha_tool") (vsrec hashes as it writes), target ≤ 1.00×" \
            "$(calc %d "$cpu_ratio <= 1.0")"
    else
        target "($case) CPU time $cpu_ratio× curl's ($(label "$curl_tool")) for the same bytes (vsrec also hashes them), target ≤ 1.20×" \
            "$(calc %d "$cpu_ratio <= 1.2")"
    fi
}

report_f() {
    local vw vc w c t
    vw=$(med f vsrec 4)
    vc=$(med f vsrec 5)
    for t in $TOOLS_f; do
        local ratios="|  |  |"
        if [ "$t" != vsrec ]; then
            w=$(med f "$t" 4)
            c=$(med f "$t" 5)
            ratios="| $(calc %.2f "$vw / $w")× | $(calc %.2f "$vc / ($c > 0 ? $c : 0.01)")× |"
        fi
        row "$(describe_case f)" f "$t" $((B_COUNT * B_SIZE)) "$ratios"
    done
    w=$(med f shac 4)
    target "(f) vsrec verify's wall time $(calc %.2f "$vw / $w")× that of sha256sum -c with the same parallelism ($VERIFY_JOBS), target ≤ 1.00×" \
        "$(calc %d "$vw / $w <= 1.0")"
}

report() {
    local os cpu
    # shellcheck disable=SC1091
    os=$(. /etc/os-release 2>/dev/null && echo "${PRETTY_NAME:-Linux}") || os=Linux
    cpu=$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)
    local rev
    rev=$(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo unknown)
    echo "## vsrec benchmark"
    echo
    echo "- machine: $(nproc) × ${cpu:-unknown CPU}, $(awk '/^MemTotal:/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo) RAM, $os, Linux $(uname -r)"
    echo "- vsrec: $VSREC_BIN (repo at $rev)${VSREC_BASELINE_BIN:+; baseline: $VSREC_BASELINE_BIN}"
    echo "- peers: $(curl --version | head -1 | cut -d' ' -f1-2), $(aria2c --version | head -1 | sed 's/ version//'), nginx $("$NGINX" -v 2>&1 | sed 's/.*nginx\///') (sendfile, 302 to the file) on 127.0.0.1; output to tmpfs"
    echo "- medians of $RUNS rounds ($BIG_RUNS for (e)), tools' order rotated each round; every run's output checked; measured with $MEASURED_BY ($MEASURED_RES)"
    echo "- command: scripts/bench.sh$ARGS"
    echo
    echo "| case | tool | wall (s) | wall, min–max | CPU (s) | peak RSS (MiB) | MiB/s | vsrec ÷ tool, wall | vsrec ÷ tool, CPU |"
    echo "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
    case $CASES in *a*) report_case a "$TOOLS_a" curl curlsha ;; esac
    case $CASES in *b*) report_case b "$TOOLS_b" curl8 curl8sha ;; esac
    case $CASES in *c*) report_case c "$TOOLS_c" curlseq ;; esac
    case $CASES in *d*) report_case d "$TOOLS_d" curlZ ;; esac
    case $CASES in *f*) report_f ;; esac
    if [[ $CASES == *e* ]]; then
        local big small t
        for t in vsrec ${VSREC_BASELINE_BIN:+base}; do
            row "(e) 1 × $(human "$E_BIG"), vsrec --jobs 1" e4 "$t" "$E_BIG" "|  |  |"
            row "(e) 1 × $(human "$E_SMALL"), vsrec --jobs 1" e1 "$t" "$E_SMALL" "|  |  |"
        done
        big=$(med e4 vsrec 6)
        small=$(med e1 vsrec 6)
        local diff
        diff=$(calc %.1f "($big - $small) / 1024")
        target "(e) peak RSS $(calc %.1f "$big / 1024") MiB on $(human "$E_BIG") vs $(calc %.1f "$small / 1024") MiB on $(human "$E_SMALL"): $diff MiB apart, target within ±$RSS_SAME_MIB MiB" \
            "$(calc %d "($big - $small) / 1024 <= $RSS_SAME_MIB && ($small - $big) / 1024 <= $RSS_SAME_MIB")"
    fi
    local max_rss
    max_rss=$(awk -F'\t' '$2 == "vsrec" && $6 > m {m = $6} END {print m + 0}' "$RESULTS")
    target "vsrec's peak RSS at most $(calc %.1f "$max_rss / 1024") MiB over every run, target ≤ $RSS_TARGET_MIB MiB" \
        "$(calc %d "$max_rss / 1024 <= $RSS_TARGET_MIB")"
    echo
    echo "Targets:"
    echo
    [ "$QUICK" = 0 ] || echo "(--quick: files too small for the targets to mean much; they are for the full run)"$'\n'
    printf '%s' "$TARGETS"
}

# ---------------------------------------------------------------------------------------------

ARGS=
[ "$QUICK" = 0 ] || ARGS="$ARGS --quick"
[ "$RUNS" = "$([ "$QUICK" = 1 ] && echo 3 || echo 5)" ] || ARGS="$ARGS --runs $RUNS"
[ "$BIG_RUNS" = 3 ] || ARGS="$ARGS --big-runs $BIG_RUNS"
[ "$CASES" = abcdef ] || ARGS="$ARGS --cases $CASES"

ensure_tools
want_bin VSREC_BIN vsrec -p vsrec --bin vsrec
want_bin FAKEZOOM_BIN fakezoom -p fakezoom --bin fakezoom
# VSREC_BASELINE_BIN, when given, is never built.
[ -z "${VSREC_BASELINE_BIN:-}" ] || want_bin VSREC_BASELINE_BIN -
build_bins
make_tmpfs_work
make_measure
generate
start_nginx
start_fakezoom --download-base "$DL_BASE" --files-from "$WORK/src"
grep -q '^FILES_SESSION=' "$WORK/fakezoom.out" || die "fakezoom does not list the generated files (too old?)"
setup_commands
started=$(date +%s)
log "measuring (progress below; the table comes at the end)"
if wants a; then
    fill a
    run_case a "$RUNS" "$TOOLS_a" a 1 "$A_SIZE"
    drain a
fi
if wants b || wants c || wants f; then
    fill b
    if wants b; then run_case b "$RUNS" "$TOOLS_b" b "$B_COUNT" "$B_SIZE"; fi
    if wants c; then run_case c "$RUNS" "$TOOLS_c" b "$B_COUNT" "$B_SIZE"; fi
    if wants f; then
        make_archive
        for ((r = 1; r <= RUNS; r++)); do
            if [ $((r % 2)) = 1 ]; then
                run_f vsrec "$r"
                run_f shac "$r"
            else
                run_f shac "$r"
                run_f vsrec "$r"
            fi
        done
        rm -rf "$WORK/archive"
    fi
    drain b
fi
if wants d; then
    fill d
    run_case d "$RUNS" "$TOOLS_d" d "$D_COUNT" "$D_SIZE"
    drain d
fi
if wants e; then
    fill e4
    fill e1
    run_e
    drain e4
    drain e1
fi
log "generated and measured in $(($(date +%s) - started)) s"
report
