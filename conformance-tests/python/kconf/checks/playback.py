"""Playback as mpv-shim/Kodi do it: PlaybackInfo, the static stream with Range requests,
external subtitles through DeliveryUrl, HLS through TranscodingUrl, progress reports that set
the resume point (Jellyfin's resume rules, CLIENT-CONTRACT 5), played/unplayed, next up."""

import re
import time
from urllib.parse import urljoin

from .. import fields
from ..jfclient import DIRECT_PLAY_PROFILE, HLS_ONLY_PROFILE
from ..library import TICKS_PER_SECOND
from ..report import CheckFailed, require
from .browse import check_list_items
from . import websocket

MIN_RESUME_DURATION_SECONDS = 300  # Jellyfin ServerConfiguration default


def _single_version_movie_with_srt(ctx):
    for movie in ctx.library.movies:
        if len(movie.versions) == 1 and any(movie.versions[0].parent.glob("*.srt")):
            return movie
    raise CheckFailed("the fixture library has no single-file movie with an .srt")


def _play_info(ctx, item_id, **kwargs):
    client = ctx.need("client", "authenticated client")
    info = client.jellyfin.get_play_info(item_id, **kwargs)
    require(isinstance(info, dict), f"PlaybackInfo answered {info!r}")
    fields.guid(info.get("PlaySessionId"), "PlaybackInfoResponse.PlaySessionId")
    sources = info.get("MediaSources")
    require(isinstance(sources, list) and sources, "PlaybackInfoResponse.MediaSources is empty")
    return info


def playback_info(ctx):
    movie = _single_version_movie_with_srt(ctx)
    item = ctx.movie(movie.title)
    info = _play_info(ctx, item["Id"], profile=DIRECT_PLAY_PROFILE)
    source = info["MediaSources"][0]
    ctx.play = {"item": item, "movie": movie, "info": info, "source": source}
    fields.media_source(source, movie.title, from_playback_info=True)
    require(source["SupportsDirectPlay"] is True,
            "SupportsDirectPlay is false for a profile that direct-plays every video")


def external_subtitle(ctx):
    play = ctx.need("play", "PlaybackInfo")
    subtitle = next((s for s in play["source"].get("MediaStreams") or []
                     if s.get("Type") == "Subtitle" and s.get("IsExternal")), None)
    require(subtitle, f"no external Subtitle stream for {play['movie'].title!r}'s .srt")
    require(subtitle.get("IsTextSubtitleStream") is True,
            "the external srt is not IsTextSubtitleStream")
    require(subtitle.get("SupportsExternalStream") is True,
            "external srt SupportsExternalStream is not true")
    require(subtitle.get("DeliveryMethod") == "External",
            f"external srt DeliveryMethod {subtitle.get('DeliveryMethod')!r} with a profile "
            "that takes srt External")
    require(isinstance(subtitle.get("DeliveryUrl"), str), "external subtitle has no DeliveryUrl")
    play["subtitle"] = subtitle


def playback_info_defaults(ctx):
    movie = _single_version_movie_with_srt(ctx)
    info = _play_info(ctx, ctx.movie(movie.title)["Id"])  # the library's default: no profile
    for source in info["MediaSources"]:
        fields.media_source(source, movie.title, from_playback_info=True)


def playback_info_versions(ctx):
    multi = next((m for m in ctx.library.movies if len(m.versions) > 1), None)
    require(multi, "the fixture library has no multi-version movie")
    item = ctx.movie(multi.title)
    info = _play_info(ctx, item["Id"], profile=DIRECT_PLAY_PROFILE)
    ids = [s.get("Id") for s in info["MediaSources"]]
    require(len(set(ids)) == len(multi.versions),
            f"{len(set(ids))} distinct MediaSources for {len(multi.versions)} files")
    chosen = ids[-1]
    picked = _play_info(ctx, item["Id"], profile=DIRECT_PLAY_PROFILE, media_source_id=chosen)
    require([s.get("Id") for s in picked["MediaSources"]] == [chosen],
            f"MediaSourceId={chosen} answered sources {[s.get('Id') for s in picked['MediaSources']]}")


