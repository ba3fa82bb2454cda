"""Browsing through the library's legacy routes, as Kodi/mpv-shim do: views, movies (versions,
extras), series -> seasons -> episodes, home videos, item details and images. Expected names,
numbers and runtimes come from the files on disk (kconf.library)."""

from pathlib import Path

from .. import fields
from ..library import TICKS_PER_SECOND, probe_seconds
from ..report import CheckFailed, require

LIST_FIELDS = "PrimaryImageAspectRatio,MediaSourceCount,Path,SortName,DateCreated"
JPEG, PNG, WEBP = b"\xff\xd8\xff", b"\x89PNG", b"RIFF"


def _items(result, what):
    require(isinstance(result, dict) and isinstance(result.get("Items"), list),
            f"{what}: expected a QueryResult with Items, got {str(result)[:200]}")
    return result["Items"]


def _check_all(ctx, items, **kwargs):
    for item in items:
        fields.base_item(item, ctx.server_id, **kwargs)


def views(ctx):
    client = ctx.need("client", "authenticated client")
    items = _items(client.jellyfin.get_views(), "Users/{id}/Views")
    _check_all(ctx, items)
    by_type = {}
    for item in items:
        require(item["Type"] == "CollectionFolder" and item["IsFolder"] is True,
                f"view {item['Name']!r} is {item['Type']}, IsFolder={item['IsFolder']}")
        require(item.get("CollectionType") not in by_type,
                f"two views with CollectionType {item.get('CollectionType')!r}")
        by_type[item.get("CollectionType")] = item
    for wanted in ("movies", "tvshows", "homevideos"):
        require(wanted in by_type, f"no view with CollectionType {wanted!r}; got {list(by_type)}")
    ctx.views = by_type


def views_modern(ctx):
    legacy = sorted(v["Id"] for v in ctx.need("views", "the user views").values())
    modern = _items(ctx.http.json("GET", "/UserViews", params={"userId": ctx.user_id}),
                    "/UserViews")
    require(sorted(v["Id"] for v in modern) == legacy,
            f"/UserViews ids {sorted(v['Id'] for v in modern)} != legacy view ids {legacy}")


def movies(ctx):
    client = ctx.need("client", "authenticated client")
    result = client.jellyfin.get_user_items(
        parent_id=ctx.view("movies")["Id"], include_item_types="Movie", recursive=True,
        sort_by="SortName,ProductionYear", sort_order="Ascending", fields=LIST_FIELDS,
        image_type_limit=1, enable_image_types="Primary,Backdrop,Thumb",
        enable_total_record_count=True)
    items = _items(result, "movies")
    _check_all(ctx, items)
    expected = {m.title: m for m in ctx.library.movies}
    names = sorted(i["Name"] for i in items)
    ctx.movies = {i["Name"]: i for i in items if i["Name"] in expected}
    require(names == sorted(expected),
            f"movies listed {names}, expected one per movie folder {sorted(expected)}")
    require(result.get("TotalRecordCount") == len(expected),
            f"TotalRecordCount {result.get('TotalRecordCount')} != {len(expected)}")
    for item in items:
        require(item["Type"] == "Movie", f"{item['Name']!r} listed as {item['Type']}")
        year = expected[item["Name"]].year
        require(item.get("ProductionYear") == year,
                f"{item['Name']!r}: ProductionYear {item.get('ProductionYear')!r}, "
                f"folder says {year}")


