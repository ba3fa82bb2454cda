#!/usr/bin/env bash
# Metadata enrichment against a fake TMDB (bench/fake_tmdb.py, loopback, no delays) over a
# generated movies library of 1,000 items (BENCH_ITEMS to change):
#   phase A: `kinora serve` without [tmdb] catalogs the library (scan, probe, classify, and a
#            metadata pass that skips TMDB); stopped once idle.
#   phase B: the same data dir with [tmdb] pointing at the fake; every movie refreshed
#            (POST /api/v1/items/{id}/classify, BENCH_PARALLEL at once); from the first
#            request until the job queue is empty: items/s, TMDB API calls per item (images
#            apart), image requests per item, share of items matched.
#   phase C: the same refresh again: TMDB answers come from the catalog's cache (expect 0 calls).
#   reference: the fake's raw capacity on /3/movie/{id} (wrk, or curl when wrk is missing), and
#              Kinora's enrichment throughput relative to it.
# Sidecars are "never" in every phase, so the cached library is never written to.
# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

need curl jq ffmpeg ffprobe python3
items=${BENCH_ITEMS:-1000}
parallel=${BENCH_PARALLEL:-8}
idle_wait=${BENCH_IDLE_WAIT:-900}
sample=${BENCH_SAMPLE:-200}
duration=${BENCH_DURATION:-5s}
connections=${BENCH_CONNECTIONS:-8}
fixtures=${BENCH_TMDB_FIXTURES:-$REPO_DIR/../shared/fixtures/tmdb}
tmdb_key=bench-tmdb-key

[[ $items =~ ^[1-9][0-9]*$ ]] || die "BENCH_ITEMS must be a positive integer"
[[ -f $fixtures/3/movie/550.json ]] ||
    die "no TMDB recordings at $fixtures (set BENCH_TMDB_FIXTURES to ../shared/fixtures/tmdb)"

# Distinct movie titles from three word lists (20 × 20 × 20 = 8,000), no digits, so the file
# name parser reads a plain title and year.
adjectives=(Crimson Silent Hollow Golden Broken Midnight Distant Frozen Burning Hidden
    Restless Scarlet Wandering Quiet Savage Gentle Bitter Electric Velvet Iron)
nouns1=(Harbor River Garden Mountain Station Empire Orchard Lantern Canyon Island
    Cathedral Meadow Frontier Lighthouse Desert Forest Village Bridge Kingdom Valley)
nouns2=(Letters Secrets Promise Legacy Reckoning Journey Ballad Witness Shadows Horizon
    Requiem Covenant Echoes Ashes Tides Winter Summer Voyage Verdict Dreams)