def subtitle_delivery(ctx):
    play = ctx.need("play", "PlaybackInfo")
    if not play.get("subtitle"):
        raise CheckFailed("prerequisite missing: an external subtitle in PlaybackInfo")
    srt = next(play["movie"].versions[0].parent.glob("*.srt"))
    first_line = next(line for line in srt.read_text().splitlines()
                      if line.strip() and not line.strip().isdigit() and "-->" not in line)
    response = ctx.http.get(play["subtitle"]["DeliveryUrl"], auth=False)
    require(response.status_code == 200,
            f"DeliveryUrl {play['subtitle']['DeliveryUrl']} answered {response.status_code}")
    require(first_line in response.text,
            f"subtitle text lacks {first_line!r}: {response.text[:200]!r}")


def _stream_url(ctx):
    play = ctx.need("play", "PlaybackInfo")
    return ctx.client.jellyfin.video_url(play["item"]["Id"], play["source"]["Id"]), play


def ranged_read(ctx):
    url, play = _stream_url(ctx)
    data = play["movie"].versions[0].read_bytes()
    start, end = 100, 1123
    response = ctx.http.get(url, auth=False, headers={"Range": f"bytes={start}-{end}"})
    require(response.status_code == 206, f"Range request answered {response.status_code}")
    require(response.headers.get("Content-Range") == f"bytes {start}-{end}/{len(data)}",
            f"Content-Range {response.headers.get('Content-Range')!r}, expected "
            f"'bytes {start}-{end}/{len(data)}'")
    require(response.content == data[start:end + 1], "the bytes differ from the file on disk")
    require(response.headers.get("Accept-Ranges") == "bytes",
            f"Accept-Ranges {response.headers.get('Accept-Ranges')!r}")


def range_forms(ctx):
    url, play = _stream_url(ctx)
    data = play["movie"].versions[0].read_bytes()
    size = len(data)
    tail = ctx.http.get(url, auth=False, headers={"Range": f"bytes={size - 700}-"})
    require(tail.status_code == 206 and tail.content == data[-700:],
            f"open-ended range: {tail.status_code}, {len(tail.content)} bytes")
    suffix = ctx.http.get(url, auth=False, headers={"Range": "bytes=-500"})
    require(suffix.status_code == 206 and suffix.content == data[-500:],
            f"suffix range: {suffix.status_code}, {len(suffix.content)} bytes")
    beyond = ctx.http.get(url, auth=False, headers={"Range": f"bytes={size + 10}-"})
    require(beyond.status_code == 416, f"unsatisfiable range answered {beyond.status_code}")
    whole = ctx.http.get(url, auth=False)
    require(whole.status_code == 200 and whole.content == data,
            f"plain GET: {whole.status_code}, {len(whole.content)} of {size} bytes")


def anonymous_static(ctx):
    play = ctx.need("play", "PlaybackInfo")
    data = play["movie"].versions[0].read_bytes()
    item_id, source = play["item"]["Id"], play["source"]
    params = {"static": "true", "mediaSourceId": source["Id"],
              "playSessionId": play["info"]["PlaySessionId"]}
    if source.get("ETag"):
        params["tag"] = source["ETag"]
    response = ctx.http.get(f"/Videos/{item_id}/stream", auth=False, params=params,
                            headers={"Range": "bytes=0-1023"})
    require(response.status_code == 206 and response.content == data[:1024],
            f"Swiftfin's token-less static stream: {response.status_code}")
    container = play["movie"].versions[0].suffix.lstrip(".")
    head = ctx.http.request("HEAD", f"/Videos/{item_id}/stream.{container}", auth=False,
                            params={"static": "true", "mediaSourceId": source["Id"]})
    require(head.status_code == 200, f"HEAD stream.{container} answered {head.status_code}")
    require(head.headers.get("Accept-Ranges") == "bytes", "HEAD: Accept-Ranges is not bytes")
    require(head.headers.get("Content-Length") == str(len(data)),
            f"HEAD Content-Length {head.headers.get('Content-Length')!r}, file {len(data)}")


def _first_uri(playlist: str):
    return next((line.strip() for line in playlist.splitlines()
                 if line.strip() and not line.startswith("#")), None)


