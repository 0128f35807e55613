# shellcheck shell=bash
# The set-up the benchmark scripts (scripts/bench*.sh) share, sourced by each: messages, the
# release binaries, a work directory and the background processes that live in it, nginx serving
# files on 127.0.0.1, fakezoom, and the measuring helper. Each script keeps what is its own: what
# it generates, what it runs and checks, and how it reports.
#
# Sourcing it sets traps: at exit the background processes (BG_PIDS) are ended and the work
# directory is removed, unless KEEP=1 (the scripts' --keep).

# Messages carry the script's name: bench, bench-discovery, …
BENCH=${0##*/}
BENCH=${BENCH%.sh}
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

log() { printf '%s: %s\n' "$BENCH" "$*" >&2; }
die() {
    printf '%s: error: %s\n' "$BENCH" "$*" >&2
    exit 1
}

# parse_options --NAME=VAR... -- ARGS...: a command line of `--NAME N` (sets VAR), --keep (sets
# KEEP=1, else 0) and -h/--help (the script's usage, exit 0); anything else is an error.
parse_options() {
    local -A var_of=()
    while [ "$1" != -- ]; do
        var_of[${1%%=*}]=${1#*=}
        shift
    done
    shift
    KEEP=0
    while [ $# -gt 0 ]; do
        case $1 in
        --keep) KEEP=1; shift ;;
        -h | --help) usage; exit 0 ;;
        *)
            if [ -z "$1" ] || [ -z "${var_of[$1]:-}" ]; then
                usage >&2
                die "unknown argument $1"
            fi
            [ -n "${2:-}" ] || die "$1 needs a number"
            printf -v "${var_of[$1]}" '%s' "$2"
            shift 2
            ;;
        esac
    done
}

find_nginx() {
    command -v nginx 2>/dev/null || { [ -x /usr/sbin/nginx ] && echo /usr/sbin/nginx; } || true
}

# need_tools TOOL...: each one there (nginx also in /usr/sbin, outside a user's PATH).
need_tools() {
    local t
    for t in "$@"; do
        if [ "$t" = nginx ]; then
            [ -n "$(find_nginx)" ] || die "nginx is missing"
        else
            command -v "$t" >/dev/null || die "$t is missing"
        fi
    done
}

# ---------------------------------------------------------------------------------------------
# Release binaries: a prebuilt one from the environment, else built once for all
# ---------------------------------------------------------------------------------------------

BIN_VARS=()
BUILD_ARGS=()
BUILD_PATHS=()

# want_bin VAR PATH CARGO_ARGS...: the binary VAR names, or, when VAR is unset, PATH under
# target/release, built by `cargo build --release --locked CARGO_ARGS` in build_bins.
want_bin() {
    local var=$1 path=$2
    shift 2
    BIN_VARS+=("$var")
    if [ -z "${!var:-}" ]; then
        BUILD_ARGS+=("$@")
        BUILD_PATHS+=("$var=$path")
    fi
}

