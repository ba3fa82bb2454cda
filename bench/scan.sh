#!/usr/bin/env bash
# Scanner figures over a generated library of 10,000 files (BENCH_FILES to change):
#   - first scan, discovery only (walk + stat + catalog rows; `kinora scan --no-wait` does not
#     wait for the probe jobs it queues)                            target ≥ 5,000 files/s
#   - rescan with nothing changed                                   target < 1 s
#   - rescan after adding one file
#   - with `kinora serve` watching (watch = "auto"): time from a new file's last write until
#     the API lists it                                   target < 2 s + the stability window
# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

need curl jq
files=${BENCH_FILES:-10000}
stability=${BENCH_STABILITY_SECS:-3}

build_kinora
say "generating the bench library ($files files, once)"
library=$(bench_library "$files")

work=$(mktemp -d "${TMPDIR:-/tmp}/kinora-bench-scan.XXXXXX")
on_exit "rm -rf '$work'"
# Files this run adds to the cached library are removed again, so the next run starts equal.
added_root="$library/movies/Bench Added"
rm -rf "$added_root"*
on_exit "rm -rf '$added_root'*"

config=$work/kinora.toml
data=$work/data
write_config "$config" auto "Movies:movies:$library/movies" "Shows:tv:$library/tv"
template=$(find "$library/movies" -name '*.mkv' -print -quit)

# add_file N: one more distinct movie in the library; prints its path.
add_file() {
    local name="Bench Added $1 (2024)"
    local staged=$work/$name.mkv target="$added_root $1 (2024)/$name.mkv"
    { cat "$template"; printf '\nadded %s %s\n' "$1" "$EPOCHREALTIME"; } >"$staged"
    mkdir -p "${target%/*}"
    cp "$staged" "$target"
    echo "$target"
}

files_per_second() { awk -v n="$1" -v t="$2" 'BEGIN { printf "%.0f", n / t }'; }

echo
echo "Scan of $files files ($(nproc) cores, catalog: ${KINORA_DATABASE__URL:-SQLite})"
first=$(timed "$work/scan1.log" kinora_cli "$data" "$config" scan --no-wait)
printf '%-40s %8.3f s  %8s files/s  (target >= 5000 files/s)\n' \
    "first scan, discovery only:" "$first" "$(files_per_second "$files" "$first")"

again=$(timed "$work/scan2.log" kinora_cli "$data" "$config" scan --no-wait)
printf '%-40s %8.3f s  %8s files/s  (target < 1 s)\n' \
    "rescan, nothing changed:" "$again" "$(files_per_second "$files" "$again")"

add_file 0 >/dev/null
one=$(timed "$work/scan3.log" kinora_cli "$data" "$config" scan --no-wait)
printf '%-40s %8.3f s  %8s files/s\n' \
    "rescan after adding one file:" "$one" "$(files_per_second "$((files + 1))" "$one")"

# --- New file → listed, with the server watching.
API_KEY=$(kinora_cli "$data" "$config" apikey create bench)
[[ -n $API_KEY ]] || die "kinora apikey create printed no key"
start_kinora "$data" "$config" "$work/serve.log"
deadline=$((SECONDS + 60))
until [[ $(api /api/v1/scan/status | jq -r '.scanning') == false ]]; do
    ((SECONDS < deadline)) || die "the start-up scan was still running after 60 s"
    sleep 0.2
done

echo
echo "New file listed after its last write (watch = auto, stability window $stability s," \
    "target < $((stability + 2)) s):"
# Wait until the start-up identification of the backlog is done (probes may still run: a new
# file's identification goes ahead of them, which is what listing it needs).
deadline=$((SECONDS + 300))
until [[ $(api /api/v1/jobs | jq -r '(.by_kind.identify.queued // 0) + (.by_kind.identify.running // 0)') == 0 ]]; do
    ((SECONDS < deadline)) || die "identification of the backlog took more than 300 s"
    sleep 0.2
done
for attempt in 1 2 3; do
    add_file "$attempt" >/dev/null
    written=$(now)
    deadline=$((SECONDS + 30))
    # The new movie by name ("Bench Added N (2024)" folder → "Bench Added N").
    until (($(api "/api/v1/items?type=movie&q=Bench%20Added%20$attempt" | jq -r '.total') > 0)); do
        if ((SECONDS >= deadline)); then
            echo "  file $attempt: not listed within 30 s"
            continue 2
        fi
        sleep 0.05
    done
    listed=$(now)
    jobs=$(api /api/v1/jobs | jq -c '{queued, running}')
    printf '  file %d: %6.3f s   (jobs %s)\n' "$attempt" "$(seconds_between "$written" "$listed")" "$jobs"
done
