"""Calls every GET operation of the spec as the admin, with real ids for path parameters,
and fails each operation that answers 5xx (or not at all). 400/401/403/404 are fine: Jellyfin
answers so for ids that do not exist or features a server lacks. JSON bodies are validated by
the response hook like everything else.

Operations that in Jellyfin fetch from the internet or stream without end are not called."""

import re
import uuid
from collections import Counter

import requests

from ..report import one_line
from ..spec import LEGACY_ROUTES

# Remote look-ups (plugin catalogues, metadata/subtitle/lyric providers, tuner discovery)
# and endless live streams.
SKIPPED = {
    "/Packages", "/Packages/{name}",
    "/Items/{itemId}/RemoteImages", "/Items/{itemId}/RemoteSearch/Subtitles/{language}",
    "/Providers/Subtitles/Subtitles/{subtitleId}", "/Providers/Lyrics/{lyricId}",
    "/Audio/{itemId}/RemoteSearch/Lyrics",
    "/LiveTv/Tuners/Discover", "/LiveTv/Tuners/Discvover",
    "/LiveTv/ListingProviders/Lineups", "/LiveTv/ListingProviders/SchedulesDirect/Countries",
    "/LiveTv/LiveRecordings/{recordingId}/stream",
    "/LiveTv/LiveStreamFiles/{streamId}/stream.{container}",
}
MEDIA_MARKERS = ("stream", "m3u8", "/hls", "Download", "/File", "Subtitles", "Trickplay",
                 "Attachments", "Lyrics", "universal")
READ_LIMIT = 64 * 1024
TIMEOUT = (5, 20)


class Ids:
    """Real ids from the earlier checks, with random ones where nothing exists."""

    def __init__(self, ctx):
        play = ctx.play or {}
        movie = (play.get("item") or next(iter(ctx.movies.values()), None) or {})
        source = play.get("source") or {}
        subtitle = play.get("subtitle") or {}
        self.user = ctx.user_id
        self.movie = movie.get("Id")
        self.container = (source.get("Container") or "mkv").split(",")[0]
        self.source = source.get("Id") or self.movie
        self.subtitle_index = subtitle.get("Index", 0)
        self.image_tag = (movie.get("ImageTags") or {}).get("Primary", "0")
        self.year = movie.get("ProductionYear", 2000)
        self.device = ctx.device_id or "kconf-sweep"
        first = lambda d: next(iter(d.values()), {}) if d else {}  # noqa: E731
        self.kinds = {
            "Movie": self.movie,
            "Series": first(ctx.shows).get("Id"),
            "Season": first(ctx.seasons).get("Id"),
            "Episode": first(ctx.episodes).get("Id"),
            "Video": (ctx.home_videos[0] if ctx.home_videos else {}).get("Id"),
            "CollectionFolder": first(ctx.views).get("Id"),
        }
        self.series = self.kinds["Series"]

    @staticmethod
    def random():
        return uuid.uuid4().hex


def _is_media_route(template):
    return template.startswith(("/Videos/", "/Audio/")) or any(
        m in template for m in MEDIA_MARKERS)


def _path_value(name, template, ids):
    fixed = {
        "userId": ids.user, "seriesId": ids.series, "mediaSourceId": ids.source,
        "routeMediaSourceId": ids.source, "routeItemId": ids.movie, "videoId": ids.movie,
        "routeFormat": "srt", "routeStartPositionTicks": "0", "routeIndex": ids.subtitle_index,
        "playlistId": "main", "segmentId": "0", "segmentContainer": "ts",
        "imageType": "Primary", "imageIndex": "0", "tag": ids.image_tag, "format": "jpg",
        "maxWidth": "200", "maxHeight": "200", "percentPlayed": "0", "unplayedCount": "0",
        "name": "Test", "genreName": "Test", "key": "encoding",
        "displayPreferencesId": "usersettings", "version": "1.0.0.0", "language": "eng",
        "width": "320", "year": ids.year,
    }
    if name == "container":
        return "ts" if "{segmentId}" in template else ids.container
    if name == "index":
        return ids.subtitle_index if "Subtitles" in template else "0"
    if name in fixed:
        return fixed[name]
    return ids.random()  # channelId, recordingId, programId, timerId, pluginId, taskId, id ...