def hls(ctx):
    play = ctx.need("play", "PlaybackInfo")
    info = _play_info(ctx, play["item"]["Id"], profile=HLS_ONLY_PROFILE)
    source = info["MediaSources"][0]
    require(source.get("SupportsDirectPlay") is False,
            "SupportsDirectPlay is true for a profile that only plays WebM/VP9")
    url = source.get("TranscodingUrl")
    if not url:
        # Until Kinora has a transcoder (its own issue) a source nothing can play must say so as
        # Jellyfin does: no direct stream, and ErrorCode NoCompatibleStream, which clients show
        # instead of failing inside the player.
        require(source.get("SupportsDirectStream") is False,
                "no TranscodingUrl, yet SupportsDirectStream is not false")
        require(info.get("ErrorCode") == "NoCompatibleStream",
                f"no TranscodingUrl and ErrorCode {info.get('ErrorCode')!r}, want 'NoCompatibleStream'")
        return
    require(source.get("TranscodingSubProtocol") == "hls",
            f"TranscodingSubProtocol {source.get('TranscodingSubProtocol')!r}")
    master_url = ctx.env.url + url  # mpv-shim: auth.server + TranscodingUrl
    master = ctx.http.get(master_url, auth=False)
    require(master.status_code == 200 and master.text.startswith("#EXTM3U"),
            f"master.m3u8: {master.status_code} {master.text[:120]!r}")
    main_ref = _first_uri(master.text)
    require(main_ref, "master.m3u8 names no variant playlist")
    main_url = urljoin(master_url, main_ref)
    main = ctx.http.get(main_url, auth=False)
    require(main.status_code == 200 and "#EXTINF" in main.text,
            f"variant playlist {main_ref[:80]!r}: {main.status_code} {main.text[:120]!r}")
    init = re.search(r'#EXT-X-MAP:URI="([^"]+)"', main.text)
    segment_ref = _first_uri(main.text)
    require(segment_ref, "variant playlist lists no segment")
    for ref in ([init.group(1)] if init else []) + [segment_ref]:
        segment = ctx.http.get(urljoin(main_url, ref), auth=False, timeout=60)
        require(segment.status_code == 200 and len(segment.content) > 0,
                f"segment {ref[:80]!r}: {segment.status_code}, {len(segment.content)} bytes")
    ctx.client.jellyfin.close_transcode(ctx.device_id, info["PlaySessionId"])


# -- play state ---------------------------------------------------------------------------

def _report(ctx, item, position_ticks, stop=True):
    """Start, progress and (optionally) stop reports at position_ticks, as mpv-shim sends."""
    client = ctx.client
    info = _play_info(ctx, item["Id"], profile=DIRECT_PLAY_PROFILE)
    base = {"ItemId": item["Id"], "MediaSourceId": info["MediaSources"][0]["Id"],
            "PlaySessionId": info["PlaySessionId"], "PlayMethod": "DirectPlay",
            "CanSeek": True, "IsPaused": False, "IsMuted": False, "VolumeLevel": 100,
            "RepeatMode": "RepeatNone", "PlaybackOrder": "Default"}
    ctx.touched.add(item["Id"])
    client.jellyfin.session_playing(dict(base, PositionTicks=0))
    client.jellyfin.session_progress(dict(base, PositionTicks=position_ticks,
                                          EventName="timeupdate"))
    if stop:
        client.jellyfin.session_stop(dict(base, PositionTicks=position_ticks))


def _user_data(ctx, item_id):
    item = ctx.client.jellyfin.get_item(item_id)
    fields.base_item(item, ctx.server_id)
    return item["UserData"]


def _long_movie(ctx):
    best = ctx.library.longest_movie()
    require(best and best[1] >= MIN_RESUME_DURATION_SECONDS,
            f"the library has no movie of at least {MIN_RESUME_DURATION_SECONDS} s, which "
            "Jellyfin needs to keep a resume point (run generates one)")
    return ctx.movie(best[0].title)


