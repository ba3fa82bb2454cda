"""Fields that real clients read without a fallback (CLIENT-CONTRACT.md sections 2 and 5).

Each function raises CheckFailed naming the item and the missing or wrong field."""

import re

from .report import CheckFailed

HEX32 = re.compile(r"^[0-9a-f]{32}$")
VIDEO_TYPES = {"Movie", "Episode", "Video", "MusicVideo", "Trailer"}


def _name(item) -> str:
    return f"{item.get('Type', '?')} {item.get('Name', item.get('Id', '?'))!r}"


def _need(obj, key, where, kind=None):
    if key not in obj or obj[key] is None:
        raise CheckFailed(f"{where}: field {key} is missing")
    if kind is not None and not isinstance(obj[key], kind):
        raise CheckFailed(f"{where}: {key} should be {getattr(kind, '__name__', kind)}, "
                          f"got {obj[key]!r}")
    return obj[key]


def guid(value, where):
    if not isinstance(value, str) or not HEX32.match(value):
        raise CheckFailed(f"{where}: {value!r} is not a 32-digit lower-case hex GUID")


def user_data(ud, item_id, where):
    for key, kind in (("PlaybackPositionTicks", int), ("PlayCount", int),
                      ("IsFavorite", bool), ("Played", bool), ("Key", str)):
        _need(ud, key, f"{where} UserData", kind)
    if ud.get("ItemId") != item_id:
        raise CheckFailed(f"{where} UserData.ItemId {ud.get('ItemId')!r} != item Id {item_id!r}")


def base_item(item, server_id, user_data_expected=True):
    """The always-emitted core of a BaseItemDto (DtoService) that clients dereference."""
    where = _name(item)
    guid(_need(item, "Id", where, str), f"{where} Id")
    _need(item, "Name", where, str)
    _need(item, "Type", where, str)
    if item.get("ServerId") != server_id:
        raise CheckFailed(f"{where}: ServerId {item.get('ServerId')!r} != /System/Info/Public "
                          f"Id {server_id!r}")
    _need(item, "IsFolder", where, bool)
    _need(item, "ImageTags", where, dict)
    _need(item, "BackdropImageTags", where, list)
    _need(item, "LocationType", where, str)
    if user_data_expected:
        user_data(_need(item, "UserData", where, dict), item["Id"], where)
    if item["Type"] in VIDEO_TYPES:
        ticks = _need(item, "RunTimeTicks", where, int)
        if ticks <= 0:
            raise CheckFailed(f"{where}: RunTimeTicks {ticks} is not positive")
        if item.get("MediaType") != "Video":
            raise CheckFailed(f"{where}: MediaType {item.get('MediaType')!r}, expected 'Video'")
        _need(item, "VideoType", where, str)
        _need(item, "Container", where, str)
    if item["Type"] == "CollectionFolder":
        _need(item, "CollectionType", where, str)
    if item["Type"] == "Episode":
        for key in ("SeriesId", "SeasonId"):
            guid(_need(item, key, where, str), f"{where} {key}")
        _need(item, "SeriesName", where, str)
        _need(item, "IndexNumber", where, int)
        _need(item, "ParentIndexNumber", where, int)
    if item["Type"] == "Season":
        guid(_need(item, "SeriesId", where, str), f"{where} SeriesId")
        _need(item, "SeriesName", where, str)
        _need(item, "IndexNumber", where, int)
        if user_data_expected:
            _need(item["UserData"], "UnplayedItemCount", f"{where} UserData", int)
    if item["Type"] == "Series" and user_data_expected:
        _need(item["UserData"], "UnplayedItemCount", f"{where} UserData", int)


def media_stream(stream, where):
    """The keys Kodi (playutils.py) and mpv-shim index without defaults."""
    where = f"{where} MediaStream {stream.get('Index', '?')}"
    _need(stream, "Index", where, int)
    kind = _need(stream, "Type", where, str)
    _need(stream, "IsExternal", where, bool)
    _need(stream, "SupportsExternalStream", where, bool)
    if kind in ("Video", "Audio", "Subtitle"):
        _need(stream, "Codec", where, str)
        _need(stream, "DisplayTitle", where, str)
    if kind == "Video":
        _need(stream, "Width", where, int)
        _need(stream, "Height", where, int)
    if kind == "Audio":
        _need(stream, "Channels", where, int)
    if kind == "Subtitle":
        _need(stream, "IsTextSubtitleStream", where, bool)


def media_source(source, where, from_playback_info=False):
    """MediaSourceInfo fields read by web, Swiftfin, Kodi and mpv-shim."""
    where = f"{where} MediaSource {source.get('Id', '?')}"
    _need(source, "Id", where, str)
    _need(source, "Protocol", where, str)
    _need(source, "Container", where, str)
    _need(source, "Path", where, str)
    for key in ("SupportsDirectPlay", "SupportsDirectStream", "SupportsTranscoding",
                "IsRemote", "RequiresOpening"):
        _need(source, key, where, bool)
    _need(source, "RunTimeTicks", where, int)
    streams = _need(source, "MediaStreams", where, list)
    if not any(s.get("Type") == "Video" for s in streams):
        raise CheckFailed(f"{where}: no Video stream in MediaStreams")
    for stream in streams:
        media_stream(stream, where)
        if from_playback_info and stream.get("Type") == "Subtitle":
            _need(stream, "DeliveryMethod", f"{where} subtitle {stream.get('Index')}", str)
    if any(s.get("Type") == "Audio" for s in streams):
        _need(source, "DefaultAudioStreamIndex", where, int)
