#!/usr/bin/env bash
# Direct play throughput: random 1 MiB Range requests over a 1 GiB file, Kinora against nginx
# (sendfile) serving the same file on loopback. wrk: 2 threads, 16 connections, 10 s each.
# Target: Kinora ≥ 0.9 × nginx.
#
#   bench/range-read.sh            (BENCH_DURATION=10s, BENCH_CONNECTIONS=16 to change)
# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

need curl jq wrk nginx
duration=${BENCH_DURATION:-10s}
connections=${BENCH_CONNECTIONS:-16}
size=$((1024 * 1024 * 1024))

build_kinora

# The test file, made once: random bytes, so no layer can compress or deduplicate it. Only its
# extension matters to the scanner; streaming does not need a valid video.
library=$CACHE_DIR/range-library
file=$library/bench.mkv
# A real video (a file that is not one is never listed): a ~10 MB high-bitrate clip repeated
# with stream copy until the file passes 1 GiB.
if [[ ! -f $file || $(stat -c %s "$file") -lt $size ]]; then
    need ffmpeg
    say "writing a 1 GiB test video to $file (once)"
    mkdir -p "$library"
    ffmpeg -v error -y -f lavfi -i testsrc2=size=1280x720:rate=25:duration=2 \
        -c:v libx264 -preset ultrafast -b:v 40M -minrate 40M -maxrate 40M -bufsize 8M \
        "$library/base.tmp.mkv"
    base_size=$(stat -c %s "$library/base.tmp.mkv")
    loops=$(((size + base_size - 1) / base_size))
    ffmpeg -v error -y -stream_loop "$loops" -i "$library/base.tmp.mkv" -c copy \
        -f matroska "$file.tmp"
    rm -f "$library/base.tmp.mkv"
    mv "$file.tmp" "$file"
fi
size=$(stat -c %s "$file")
# Both servers read from the page cache, not the disk.
cat "$file" >/dev/null

work=$(mktemp -d "${TMPDIR:-/tmp}/kinora-bench-range.XXXXXX")
on_exit "rm -rf '$work'"

# --- Kinora
config=$work/kinora.toml
write_config "$config" off "Bench:home:$library"
API_KEY=$(kinora_cli "$work/data" "$config" apikey create bench)
[[ -n $API_KEY ]] || die "kinora apikey create printed no key"
start_kinora "$work/data" "$config" "$work/kinora.log"

say "waiting for Kinora to catalog bench.mkv"
item=""
deadline=$((SECONDS + 60))
while [[ -z $item ]]; do
    ((SECONDS < deadline)) || die "bench.mkv was not cataloged within 60 s (log: $work/kinora.log)"
    # The item whose stream is this file: the right length (folders and others have none).
    for id in $(api "/api/v1/items?limit=50" | jq -r '.items[].id'); do
        length=$(api "/api/v1/items/$id/stream" --head 2>/dev/null |
            awk 'tolower($1) == "content-length:" { print $2 + 0 }') || true
        if [[ ${length:-0} -eq $size ]]; then
            item=$id
            break
        fi
    done
    [[ -n $item ]] || sleep 0.2
done
kinora_path=/api/v1/items/$item/stream

# --- nginx, as the reference: sendfile, no access log, same cores.
nginx_port=$(free_port) || die "no free port for nginx"
mkdir -p "$work/nginx"
{
    # As root, the workers would otherwise run as nobody, who may not read the checkout.
    [[ $(id -u) -ne 0 ]] || echo "user root;"
    cat <<EOF
worker_processes auto;
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log warn;
daemon off;
events { worker_connections 1024; }
http {
    access_log off;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 1000000;
    client_body_temp_path $work/nginx/body;
    proxy_temp_path $work/nginx/proxy;
    fastcgi_temp_path $work/nginx/fastcgi;
    uwsgi_temp_path $work/nginx/uwsgi;
    scgi_temp_path $work/nginx/scgi;
    types { video/x-matroska mkv; }
    server {
        listen 127.0.0.1:$nginx_port;
        root $library;
    }
}
EOF
} >"$work/nginx/nginx.conf"
nginx -e "$work/nginx/error.log" -p "$work/nginx" -c "$work/nginx/nginx.conf" &
nginx_pid=$!
on_exit "kill $nginx_pid 2>/dev/null; wait $nginx_pid 2>/dev/null"
deadline=$((SECONDS + 20))
until curl -fsS -o /dev/null -r 0-0 "http://127.0.0.1:$nginx_port/bench.mkv"; do
    kill -0 "$nginx_pid" 2>/dev/null || die "nginx exited: $(cat "$work/nginx/error.log")"
    ((SECONDS < deadline)) || die "nginx did not answer within 20 s"
    sleep 0.1
done

# Both must answer 206 with the right bytes before they are timed.
first=$(((RANDOM * 32768 + RANDOM) % (size - 65536)))
last=$((first + 65535))
expected=$(dd if="$file" iflag=skip_bytes,count_bytes skip="$first" count=65536 status=none |
    sha256sum)
for url in "$BASE_URL$kinora_path" "http://127.0.0.1:$nginx_port/bench.mkv"; do
    status=$(curl -sS -o "$work/range" -w '%{http_code}' -r "$first-$last" \
        -H "Authorization: Bearer $API_KEY" "$url")
    [[ $status == 206 ]] || die "$url answered $status to a Range request, not 206"
    [[ $(sha256sum <"$work/range") == "$expected" ]] || die "$url sent the wrong bytes for a range"
done

# run_wrk NAME URL_BASE PATH AUTH: prints one result line and sets MIB_<NAME> (MiB/s).
run_wrk() {
    local name=$1 base=$2 path=$3 auth=$4 line
    say "wrk: $name, $duration, 2 threads, $connections connections"
    line=$(BENCH_FILE_SIZE=$size BENCH_PATH=$path BENCH_AUTH=$auth \
        wrk -t2 -c"$connections" -d"$duration" -s "$BENCH_DIR/range.lua" "$base" |
        tee "$work/wrk-$name.txt" | grep '^BENCH ') || die "wrk printed no summary for $name"
    local requests bytes duration_us errors p50_ms p99_ms
    read -r requests bytes duration_us errors p50_ms p99_ms < <(
        sed -E 's/^BENCH //; s/[a-z0-9_]+=//g' <<<"$line")
    ((errors == 0)) || say "warning: $name had $errors failed or non-2xx requests"
    printf -v "MIB_${name^^}" '%s' "$(awk -v b="$bytes" -v d="$duration_us" \
        'BEGIN { printf "%.1f", b / 1048576 / (d / 1e6) }')"
    local mib_var="MIB_${name^^}"
    awk -v m="${!mib_var}" -v r="$requests" -v d="$duration_us" -v p50="$p50_ms" \
        -v p99="$p99_ms" -v n="$name" 'BEGIN {
            printf "%-7s %8.1f MiB/s %8.1f req/s   latency p50 %.2f ms, p99 %.2f ms\n",
                n, m, r / (d / 1e6), p50, p99
        }'
}

echo
echo "Random 1 MiB ranges of a 1 GiB file over loopback, $(nproc) cores"
run_wrk nginx "http://127.0.0.1:$nginx_port" /bench.mkv ""
run_wrk kinora "$BASE_URL" "$kinora_path" "Bearer $API_KEY"
awk -v k="$MIB_KINORA" -v n="$MIB_NGINX" 'BEGIN {
    printf "kinora/nginx: %.2f (target >= 0.90)\n", k / n
}'