def extras_not_listed(ctx):
    client = ctx.need("client", "authenticated client")
    extras = {p.resolve() for m in ctx.library.movies for p in m.extras}
    require(extras, "the fixture library has no extras to check")
    stems = {p.stem.lower() for p in extras}
    queries = {
        "all movies (no ParentId)": dict(include_item_types="Movie", recursive=True,
                                        fields="Path", enable_total_record_count=True),
        "everything under the movies view": dict(parent_id=ctx.view("movies")["Id"],
                                                 recursive=True, fields="Path"),
        "search for an extra's name": dict(search_term=sorted(stems)[0], recursive=True,
                                           fields="Path"),
    }
    problems = []
    for label, query in queries.items():
        items = _items(client.jellyfin.get_user_items(**query), label)
        for item in items:
            path = item.get("Path") or ""
            if (path and Path(path).resolve() in extras) or "/extras/" in path.lower():
                problems.append(f"{label}: {item.get('Type')} {item.get('Name')!r} ({path})")
        if label.startswith("all movies"):
            count = len(ctx.library.movies)
            if len(items) != count:
                problems.append(f"{label}: {len(items)} items, expected {count} movies")
    require(not problems, "extras listed: " + "; ".join(problems))


def extras_reachable(ctx):
    movie_ids = {m["Id"] for m in ctx.need("movies", "the movie list").values()}
    for movie in ctx.library.movies:
        if not movie.extras:
            continue
        item = ctx.movie(movie.title)
        found = []
        for route in ("SpecialFeatures", "LocalTrailers"):
            listed = ctx.http.json("GET", f"/Users/{ctx.user_id}/Items/{item['Id']}/{route}")
            require(isinstance(listed, list), f"{route} is not an array: {str(listed)[:200]}")
            found.extend(listed)
        require(len(found) >= len(movie.extras),
                f"{movie.title!r}: {len(found)} special features + local trailers, "
                f"{len(movie.extras)} extra file(s) on disk")
        for extra in found:
            require(extra.get("Id") not in movie_ids,
                    f"extra {extra.get('Name')!r} has a movie's Id")
            require(extra.get("ServerId") == ctx.server_id, "extra ServerId != public Id")


def versions(ctx):
    client = ctx.need("client", "authenticated client")
    multi = [m for m in ctx.library.movies if len(m.versions) > 1]
    require(multi, "the fixture library has no multi-version movie")
    for movie in multi:
        item = ctx.movie(movie.title)
        require(item.get("MediaSourceCount") == len(movie.versions),
                f"{movie.title!r}: MediaSourceCount {item.get('MediaSourceCount')!r} "
                f"(Fields=MediaSourceCount), {len(movie.versions)} files")
        detail = client.jellyfin.get_item(item["Id"])
        sources = detail.get("MediaSources") or []
        names = sorted((s.get("Path") or "").rsplit("/", 1)[-1] for s in sources)
        require(names == sorted(p.name for p in movie.versions),
                f"{movie.title!r}: MediaSources paths {names}, files "
                f"{sorted(p.name for p in movie.versions)}")


def runtimes(ctx):
    problems = []
    for movie in ctx.library.movies:
        if len(movie.versions) != 1:
            continue
        item = ctx.movie(movie.title)
        seconds = probe_seconds(movie.versions[0])
        ticks = item.get("RunTimeTicks") or 0
        if seconds is None or abs(ticks / TICKS_PER_SECOND - seconds) > 1.0:
            problems.append(f"{movie.title!r}: RunTimeTicks {ticks} vs ffprobe {seconds} s")
    require(not problems, "; ".join(problems))


def series(ctx):
    client = ctx.need("client", "authenticated client")
    items = _items(client.jellyfin.get_user_items(
        parent_id=ctx.view("tvshows")["Id"], include_item_types="Series", recursive=True,
        fields=LIST_FIELDS, enable_total_record_count=True), "series")
    _check_all(ctx, items)
    expected = sorted(s.title for s in ctx.library.shows)
    names = sorted(i["Name"] for i in items)
    ctx.shows = {i["Name"]: i for i in items}
    require(names == expected, f"series listed {names}, expected {expected}")