def _query(op, ids):
    required = {
        "path": "/", "client": "emby", "secret": "0" * 32, "searchTerm": "Test", "name": "Test",
        "segmentLength": 6, "runtimeTicks": 0, "actualSegmentLengthTicks": 60_000_000,
        "mediaSourceId": ids.source, "size": 1024,
    }
    helpful = {"userId": ids.user, "mediaSourceId": ids.source, "static": "true",
               "deviceId": ids.device, "limit": 5}
    params = {}
    for p in op.parameters("query"):
        name, schema = p["name"], p.get("schema") or {}
        if name in helpful:
            params[name] = helpful[name]
        elif p.get("required"):
            if name in required:
                params[name] = required[name]
            elif schema.get("format") == "uuid":
                params[name] = ids.movie
            elif schema.get("type") == "integer":
                params[name] = 1
            elif schema.get("type") == "boolean":
                params[name] = "true"
            else:
                params[name] = "test"
    return params


def plan(op, ids):
    """[(label, path, params)] to request for one operation."""
    template = op.path
    names = [p["name"] for p in op.parameters("path")]
    kinds = [("Movie", ids.movie)]
    if "itemId" in names and not _is_media_route(template):
        kinds = [(k, v) for k, v in ids.kinds.items() if v]
    out = []
    for kind, item_id in kinds:
        path = template
        for name in names:
            value = item_id if name == "itemId" else _path_value(name, template, ids)
            path = path.replace("{" + name + "}", str(value))
        out.append((kind if "itemId" in names else "", path, _query(op, ids)))
    return out


def _call(ctx, path, params):
    """(status or None, error text)."""
    try:
        response = ctx.http.get(path, params=params, stream=True, timeout=TIMEOUT)
    except requests.RequestException as exc:
        return None, f"no answer ({type(exc).__name__})"
    try:
        response.raw.read(READ_LIMIT)
    except Exception:
        pass
    finally:
        response.close()
    return response.status_code, ""


class LegacyOperation:
    """A hidden legacy GET route (CLIENT-CONTRACT 6) swept like a spec operation."""

    def __init__(self, template, modern):
        self.path = template
        self.label = f"GET {template} (legacy; as {modern.label})"
        self._modern = modern

    def parameters(self, where):
        if where == "path":
            return [{"name": n} for n in re.findall(r"\{([^}]+)\}", self.path)]
        return [p for p in self._modern.parameters(where) if p["name"] != "userId"]


def legacy_operations(spec):
    by_key = {(op.method, op.path): op for op in spec.operations}
    return [LegacyOperation(legacy, by_key[(mm, modern)])
            for method, legacy, mm, modern in LEGACY_ROUTES if method == "GET"]


def run(ctx):
    r = ctx.report
    if not ctx.token:
        r.fail("sweep: every GET operation", "prerequisite missing: login")
        return
    ids = Ids(ctx)
    ctx.ledger.phase = "sweep"
    operations = sorted(ctx.spec.get_operations(), key=lambda o: o.path.lower())
    operations += legacy_operations(ctx.spec)
    skipped = [op.path for op in operations if op.path in SKIPPED]
    print(f"# sweep: {len(operations) - len(skipped)} GET operations (spec + hidden legacy "
          f"routes); not called (remote "
          f"look-ups / endless streams): {', '.join(skipped)}", flush=True)
    statuses = Counter()
    for op in operations:
        if op.path in SKIPPED:
            continue
        problems = []
        for kind, path, params in plan(op, ids):
            status, error = _call(ctx, path, params)
            statuses[status or "no answer"] += 1
            if status is None or status >= 500:
                query = "&".join(f"{k}={v}" for k, v in params.items())
                where = f"{path}{'?' + query if query else ''}"
                problems.append(f"{status or error} on GET {where}"
                                f"{' (' + kind + ')' if kind else ''}")
        name = f"sweep: {op.label}"
        if problems:
            r.fail(name, one_line("; ".join(problems), 900))
        else:
            r.ok(name)
    ctx.ledger.phase = "after sweep"
    print("# sweep answers: " + ", ".join(f"{k}: {v}" for k, v in sorted(
        statuses.items(), key=lambda kv: str(kv[0]))), flush=True)