def resume_point(ctx):
    item = _long_movie(ctx)
    position = int(item["RunTimeTicks"] * 0.4)
    _report(ctx, item, position, stop=False)
    data = _user_data(ctx, item["Id"])
    require(abs(data["PlaybackPositionTicks"] - position) <= TICKS_PER_SECOND,
            f"after a progress report at {position}: PlaybackPositionTicks "
            f"{data['PlaybackPositionTicks']}")
    _report(ctx, item, position, stop=True)
    data = _user_data(ctx, item["Id"])
    require(abs(data["PlaybackPositionTicks"] - position) <= TICKS_PER_SECOND,
            f"after stop at {position}: PlaybackPositionTicks {data['PlaybackPositionTicks']}")
    require(data["Played"] is False, "a 40% stop marked the item played")
    require(abs((data.get("PlayedPercentage") or 0) - 40) < 1.0,
            f"PlayedPercentage {data.get('PlayedPercentage')!r}, expected about 40")
    require(data.get("LastPlayedDate"), "LastPlayedDate missing after playback")
    ctx.resumed = item


def _resume_ids(items, what):
    require(isinstance(items, list), f"{what}: no Items array")
    return [i["Id"] for i in items]


def resume_lists(ctx):
    item = ctx.need("resumed", "a resume point")
    client = ctx.client
    problems = []
    library = client.jellyfin.get_resume_items()  # Users/{id}/Items?Filters=IsResumable
    legacy = ctx.http.json("GET", f"/Users/{ctx.user_id}/Items/Resume",
                           params={"MediaTypes": "Video", "Limit": 12})
    modern = ctx.http.json("GET", "/UserItems/Resume", params={"userId": ctx.user_id})
    for what, result in (("Users/{id}/Items?Filters=IsResumable", library),
                         ("Users/{id}/Items/Resume", legacy), ("UserItems/Resume", modern)):
        items = (result or {}).get("Items")
        check_list_items(ctx, items, what)
        ids = _resume_ids(items, what)
        if item["Id"] not in ids:
            problems.append(f"{what} lacks {item['Name']!r}")
        for listed in items:
            if listed["Id"] == item["Id"] and not listed["UserData"]["PlaybackPositionTicks"]:
                problems.append(f"{what}: UserData.PlaybackPositionTicks is 0")
    require(not problems, "; ".join(problems))


def short_item_played(ctx):
    long_title = ctx.library.longest_movie()[0].title
    short = next((m for m in ctx.library.movies
                  if len(m.versions) == 1 and m.title != long_title and
                  not any(m.versions[0].parent.glob("*.srt"))), None)
    require(short, "no short single-file movie in the fixture library")
    item = ctx.movie(short.title)
    require(item["RunTimeTicks"] < MIN_RESUME_DURATION_SECONDS * TICKS_PER_SECOND,
            "the short movie is not short")
    _report(ctx, item, int(item["RunTimeTicks"] * 0.4))
    data = _user_data(ctx, item["Id"])
    require(data["Played"] is True and data["PlaybackPositionTicks"] == 0,
            f"a 40% stop on a {item['RunTimeTicks'] / TICKS_PER_SECOND:.0f} s item left "
            f"Played={data['Played']}, PlaybackPositionTicks={data['PlaybackPositionTicks']} "
            "(Jellyfin marks items under MinResumeDurationSeconds=300 played)")
    resume = ctx.client.jellyfin.get_resume_items()
    require(item["Id"] not in _resume_ids((resume or {}).get("Items"), "resume"),
            "the played short item is in the resume list")


def _first_episode(ctx):
    ctx.need("episodes", "the episode lists")
    for show in ctx.library.shows:
        regular = sorted((e.season, e.number) for e in show.episodes if e.season > 0)
        if len(regular) >= 2:
            first = ctx.episodes.get((show.title,) + regular[0])
            second = ctx.episodes.get((show.title,) + regular[1])
            require(first and second, f"{show.title!r}: first episodes not listed")
            return show, first, second
    raise CheckFailed("no show with two regular episodes")


def mark_played(ctx):
    show, first, _ = _first_episode(ctx)
    ctx.touched.add(first["Id"])
    result = ctx.client.jellyfin.item_played(first["Id"], True)  # Users/{id}/PlayedItems/{id}
    require(isinstance(result, dict) and result.get("Played") is True,
            f"POST Users/{{id}}/PlayedItems answered {result!r}")
    data = _user_data(ctx, first["Id"])
    require(data["Played"] is True, "UserData.Played is not true after marking played")
    require(data["PlayCount"] >= 1, f"PlayCount {data['PlayCount']} after marking played")
    require(data.get("LastPlayedDate"), "LastPlayedDate missing after marking played")
    ctx.marked = (show, first)