def seasons(ctx):
    client = ctx.need("client", "authenticated client")
    ctx.need("shows", "the series list")
    problems = []
    for show in ctx.library.shows:
        series_item = ctx.shows.get(show.title)
        if not series_item:
            problems.append(f"{show.title!r} not listed")
            continue
        items = _items(client.jellyfin.get_seasons(series_item["Id"]), "Shows/{id}/Seasons")
        _check_all(ctx, items)
        numbers = sorted(i.get("IndexNumber") for i in items)
        if numbers != sorted(show.seasons):
            problems.append(f"{show.title!r}: seasons {numbers}, files say {sorted(show.seasons)}")
        for item in items:
            if item.get("SeriesId") != series_item["Id"] or item["Type"] != "Season":
                problems.append(f"{show.title!r}: {item['Type']} {item['Name']!r} SeriesId "
                                f"{item.get('SeriesId')!r}")
            ctx.seasons[(show.title, item.get("IndexNumber"))] = item
    require(not problems, "; ".join(problems))


def episodes(ctx):
    client = ctx.need("client", "authenticated client")
    ctx.need("seasons", "the season lists")
    problems = []
    for show in ctx.library.shows:
        for number in sorted(show.seasons):
            season = ctx.seasons.get((show.title, number))
            if not season:
                problems.append(f"{show.title!r} season {number} not listed")
                continue
            items = _items(client.jellyfin.get_season(season["SeriesId"], season["Id"]),
                           "Shows/{id}/Episodes?SeasonId")
            _check_all(ctx, items)
            got = sorted((i.get("ParentIndexNumber"), i.get("IndexNumber")) for i in items)
            want = sorted((e.season, e.number) for e in show.episodes if e.season == number)
            if got != want:
                problems.append(f"{show.title!r} season {number}: episodes {got}, files {want}")
            for item in items:
                if item.get("SeasonId") != season["Id"]:
                    problems.append(f"{item['Name']!r}: SeasonId {item.get('SeasonId')!r} != "
                                    f"{season['Id']!r}")
                ctx.episodes[(show.title, item.get("ParentIndexNumber"),
                              item.get("IndexNumber"))] = item
        series_item = ctx.shows.get(show.title)
        if series_item:
            every = _items(client.jellyfin.get_episodes(series_item["Id"]), "Shows/{id}/Episodes")
            if len(every) != len(show.episodes):
                problems.append(f"{show.title!r}: Shows/{{id}}/Episodes lists {len(every)}, "
                                f"{len(show.episodes)} files")
    require(not problems, "; ".join(problems))


def episode_runtimes(ctx):
    ctx.need("episodes", "the episode lists")
    problems = []
    for show in ctx.library.shows:
        for ep in show.episodes:
            item = ctx.episodes.get((show.title, ep.season, ep.number))
            seconds = probe_seconds(ep.path)
            ticks = (item or {}).get("RunTimeTicks") or 0
            if item is None or seconds is None or abs(ticks / TICKS_PER_SECOND - seconds) > 1.0:
                problems.append(f"{ep.path.name}: RunTimeTicks {ticks} vs ffprobe {seconds} s")
    require(not problems, "; ".join(problems))


def home_videos(ctx):
    client = ctx.need("client", "authenticated client")
    items = _items(client.jellyfin.get_user_items(
        parent_id=ctx.view("homevideos")["Id"], recursive=True, fields=LIST_FIELDS,
        filters="IsNotFolder"), "home videos")
    _check_all(ctx, items)
    videos = [i for i in items if not i["IsFolder"]]
    require(len(videos) == len(ctx.library.home_videos),
            f"{len(videos)} home videos listed, {len(ctx.library.home_videos)} files")
    for item in videos:
        require(item["Type"] == "Video", f"home video {item['Name']!r} has Type {item['Type']}")
    ctx.home_videos = videos