# build_bins: one cargo build of what want_bin asked for and the environment did not give; then
# every binary an absolute path to an executable.
build_bins() {
    local var entry
    if [ ${#BUILD_PATHS[@]} -gt 0 ]; then
        local unset=${BUILD_PATHS[*]%%=*}
        command -v cargo >/dev/null ||
            die "cargo is missing (install Rust, or set ${unset// / and })"
        log "cargo build --release --locked ${BUILD_ARGS[*]}"
        (cd "$REPO" && cargo build --release --locked "${BUILD_ARGS[@]}") >&2
        local target
        target=$(cd "$REPO" && cargo metadata --format-version 1 --no-deps |
            sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')
        [ -n "$target" ] || die "cannot find cargo's target directory"
        for entry in "${BUILD_PATHS[@]}"; do
            printf -v "${entry%%=*}" '%s' "$target/release/${entry#*=}"
        done
    fi
    for var in "${BIN_VARS[@]}"; do
        [ -x "${!var}" ] || die "$var=${!var} is not an executable"
        printf -v "$var" '%s' "$(realpath "${!var}")"
    done
}

# ---------------------------------------------------------------------------------------------
# Work directory and background processes
# ---------------------------------------------------------------------------------------------

WORK=
BG_PIDS=()

# make_work DIR NAME: WORK, a new directory DIR/NAME.XXXXXX.
make_work() {
    WORK=$(mktemp -d "$1/$2.XXXXXX")
}

# stop_background: end every process in BG_PIDS and wait for it.
stop_background() {
    local pid
    for pid in "${BG_PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${BG_PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
    BG_PIDS=()
}

cleanup() {
    local status=$?
    stop_background
    if [ -n "$WORK" ] && [ -d "$WORK" ]; then
        if [ "${KEEP:-0}" = 1 ]; then log "kept $WORK"; else rm -rf "$WORK"; fi
    fi
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# wait_for_line FILE NAME PID WHAT: until FILE, the stdout of the background process PID, has a
# line NAME=…; if the process ends first (or 30 s pass), its stderr (FILE with .err for .out) and
# "WHAT did not start".
wait_for_line() {
    local file=$1 name=$2 pid=$3 what=$4
    for _ in $(seq 300); do
        grep -q "^$name=" "$file" 2>/dev/null && return
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    grep -q "^$name=" "$file" 2>/dev/null && return
    cat "${file%.out}.err" >&2 2>/dev/null || true
    die "$what did not start"
}

# ---------------------------------------------------------------------------------------------
# nginx and fakezoom
# ---------------------------------------------------------------------------------------------

port_free() {
    ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# start_nginx: nginx on 127.0.0.1 (port BENCH_PORT, else a free one) serving $WORK/src/ with
# sendfile, and answering /rec/download/SESSION%2FFILE with 302 to the file, as Zoom's download
# host does. Sets DL_BASE.
start_nginx() {
    NGINX=${NGINX:-$(find_nginx)}
    [ -n "$NGINX" ] || die "nginx is missing"
    local port=${BENCH_PORT:-}
    if [ -z "$port" ]; then
        for _ in $(seq 50); do
            port=$((20000 + RANDOM % 30000))
            port_free "$port" && break
        done
    fi
    port_free "$port" || die "port $port is taken"
    # nginx's workers may run as another user: they must read the files.
    chmod 755 "$WORK"
    mkdir -p "$WORK/nginx/tmp"
    local conf=$WORK/nginx/nginx.conf t=$WORK/nginx/tmp
    cat >"$conf" <<EOF
daemon off;
worker_processes 1;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/error.log warn;
events { worker_connections 1024; }
http {
    access_log off;
    sendfile on;
    # Not tcp_nopush: with keep-alive it holds the end of some answers for a delayed ACK, and
    # a run of many small files takes 40 ms longer at random.
    keepalive_requests 100000;
    types { video/mp4 mp4; }
    default_type application/octet-stream;
    client_body_temp_path $t/body;
    proxy_temp_path $t/proxy;
    fastcgi_temp_path $t/fastcgi;
    uwsgi_temp_path $t/uwsgi;
    scgi_temp_path $t/scgi;
    server {
        listen 127.0.0.1:$port;
        # Zoom's download host answers download_url with 302 to the storage URL. The file key
        # in the URL is SESSION%2FFILE; nginx matches on the decoded path.
        location /rec/download/ {
            rewrite ^/rec/download/(.+)\$ /files/\$1 redirect;
        }
        location /files/ {
            alias $WORK/src/;
        }
    }
}
EOF
    local pid
    "$NGINX" -p "$WORK/nginx" -c "$conf" -e "$WORK/nginx/error.log" \
        2>"$WORK/nginx/stderr.log" &
    pid=$!
    BG_PIDS+=("$pid")
    DL_BASE=http://127.0.0.1:$port
    for _ in $(seq 100); do
        if curl -s -o /dev/null "$DL_BASE/"; then
            log "nginx $("$NGINX" -v 2>&1 | sed 's/.*nginx\///') on $DL_BASE"
            return
        fi
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    cat "$WORK/nginx/stderr.log" "$WORK/nginx/error.log" >&2
    die "nginx did not start"
}

# fake_value NAME: what fakezoom printed as NAME=….
fake_value() { sed -n "s/^$1=//p" "$WORK/fakezoom.out" | head -1; }

# start_fakezoom ARGS...: $FAKEZOOM_BIN ARGS in the background, and vsrec pointed at it
# (VSREC_API_BASE, _KEY, _SECRET exported) once it has printed its addresses.
start_fakezoom() {
    local pid
    "$FAKEZOOM_BIN" "$@" >"$WORK/fakezoom.out" 2>"$WORK/fakezoom.err" &
    pid=$!
    BG_PIDS+=("$pid")
    # STORAGE_BASE is the last line it prints.
    wait_for_line "$WORK/fakezoom.out" STORAGE_BASE "$pid" fakezoom
    export VSREC_API_BASE VSREC_API_KEY VSREC_API_SECRET
    VSREC_API_BASE=$(fake_value API_BASE)
    VSREC_API_KEY=$(fake_value API_KEY)
    VSREC_API_SECRET=$(fake_value API_SECRET)
    # A clean environment for vsrec otherwise: no token, no settings from the caller's shell.
    unset VSREC_TOKEN VSREC_OUT VSREC_JOBS VSREC_RETRIES VSREC_TIMEOUT NO_COLOR
    log "fakezoom on $VSREC_API_BASE"
}

# ---------------------------------------------------------------------------------------------
# Measuring
# ---------------------------------------------------------------------------------------------

# shellcheck disable=SC2034 # MEASURED_BY and MEASURED_RES are for the scripts' reports.
# make_measure: $WORK/measure OUT COMMAND... writes "WALL USER SYS MAXRSS_KIB" of COMMAND to
# OUT. The C helper (scripts/measure.c) counts to the microsecond; GNU time, the fallback
# without a C compiler, only to 10 ms. Sets MEASURED_BY (what measured) and MEASURED_RES (to
# what step).
make_measure() {
    if command -v cc >/dev/null && cc -O2 -o "$WORK/measure" "$REPO/scripts/measure.c" 2>"$WORK/cc.log"; then
        MEASURED_BY="getrusage via scripts/measure.c"
        MEASURED_RES="µs"
    else
        log "no C compiler: measuring with GNU time (CPU to 10 ms)"
        cat >"$WORK/measure" <<'EOF'
#!/bin/sh
out=$1
shift
exec /usr/bin/time -f '%e %U %S %M' -o "$out" "$@"
EOF
        chmod +x "$WORK/measure"
        MEASURED_BY="GNU time"
        MEASURED_RES="CPU to 10 ms"
    fi
}

# median [min|max]: the median (or the least, the greatest) of the numbers on stdin, one a line;
# fails when there are none.
median() {
    sort -g | awk -v which="${1:-median}" '{a[NR] = $1}
        END {
            if (NR == 0) exit 1
            if (which == "min") print a[1]
            else if (which == "max") print a[NR]
            else if (NR % 2) print a[(NR + 1) / 2]
            else print (a[NR / 2] + a[NR / 2 + 1]) / 2
        }'
}