def unplayed_count(ctx):
    show, first = ctx.need("marked", "an episode marked played")
    season = ctx.seasons.get((show.title, first["ParentIndexNumber"]))
    require(season, "season not listed")
    seasons = ctx.client.jellyfin.get_seasons(season["SeriesId"])["Items"]
    listed = next((s for s in seasons if s["Id"] == season["Id"]), None)
    require(listed, "season missing from Shows/{id}/Seasons")
    expected = sum(1 for e in show.episodes if e.season == first["ParentIndexNumber"]) - 1
    got = listed["UserData"].get("UnplayedItemCount")
    require(got == expected, f"season UnplayedItemCount {got!r}, expected {expected}")


def next_up(ctx):
    show, first = ctx.need("marked", "an episode marked played")
    _, _, second = _first_episode(ctx)
    result = ctx.client.jellyfin.get_next(series_id=first["SeriesId"], limit=1)
    items = (result or {}).get("Items")
    check_list_items(ctx, items, "Shows/NextUp")
    require([i["Id"] for i in items] == [second["Id"]],
            f"NextUp after playing {first['Name']!r} is {[i['Name'] for i in items]}, expected "
            f"[{second['Name']!r}]")


def mark_unplayed(ctx):
    _, first = ctx.need("marked", "an episode marked played")
    result = ctx.http.json("DELETE", f"/UserPlayedItems/{first['Id']}",
                           params={"userId": ctx.user_id})
    require(result.get("Played") is False, f"DELETE /UserPlayedItems answered {result!r}")
    require(_user_data(ctx, first["Id"])["Played"] is False, "still played after unmarking")


def favorite(ctx):
    item = next(iter(ctx.need("movies", "the movie list").values()))
    ctx.touched.add(item["Id"])
    result = ctx.client.jellyfin.favorite(item["Id"], True)  # Users/{id}/FavoriteItems/{id}
    require(isinstance(result, dict) and result.get("IsFavorite") is True,
            f"POST Users/{{id}}/FavoriteItems answered {result!r}")
    require(_user_data(ctx, item["Id"])["IsFavorite"] is True, "IsFavorite not stored")
    undone = ctx.http.json("DELETE", f"/UserFavoriteItems/{item['Id']}",
                           params={"userId": ctx.user_id})
    require(undone.get("IsFavorite") is False, f"DELETE /UserFavoriteItems answered {undone!r}")


def run(ctx):
    r = ctx.report
    r.run("playback: PlaybackInfo (get_play_info, mpv-shim profile)", playback_info, ctx)
    r.run("playback: the .srt beside the movie is an external subtitle stream",
          external_subtitle, ctx)
    r.run("playback: PlaybackInfo without a device profile", playback_info_defaults, ctx)
    r.run("playback: PlaybackInfo lists and selects versions", playback_info_versions, ctx)
    r.run("playback: external subtitle through DeliveryUrl", subtitle_delivery, ctx)
    r.run("playback: ranged read of video_url() matches the file", ranged_read, ctx)
    r.run("playback: open-ended, suffix and unsatisfiable ranges", range_forms, ctx)
    r.run("playback: token-less static stream and HEAD stream.{container}",
          anonymous_static, ctx)
    r.run("playback: HLS via TranscodingUrl -> master -> variant -> segment (or NoCompatibleStream)", hls, ctx)
    r.run("playstate: progress report sets the resume point", resume_point, ctx)
    r.run("playstate: the resume point is in the resume lists", resume_lists, ctx)
    r.run("playstate: 40% of a short item marks it played (MinResumeDurationSeconds)",
          short_item_played, ctx)
    started = time.monotonic()
    r.run("playstate: mark played (legacy Users/{id}/PlayedItems, item_played)",
          mark_played, ctx)
    r.run("websocket: UserDataChanged after marking played",
          websocket.user_data_changed, ctx, lambda: ctx.marked, started)
    r.run("playstate: season UnplayedItemCount after marking an episode played",
          unplayed_count, ctx)
    r.run("playstate: next up follows the played episode (get_next)", next_up, ctx)
    r.run("playstate: mark unplayed (DELETE /UserPlayedItems)", mark_unplayed, ctx)
    r.run("playstate: favorite (legacy FavoriteItems) and unfavorite (/UserFavoriteItems)",
          favorite, ctx)
