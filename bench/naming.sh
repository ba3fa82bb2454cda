#!/usr/bin/env bash
# Path parser: Kinora's `naming eval` / `naming parse` against guessit (PyPI, in a venv under
# bench/.cache) on the same cases (default ../shared/fixtures/naming/dev.jsonl, or $1): the
# fully-correct share under the issue-5 scoring rules, and paths per second, side by side.
# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

need python3 jq
cases=${1:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/../shared/fixtures/naming/dev.jsonl}
build_kinora
cache=$(dirname "${BASH_SOURCE[0]}")/.cache
venv=$cache/guessit-venv
if [[ ! -x $venv/bin/guessit ]]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet guessit
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/kinora-bench-naming.XXXXXX")
on_exit "rm -rf '$work'"

# Kinora: score, then speed over the paths repeated to about 50,000 lines.
kinora_score=$("$KINORA_BIN" naming eval "$cases" | tail -1)
jq -r .path "$cases" >"$work/paths.txt"
n=$(wc -l <"$work/paths.txt")
reps=$(((50000 + n - 1) / n))
for _ in $(seq "$reps"); do cat "$work/paths.txt"; done >"$work/many.txt"
total=$(wc -l <"$work/many.txt")
start=$(date +%s.%N)
"$KINORA_BIN" naming parse <"$work/many.txt" >"$work/kinora.jsonl"
end=$(date +%s.%N)
kinora_rate=$(python3 -c "print(int($total / ($end - $start)))")

# guessit: its answers mapped to Kinora's JSON shape, scored by the same `naming eval` rules
# (a small Python scorer mirroring src/naming/eval.rs), timed over one pass of the cases.
"$venv/bin/python" - "$cases" >"$work/guessit.txt" <<'PY'
import json, re, sys, time
from guessit import guessit
cases = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
def norm(s):
    s = re.sub(r"[._\-:]", " ", str(s).lower()).split()
    if s and re.fullmatch(r"\(\d{4}\)", s[-1]): s.pop()
    return " ".join(s)
def first(v): return v[0] if isinstance(v, list) else v
def last(v): return v[-1] if isinstance(v, list) else None
t0 = time.time(); full = 0
for c in cases:
    g = guessit(c["path"])
    kind = {"episode": "episode", "movie": "movie"}.get(g.get("type"), "home_video")
    ep = first(g.get("episode")); end = last(g.get("episode"))
    got = {"kind": kind, "title": str(first(g.get("title", "")) or ""), "year": first(g.get("year")),
           "season": first(g.get("season")), "episode": ep, "episode_end": end}
    ok = True
    if "kind" in c and c["source"].startswith("guessit/"):
        ok &= (got["kind"] in ("extra", "home_video")) if c["kind"] == "other" else c["kind"] == got["kind"]
    if "title" in c: ok &= norm(c["title"]) == norm(got["title"])
    for f in ("year", "season", "episode"):
        if f in c: ok &= c[f] == got[f]
    if "episode_end" in c:
        ok &= (got["episode_end"] in (None, got["episode"])) if c["episode_end"] is None else c["episode_end"] == got["episode_end"]
    full += ok
dt = time.time() - t0
print(f"fully correct: {full}/{len(cases)} = {100*full/len(cases):.2f}%")
print(int(len(cases) / dt))
PY
guessit_score=$(head -1 "$work/guessit.txt")
guessit_rate=$(tail -1 "$work/guessit.txt")

printf '%-8s %-40s %s\n' parser score paths/s
printf '%-8s %-40s %s\n' kinora "$kinora_score" "$kinora_rate"
printf '%-8s %-40s %s\n' guessit "$guessit_score" "$guessit_rate"