def item_details(ctx):
    client = ctx.need("client", "authenticated client")
    with_subs = [m for m in ctx.library.movies if len(m.versions) == 1 and
                 any(m.versions[0].parent.glob("*.srt"))]
    require(with_subs, "the fixture library has no movie with an .srt")
    title = with_subs[0].title
    item = client.jellyfin.get_item(ctx.movie(title)["Id"])  # Kodi's info() Fields
    fields.base_item(item, ctx.server_id)
    require(item.get("Path"), "Path missing although Fields=Path")
    sources = item.get("MediaSources")
    require(isinstance(sources, list) and sources, "MediaSources missing (Fields=MediaSources)")
    for source in sources:
        fields.media_source(source, title)
    subtitles = [s for s in sources[0]["MediaStreams"] if s.get("Type") == "Subtitle"]
    require(any(s.get("IsExternal") for s in subtitles),
            f"{title!r}: the .srt beside the file is not an external Subtitle stream")
    require(item.get("HasSubtitles") is True, "HasSubtitles is not true")
    modern = ctx.http.json("GET", f"/Items/{item['Id']}", params={"userId": ctx.user_id})
    for key in ("Id", "Name", "Type", "RunTimeTicks", "ServerId"):
        require(modern.get(key) == item.get(key),
                f"/Items/{{id}} {key} {modern.get(key)!r} != legacy {item.get(key)!r}")


def _image_kind(body: bytes):
    if body.startswith(JPEG):
        return "jpeg"
    if body.startswith(PNG):
        return "png"
    if body.startswith(WEBP) and body[8:12] == b"WEBP":
        return "webp"
    return None


def images(ctx):
    client = ctx.need("client", "authenticated client")
    items = list(ctx.need("movies", "the movie list").values()) + list(ctx.episodes.values())
    tagged = [i for i in items if i.get("ImageTags", {}).get("Primary")]
    require(tagged, "no movie or episode has ImageTags.Primary")
    for item in tagged[:4]:
        url = client.jellyfin.image_url(item["Id"], "Primary", tag=item["ImageTags"]["Primary"],
                                        max_width=300, include_apikey=False)
        response = ctx.http.get(url, auth=False)
        require(response.status_code == 200,
                f"{item['Name']!r}: {url} answered {response.status_code} without a token")
        require(response.headers.get("Content-Type", "").startswith("image/"),
                f"Content-Type {response.headers.get('Content-Type')!r}")
        require(_image_kind(response.content), f"{item['Name']!r}: body is not JPEG/PNG/WebP")
    movie = next(iter(ctx.movies.values()))
    plain = ctx.http.get(f"/Items/{movie['Id']}/Images/Primary", auth=False)
    require(plain.status_code == 200 and _image_kind(plain.content),
            f"/Items/{{id}}/Images/Primary for {movie['Name']!r} answered {plain.status_code}")
    head = ctx.http.request("HEAD", f"/Items/{movie['Id']}/Images/Primary", auth=False)
    require(head.status_code == 200, f"HEAD image answered {head.status_code}")


def run(ctx):
    r = ctx.report
    r.run("browse: views (legacy Users/{id}/Views, get_views)", views, ctx)
    r.run("browse: /UserViews lists the same views", views_modern, ctx)
    r.run("browse: movies (get_user_items in the movies view)", movies, ctx)
    r.run("browse: extras are never listed as movies or items", extras_not_listed, ctx)
    r.run("browse: extras are the movie's special features / local trailers",
          extras_reachable, ctx)
    r.run("browse: two files in one movie folder are one movie, two MediaSources", versions, ctx)
    r.run("browse: movie RunTimeTicks match the files", runtimes, ctx)
    r.run("browse: series (get_user_items in the tvshows view)", series, ctx)
    r.run("browse: seasons (Shows/{id}/Seasons, get_seasons)", seasons, ctx)
    r.run("browse: episodes (Shows/{id}/Episodes, get_season / get_episodes)", episodes, ctx)
    r.run("browse: episode RunTimeTicks match the files", episode_runtimes, ctx)
    r.run("browse: home videos", home_videos, ctx)
    r.run("browse: item details (legacy Users/{id}/Items/{id}, get_item)", item_details, ctx)
    r.run("browse: images (image_url, anonymous GET and HEAD)", images, ctx)


def check_list_items(ctx, items, what):
    """For other modules: every item in a list has the client-read core fields."""
    if not isinstance(items, list):
        raise CheckFailed(f"{what}: expected an array, got {str(items)[:200]}")
    _check_all(ctx, items)
