#!/usr/bin/env bash
# Jellyfin /Items page latency: a page of 100 out of 50,000 seeded movies (BENCH_ITEMS to
# change), sorted by name, with the Fields jellyfin-web asks for; wrk for 10 s, 1 connection
# (latency, not throughput). Targets: p50 < 10 ms, p99 < 50 ms.
# Items are seeded straight into a fresh SQLite catalog (sqlite3 CLI) so the bench needs no
# media files; the server then lists them like any other items.
# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

need curl jq wrk sqlite3
count=${BENCH_ITEMS:-50000}

build_kinora
work=$(mktemp -d "${TMPDIR:-/tmp}/kinora-bench-items.XXXXXX")
on_exit "rm -rf '$work'"
mkdir -p "$work/movies"
config=$work/kinora.toml
write_config "$config" off "Movies:movies:$work/movies"
export KINORA_ADMIN_USER=bench KINORA_ADMIN_PASSWORD=bench-password
# One start creates the catalog, the library and its root item; then seed while it is down.
start_kinora "$work/data" "$config" "$work/seed.log"
stop_kinora
db=$work/data/kinora.db
lib_id=$(sqlite3 "$db" "SELECT id FROM libraries LIMIT 1")
root_id=$(sqlite3 "$db" "SELECT id FROM items WHERE identity_key = 'root' LIMIT 1")
say "seeding $count movies"
python3 - "$db" "$lib_id" "$root_id" "$count" <<'PY'
import sqlite3, sys, uuid, random, time
db, lib, root, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
words = ["alpha", "bravo", "cinder", "delta", "ember", "falcon", "harbor", "ivory", "jade", "kestrel", "lumen", "marble", "nova", "onyx", "prism", "quartz"]
random.seed(7)
now = int(time.time() * 1000)
con = sqlite3.connect(db)
rows = []
for i in range(n):
    name = f"{random.choice(words).title()} {random.choice(words).title()} {i}"
    key = name.lower()
    rows.append((str(uuid.uuid4()), lib, root, "movie", name, key, 1950 + i % 70, f"movie:{key}", now - i, now - i))
con.executemany("INSERT INTO items (id, library_id, parent_id, kind, name, sort_name, year, identity_key, missing, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,0,?,?)", rows)
con.commit()
PY
start_kinora "$work/data" "$config" "$work/serve.log"
token=$(curl -fsS -X POST -H 'Content-Type: application/json' \
    -H 'Authorization: MediaBrowser Client="bench", Device="wrk", DeviceId="bench1", Version="1"' \
    -d '{"Username":"bench","Pw":"bench-password"}' "$BASE_URL/Users/AuthenticateByName" | jq -r .AccessToken)
view=$(curl -fsS -H "X-Emby-Token: $token" "$BASE_URL/UserViews" | jq -r '.Items[0].Id')
path="/Users/x/Items?ParentId=$view&IncludeItemTypes=Movie&Recursive=true&SortBy=SortName,ProductionYear&SortOrder=Ascending&Fields=PrimaryImageAspectRatio,MediaSourceCount&ImageTypeLimit=1&EnableImageTypes=Primary,Backdrop,Banner,Thumb&StartIndex=25000&Limit=100"
path=${path/\/Users\/x\/Items/\/Items}
# The first request finds nothing remembered (total, where the page starts).
first=$(curl -fsS -o "$work/first.json" -w '%{time_total}' -H "X-Emby-Token: $token" "$BASE_URL$path")
total=$(jq -r .TotalRecordCount "$work/first.json")
[[ $total == "$count" ]] || die "expected $count movies, the server lists $total"
echo
echo "/Items page of 100 out of $count movies, sorted by name ($(nproc) cores, SQLite)"
awk -v s="$first" 'BEGIN { printf "  first request %.2fms\n", s * 1000 }'
wrk -t1 -c1 -d10s --latency -H "X-Emby-Token: $token" "$BASE_URL$path" |
    awk '/Requests\/sec/ {print "  requests/s " $2} / 50%/ {print "  p50 " $2 "   (target < 10 ms)"} / 99%/ {print "  p99 " $2 "   (target < 50 ms)"}'
echo "the same page from a random StartIndex each time"
BENCH_ITEMS=$count wrk -t1 -c1 -d10s --latency -s "$BENCH_DIR/items-random.lua" \
    -H "X-Emby-Token: $token" "$BASE_URL$path" |
    awk '/Requests\/sec/ {print "  requests/s " $2} / 50%/ {print "  p50 " $2} / 99%/ {print "  p99 " $2}'