max_items=$((${#adjectives[@]} * ${#nouns1[@]} * ${#nouns2[@]}))
((items <= max_items)) || die "BENCH_ITEMS is at most $max_items (distinct generated titles)"

# movie_name I: "Adjective Noun Noun (YEAR)" for item I (0-based).
movie_name() {
    local i=$1 a=${#adjectives[@]} b=${#nouns1[@]}
    printf '%s %s %s (%d)' "${adjectives[i % a]}" "${nouns1[i / a % b]}" \
        "${nouns2[i / (a * b)]}" "$((1950 + i % 70))"
}

# enrich_library N: N movies, each "Title (YEAR)/Title (YEAR).mkv", generated once into
# bench/.cache/enrich-library-N: one 1-second clip, copied with a unique trailing line so that
# every file has its own content (identical files are duplicates to Kinora's fingerprint).
enrich_library() {
    local n=$1 dir=$CACHE_DIR/enrich-library-$1
    if [[ -f $dir/.complete ]]; then
        echo "$dir"
        return 0
    fi
    local partial=$dir.partial i name
    rm -rf "$partial"
    mkdir -p "$partial/movies"
    ffmpeg -hide_banner -loglevel error -nostdin -y \
        -f lavfi -i "testsrc2=size=160x90:rate=24" -f lavfi -i "sine=frequency=440:sample_rate=48000" \
        -t 1 -map 0:v -map 1:a -c:v libx264 -preset ultrafast -pix_fmt yuv420p \
        -c:a aac -b:a 32k -f matroska "$partial/base.mkv"
    for ((i = 0; i < n; i++)); do
        name=$(movie_name "$i")
        mkdir "$partial/movies/$name"
        {
            cat "$partial/base.mkv"
            printf '\nkinora-enrich-bench %d %s\n' "$i" "$name"
        } >"$partial/movies/$name/$name.mkv"
    done
    # The trailer must not stop ffprobe from reading the file.
    ffprobe -v error -show_entries format=duration -of csv=p=0 \
        "$partial/movies/$name/$name.mkv" >/dev/null ||
        die "ffprobe cannot read a generated file ($partial/movies/$name/$name.mkv)"
    rm "$partial/base.mkv"
    # Old enough for the scanner: a file written within its stability window (scanner.
    # stability_secs) is "growing" and left for a later scan.
    find "$partial/movies" -exec touch -d '2020-01-01 00:00:00' {} +
    touch "$partial/.complete"
    rm -rf "$dir"
    mv "$partial" "$dir"
    echo "$dir"
}

# write_enrich_config FILE WITH_TMDB(yes|no) [TMDB_BASE]
write_enrich_config() {
    local file=$1 with_tmdb=$2 base=${3:-}
    {
        echo "# Written by bench/enrich.sh; data dir, bind address and port come from the environment."
        printf '\n[[libraries]]\nname = "Movies"\nkind = "movies"\npath = "%s"\n' "$library/movies"
        printf 'watch = "off"\nsidecars = "never"\n'
        if [[ $with_tmdb == yes ]]; then
            printf '\n[tmdb]\napi_key = "%s"\nbase_url = "%s"\nimage_base_url = "%s/t/p/"\n' \
                "$tmdb_key" "$base" "$base"
        fi
    } >"$file"
}

jobs_json() { api /api/v1/jobs; }

# wait_idle LABEL: until no scan runs and the job queue is empty (seen twice, 0.3 s apart);
# prints the wall time (EPOCHREALTIME) of the first of the two idle readings.
wait_idle() {
    local label=$1 deadline=$((SECONDS + idle_wait)) first="" busy
    while true; do
        busy=$(jq -rn --argjson s "$(api /api/v1/scan/status)" --argjson j "$(jobs_json)" \
            'if $s.scanning then 1 else ($j.queued + $j.running) end')
        if [[ $busy == 0 ]]; then
            if [[ -n $first ]]; then
                echo "$first"
                return 0
            fi
            first=$(now)
        else
            first=""
        fi
        ((SECONDS < deadline)) || die "$label: still busy after $idle_wait s: $(jobs_json)"
        sleep 0.3
    done
}

# movie_ids FILE: every movie's id, one a line.
movie_ids() {
    local out=$1 offset=0 page
    : >"$out"
    while true; do
        page=$(api "/api/v1/items?type=movie&limit=500&offset=$offset" | jq -r '.items[].id')
        [[ -n $page ]] || break
        printf '%s\n' "$page" >>"$out"
        offset=$((offset + 500))
    done
}

# refresh IDS_FILE: POST /api/v1/items/{id}/classify for each id, BENCH_PARALLEL at once, over
# one curl process (kept-alive connections); dies if any answer is not 2xx.
refresh() {
    local ids=$1 cfg=$work/refresh.curl codes=$work/refresh.codes bad
    sed "s|.*|url = \"$BASE_URL/api/v1/items/&/classify\"\noutput = \"/dev/null\"|" "$ids" >"$cfg"
    curl -sS --no-progress-meter -Z --parallel-max "$parallel" -X POST -H "X-Api-Key: $API_KEY" \
        -w '%{http_code}\n' --config "$cfg" >"$codes"
    bad=$(grep -cv '^2' "$codes" || true)
    ((bad == 0)) || die "$bad of $(wc -l <"$codes") refresh requests failed: $(sort "$codes" | uniq -c | tr '\n' ' ')"
}

# jobs_run_per_item BEFORE AFTER: finished jobs by kind between two /api/v1/jobs answers, per
# movie ("probe 1, classify 1"). Only new jobs count: a job queued again under the same key
# reuses its row, so the refreshes of phases B and C do not show here.
jobs_run_per_item() {
    jq -rn --slurpfile a "$1" --slurpfile b "$2" --argjson n "$count" '
        [$b[0].by_kind | to_entries[]
         | {k: .key, d: ((.value.done + .value.failed) - (($a[0].by_kind[.key].done // 0) + ($a[0].by_kind[.key].failed // 0)))}
         | select(.d != 0) | "\(.k) \(.d / $n * 100 | round / 100)"]
        | if length == 0 then "none" else join(", ") end'
}

stat_of() { jq -r --arg k "$2" '.[$k] // 0' "$1"; }

# match_share IDS_FILE: tmdb_match status counts over up to BENCH_SAMPLE items spread over the
# library, e.g. "matched 200/200 (100.0%)" plus the other statuses seen.
match_share() {
    local ids=$1 n step
    n=$(wc -l <"$ids")
    step=$(((n + sample - 1) / sample))
    awk -v s="$step" '(NR - 1) % s == 0' "$ids" | while read -r id; do
        api "/api/v1/items/$id" | jq -r '[.classification.fields[]? | select(.field == "tmdb_match")
            | .value.status][0] // "none"'
    done | sort | uniq -c | awk '
        { count[$2] = $1; total += $1 }
        END {
            m = count["matched"] + 0
            line = sprintf("matched %d/%d (%.1f%%)", m, total, total ? 100 * m / total : 0)
            for (s in count) if (s != "matched") line = line sprintf(", %s %d", s, count[s])
            print line
        }'
}

# phase LABEL: refresh every movie, wait until idle, print the figures.
phase() {
    local label=$1 before=$work/stats-before.json after=$work/stats-after.json start end secs
    curl -fsS "$TMDB_URL/__stats" >"$before"
    start=$(now)
    refresh "$work/ids"
    end=$(wait_idle "$label")
    secs=$(seconds_between "$start" "$end")
    curl -fsS "$TMDB_URL/__stats" >"$after"
    local api_calls images searches details failed
    api_calls=$(($(stat_of "$after" api_total) - $(stat_of "$before" api_total)))
    searches=$(($(stat_of "$after" search_movie) - $(stat_of "$before" search_movie)))
    details=$(($(stat_of "$after" movie) - $(stat_of "$before" movie)))
    images=$(($(stat_of "$after" image) - $(stat_of "$before" image)))
    failed=$(jobs_json | jq -r '.failed // 0')
    awk -v l="$label" -v n="$count" -v t="$secs" -v a="$api_calls" -v s="$searches" \
        -v d="$details" -v i="$images" 'BEGIN {
        printf "%s\n", l
        printf "  items %d   seconds %.2f   items/s %.1f\n", n, t, n / t
        printf "  TMDB API calls per item %.2f (%d: %d searches, %d movie details)\n", a / n, a, s, d
        printf "  image requests per item %.2f (%d)\n", i / n, i
    }'
    echo "  $(match_share "$work/ids") (tmdb_match of a sample via /api/v1/items/{id}); failed jobs so far: $failed"
    LAST_ITEMS_PER_S=$(awk -v n="$count" -v t="$secs" 'BEGIN { printf "%.2f", n / t }')
    LAST_REQUESTS_PER_S=$(awk -v r="$((api_calls + images))" -v t="$secs" 'BEGIN { printf "%.1f", r / t }')
}

build_kinora
say "generating the enrich library ($items movies, once)"
library=$(enrich_library "$items")

work=$(mktemp -d "${TMPDIR:-/tmp}/kinora-bench-enrich.XXXXXX")
on_exit "rm -rf '$work'"
data=$work/data
config=$work/kinora.toml

# --- The fake TMDB, stopped on exit (and by itself should this script die without cleanup).
python3 "$BENCH_DIR/fake_tmdb.py" 0 --api-key "$tmdb_key" --fixtures "$fixtures" \
    --port-file "$work/tmdb.port" >"$work/tmdb.log" 2>&1 &
TMDB_PID=$!
on_exit "kill $TMDB_PID 2>/dev/null; wait $TMDB_PID 2>/dev/null"
deadline=$((SECONDS + 30))
until [[ -s $work/tmdb.port ]]; do
    kill -0 "$TMDB_PID" 2>/dev/null || die "fake TMDB exited: $(tail -n 5 "$work/tmdb.log")"
    ((SECONDS < deadline)) || die "fake TMDB did not listen within 30 s"
    sleep 0.1
done
TMDB_URL="http://127.0.0.1:$(<"$work/tmdb.port")"
curl -fsS -o /dev/null "$TMDB_URL/__stats" || die "fake TMDB does not answer at $TMDB_URL"

# --- Phase A: catalog without TMDB.
write_enrich_config "$config" no
say "phase A: cataloging $items movies without TMDB"
API_KEY=$(kinora_cli "$data" "$config" apikey create bench) || die "kinora apikey create failed"
[[ -n $API_KEY ]] || die "kinora apikey create printed no key"
start_a=$(now)
kinora_cli "$data" "$config" scan --no-wait >"$work/scan.log" 2>&1 ||
    die "kinora scan failed: $(tail -n 5 "$work/scan.log")"
start_kinora "$data" "$config" "$work/serve-a.log"
end_a=$(wait_idle "phase A")
secs_a=$(seconds_between "$start_a" "$end_a")
movie_ids "$work/ids"
count=$(wc -l <"$work/ids")
((count > 0)) || die "phase A catalogued no movies (log: $work/serve-a.log)"
((count == items)) || say "note: $count movies catalogued out of $items files"
failed_a=$(jobs_json | jq -r '.failed // 0')
echo '{"by_kind": {}}' >"$work/jobs-empty.json"
jobs_json >"$work/jobs-a.json"
jobs_a=$(jobs_run_per_item "$work/jobs-empty.json" "$work/jobs-a.json")
stop_kinora

echo
echo "Metadata enrichment, $count movies ($(nproc) cores, catalog: ${KINORA_DATABASE__URL:-SQLite}," \
    "job workers: ${KINORA_JOBS__WORKERS:-Kinora default}, refresh requests $parallel at once)"
printf 'phase A, catalog without TMDB (scan, probe, classify, metadata): %.1f s, %s failed jobs\n' \
    "$secs_a" "$failed_a"
echo "  jobs run per item: $jobs_a"

# --- Phase B: the same data dir with TMDB.
write_enrich_config "$config" yes "$TMDB_URL"
start_kinora "$data" "$config" "$work/serve-b.log"
wait_idle "phase B start-up" >/dev/null
startup_calls=$(curl -fsS "$TMDB_URL/__stats" | jq -r '.api_total')
((startup_calls == 0)) || say "note: $startup_calls TMDB calls before the refresh started"
echo
phase "phase B, refresh with TMDB (first time: search, details, images):"
b_items_per_s=$LAST_ITEMS_PER_S
b_requests_per_s=$LAST_REQUESTS_PER_S

# --- Phase C: again; answers come from the catalog's cache.
echo
phase "phase C, the same refresh again (TMDB answers cached in the catalog; expect 0 calls):"
c_items_per_s=$LAST_ITEMS_PER_S
stop_kinora

# --- Reference: the fake's raw capacity on the heaviest call Kinora makes.
ref_url="$TMDB_URL/3/movie/550?append_to_response=credits,external_ids,release_dates&api_key=$tmdb_key"
if have wrk; then
    ref_tool="wrk, 2 threads, $connections connections, $duration"
    raw=$(wrk -t2 -c"$connections" -d"$duration" "$ref_url" | awk '/^Requests\/sec:/ { print $2 }')
else
    n_ref=2000
    ref_tool="curl, $n_ref requests, $connections at once (wrk not installed)"
    awk -v n="$n_ref" -v u="$ref_url" \
        'BEGIN { for (i = 0; i < n; i++) printf "url = \"%s\"\noutput = \"/dev/null\"\n", u }' >"$work/ref.curl"
    ref_start=$(now)
    curl -fsS --no-progress-meter -Z --parallel-max "$connections" --config "$work/ref.curl"
    raw=$(awk -v n="$n_ref" -v t="$(seconds_between "$ref_start" "$(now)")" 'BEGIN { printf "%.1f", n / t }')
fi
[[ -n $raw ]] || die "the reference measurement printed nothing"

echo
echo "Reference: the fake TMDB's raw capacity, GET /3/movie/{id}?append_to_response=… ($ref_tool):"
printf '  %.0f requests/s (Python ThreadingHTTPServer, same cores)\n' "$raw"
awk -v b="$b_items_per_s" -v c="$c_items_per_s" -v r="$raw" -v q="$b_requests_per_s" 'BEGIN {
    printf "Kinora enrichment throughput relative to the fake TMDB raw capacity (items/s / requests/s):\n"
    printf "  phase B %.1f items/s / %.0f = %.3f   (Kinora sent %.1f requests/s, API + images: %.0f%% of the raw capacity)\n", b, r, b / r, q, 100 * q / r
    printf "  phase C %.1f items/s / %.0f = %.3f   (no TMDB requests: the cached path)\n", c, r, c / r
}'
