#!/usr/bin/env bash
# Idle memory: `kinora serve` over a catalog of the scan bench's 10,000 files (BENCH_FILES to
# change), once its job queue is empty or after 60 s (BENCH_IDLE_WAIT), whichever comes first.
# Prints VmRSS (and the peak, VmHWM) of the server process.            target: idle RSS < 50 MB
# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

need curl jq
files=${BENCH_FILES:-10000}
idle_wait=${BENCH_IDLE_WAIT:-60}

build_kinora
say "generating the bench library ($files files, once)"
library=$(bench_library "$files")

work=$(mktemp -d "${TMPDIR:-/tmp}/kinora-bench-rss.XXXXXX")
on_exit "rm -rf '$work'"
config=$work/kinora.toml
data=$work/data
write_config "$config" auto "Movies:movies:$library/movies" "Shows:tv:$library/tv"

say "cataloging $files files (kinora scan --no-wait)"
scan_time=$(timed "$work/scan.log" kinora_cli "$data" "$config" scan --no-wait)
API_KEY=$(kinora_cli "$data" "$config" apikey create bench)
[[ -n $API_KEY ]] || die "kinora apikey create printed no key"
start_kinora "$data" "$config" "$work/serve.log"

say "waiting until the job queue is empty (at most $idle_wait s)"
deadline=$((SECONDS + idle_wait))
idle=no
while ((SECONDS < deadline)); do
    if [[ $(api /api/v1/jobs | jq -r '.queued + .running') == 0 ]]; then
        idle=yes
        break
    fi
    sleep 1
done
# A moment for whatever finished last to release its memory.
sleep 2

kib() { awk -v k="$1" '$1 == k ":" { print $2 }' "/proc/$KINORA_PID/status"; }
rss=$(kib VmRSS)
hwm=$(kib VmHWM)
[[ -n $rss ]] || die "cannot read /proc/$KINORA_PID/status"
items=$(api "/api/v1/items?limit=1" | jq -r '.total')
jobs=$(api /api/v1/jobs | jq -c '{queued, running, failed}')

echo
echo "kinora serve over $files files ($items catalog items; scanned in $scan_time s)"
if [[ $idle == yes ]]; then
    echo "job queue empty"
else
    echo "job queue not empty after $idle_wait s: $jobs (figures below are not idle)"
fi
awk -v r="$rss" -v h="$hwm" 'BEGIN {
    printf "VmRSS %6.1f MB (%6.1f MiB)   target < 50 MB\n", r * 1024 / 1e6, r / 1024
    printf "VmHWM %6.1f MB (%6.1f MiB)   peak since start\n", h * 1024 / 1e6, h / 1024
}'
