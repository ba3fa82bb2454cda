# shellcheck shell=bash
# Shared by the bench scripts: building and starting Kinora on a private data dir, loopback only,
# the API with a key, timing, and cleanup of whatever a script started. Sourced, not run.
#
# KINORA_* variables already in the environment still apply (e.g. KINORA_DATABASE__URL to bench
# on PostgreSQL); the scripts set the data dir, bind address and port themselves.
# BENCH_KINORA_BIN=path skips `cargo build --release` and uses that binary.

set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(cd "$BENCH_DIR/.." && pwd)
CACHE_DIR=$BENCH_DIR/.cache
KINORA_BIN=${BENCH_KINORA_BIN:-$REPO_DIR/target/release/kinora}
# shellcheck source=scripts/lib.sh
source "$REPO_DIR/scripts/lib.sh"

KINORA_PID=""
BASE_URL=""
API_KEY=""
CLEANUP=()

say() { printf '%s\n' "$*" >&2; }
die() {
    say "bench: $*"
    exit 1
}

need() {
    local tool
    for tool in "$@"; do
        have "$tool" || die "$tool is not installed (Debian: apt-get install $tool)"
    done
}

# Cleanup runs in reverse order of registration, on any exit.
on_exit() { CLEANUP+=("$*"); }
run_cleanup() {
    local i
    for ((i = ${#CLEANUP[@]} - 1; i >= 0; i--)); do
        eval "${CLEANUP[i]}" || true
    done
}
trap run_cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

build_kinora() {
    if [[ -n ${BENCH_KINORA_BIN:-} ]]; then
        [[ -x $KINORA_BIN ]] || die "BENCH_KINORA_BIN=$KINORA_BIN is not an executable"
        return 0
    fi
    need cargo
    say "building kinora (cargo build --release)"
    (cd "$REPO_DIR" && cargo build --release --bin kinora)
}

# kinora_cli DATA_DIR CONFIG ARGS...: one CLI command against that data dir and config.
kinora_cli() {
    local data=$1 config=$2
    shift 2
    KINORA_DATA_DIR=$data KINORA_SERVER__BIND=127.0.0.1 KINORA_SERVER__PORT=0 \
        "$KINORA_BIN" "$@" --config "$config"
}

# start_kinora DATA_DIR CONFIG LOG: `kinora serve` in the background on a free loopback port;
# sets KINORA_PID and BASE_URL once /api/v1/health answers. Stopped on exit.
start_kinora() {
    local data=$1 config=$2 log=$3 port_file=$1/server.port
    rm -f "$port_file"
    KINORA_DATA_DIR=$data KINORA_SERVER__BIND=127.0.0.1 KINORA_SERVER__PORT=0 \
        "$KINORA_BIN" serve --config "$config" >"$log" 2>&1 &
    KINORA_PID=$!
    on_exit stop_kinora
    local deadline=$((SECONDS + 60))
    until [[ -s $port_file ]]; do
        if ! kill -0 "$KINORA_PID" 2>/dev/null; then
            tail -n 20 "$log" >&2
            die "kinora serve exited before listening (log: $log)"
        fi
        ((SECONDS < deadline)) || die "kinora serve did not write $port_file within 60 s"
        sleep 0.1
    done
    BASE_URL="http://127.0.0.1:$(<"$port_file")"
    until curl -fsS -o /dev/null "$BASE_URL/api/v1/health"; do
        ((SECONDS < deadline)) || die "$BASE_URL/api/v1/health did not answer within 60 s"
        sleep 0.1
    done
}

stop_kinora() {
    [[ -n $KINORA_PID ]] || return 0
    kill "$KINORA_PID" 2>/dev/null || true
    local i
    for ((i = 0; i < 100; i++)); do
        kill -0 "$KINORA_PID" 2>/dev/null || break
        sleep 0.1
    done
    kill -KILL "$KINORA_PID" 2>/dev/null || true
    wait "$KINORA_PID" 2>/dev/null || true
    KINORA_PID=""
}

# api PATH [curl args...]: GET on the native API with the key; prints the body.
api() {
    local path=$1
    shift
    curl -fsS -H "Authorization: Bearer $API_KEY" "$@" "$BASE_URL$path"
}

# write_config FILE WATCH NAME:KIND:PATH...: a config with those libraries.
write_config() {
    local file=$1 watch=$2 spec name kind path
    shift 2
    {
        echo "# Written by bench/; the data dir, bind address and port come from the environment."
        echo "[scanner]"
        echo "stability_secs = ${BENCH_STABILITY_SECS:-3}"
        for spec in "$@"; do
            IFS=: read -r name kind path <<<"$spec"
            printf '\n[[libraries]]\nname = "%s"\nkind = "%s"\npath = "%s"\nwatch = "%s"\n' \
                "$name" "$kind" "$path" "$watch"
        done
    } >"$file"
}


# Wall-clock seconds as a decimal (bash 5's EPOCHREALTIME), and the difference of two of them.
now() { echo "$EPOCHREALTIME"; }
seconds_between() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }

# timed LOG COMMAND...: runs the command with its output into LOG; prints its wall time in
# seconds. A failing command stops the bench with the end of its log.
timed() {
    local log=$1 start end
    shift
    start=$(now)
    if ! "$@" >"$log" 2>&1; then
        tail -n 20 "$log" >&2
        die "failed: $*"
    fi
    end=$(now)
    seconds_between "$start" "$end"
}

# The bench library of N files (shared by scan.sh and rss.sh), generated once and cached.
bench_library() {
    local n=$1 dir=$CACHE_DIR/library-$1
    "$REPO_DIR/fixtures/generate-media.sh" --bench "$n" "$dir" >&2
    echo "$dir"
}
