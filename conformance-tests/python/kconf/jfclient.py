"""Builds jellyfin-apiclient-python clients the way jellyfin-mpv-shim and the Kodi add-on do:
one client connects to the address and logs in (its credentials are kept), then a fresh
client `authenticate()`s with those saved credentials (validating the token with
`GET system/info`) and `start()`s its HTTP session and WebSocket."""

import threading

from jellyfin_apiclient_python import JellyfinClient

from .http import CLIENT, DEVICE, VERSION

# A device profile like jellyfin-mpv-shim's get_profile(): direct play everything, HLS/TS
# transcoding to h264/aac, external and embedded text subtitles.
DIRECT_PLAY_PROFILE = {
    "Name": CLIENT,
    "MaxStreamingBitrate": 120_000_000,
    "MaxStaticBitrate": 120_000_000,
    "MusicStreamingTranscodingBitrate": 1_280_000,
    "TimelineOffsetSeconds": 5,
    "TranscodingProfiles": [
        {"Type": "Audio"},
        {"Container": "ts", "Type": "Video", "Protocol": "hls", "AudioCodec": "aac,mp3,ac3",
         "VideoCodec": "h264", "MaxAudioChannels": "8"},
        {"Container": "jpeg", "Type": "Photo"},
    ],
    "DirectPlayProfiles": [{"Type": "Video"}, {"Type": "Audio"}, {"Type": "Photo"}],
    "ResponseProfiles": [],
    "ContainerProfiles": [],
    "CodecProfiles": [],
    "SubtitleProfiles": [
        {"Format": "srt", "Method": "External"},
        {"Format": "srt", "Method": "Embed"},
        {"Format": "ass", "Method": "External"},
        {"Format": "ass", "Method": "Embed"},
    ],
}

# A client that can only direct-play WebM/VP9, so every library file needs HLS (remux or
# transcode) -- what a browser without MKV/H.264 support asks for.
HLS_ONLY_PROFILE = {
    "Name": CLIENT + " (HLS)",
    "MaxStreamingBitrate": 120_000_000,
    "MaxStaticBitrate": 120_000_000,
    "DirectPlayProfiles": [{"Container": "webm", "Type": "Video", "VideoCodec": "vp9",
                            "AudioCodec": "opus"}],
    "TranscodingProfiles": [
        {"Container": "ts", "Type": "Video", "Protocol": "hls", "AudioCodec": "aac",
         "VideoCodec": "h264", "Context": "Streaming", "MaxAudioChannels": "2",
         "MinSegments": "1", "BreakOnNonKeyFrames": True},
    ],
    "ContainerProfiles": [],
    "CodecProfiles": [],
    "SubtitleProfiles": [{"Format": "vtt", "Method": "External"}],
}

# mpv-shim's capabilities post (PlayableMediaTypes/SupportedCommands as arrays).
CAPABILITIES = {
    "PlayableMediaTypes": ["Video", "Audio"],
    "SupportsMediaControl": True,
    "SupportsPersistentIdentifier": True,
    "SupportedCommands": ["MoveUp", "MoveDown", "MoveLeft", "MoveRight", "Select", "Back",
                          "ToggleFullscreen", "GoHome", "GoToSettings", "DisplayMessage",
                          "SetAudioStreamIndex", "SetSubtitleStreamIndex", "Mute", "Unmute",
                          "SetVolume", "Play", "PlayState", "PlayNext", "PlayMediaSource"],
}

# The Kodi add-on's post (jellyfin_kodi/jellyfin/ws_client.py): comma strings, its spellings.
KODI_CAPABILITIES = {
    "PlayableMediaTypes": "Audio,Video",
    "SupportsMediaControl": True,
    "SupportedCommands": ("MoveUp,MoveDown,MoveLeft,MoveRight,Select,Back,ToggleContextMenu,"
                          "ToggleFullscreen,ToggleOsdMenu,GoHome,PageUp,NextLetter,GoToSearch,"
                          "GoToSettings,PageDown,PreviousLetter,TakeScreenshot,VolumeUp,"
                          "VolumeDown,ToggleMute,SendString,DisplayMessage,SetAudioStreamIndex,"
                          "SetSubtitleStreamIndex,SetRepeatMode,Mute,Unmute,SetVolume,"
                          "Play,Playstate,PlayNext,PlayMediaSource"),
}


def make_client(device_id: str) -> JellyfinClient:
    client = JellyfinClient(allow_multiple_clients=True)
    client.config.app(CLIENT, VERSION, DEVICE, device_id)
    client.config.data["http.user_agent"] = f"{CLIENT}/{VERSION}"
    client.config.data["auth.ssl"] = False
    return client


class WsRecorder:
    """Collects what the client's WebSocket delivers: raw frames (before the library handles
    ForceKeepAlive/KeepAlive itself) and the callbacks it raises."""

    def __init__(self):
        self.raw = []  # decoded JSON messages, in order
        self.events = []  # (event name, data) from client.callback
        self.changed = threading.Condition()

    def on_raw(self, message):
        import json
        try:
            decoded = json.loads(message)
        except ValueError:
            decoded = {"_undecodable": message}
        with self.changed:
            self.raw.append(decoded)
            self.changed.notify_all()

    def on_event(self, name, data):
        with self.changed:
            self.events.append((name, data))
            self.changed.notify_all()

    def wait_for(self, predicate, timeout: float):
        """The first value predicate() returns that is truthy, or None after timeout."""
        with self.changed:
            found = predicate()
            if not found:
                self.changed.wait_for(predicate, timeout)
                found = predicate()
            return found


def attach_recorder(client: JellyfinClient, recorder: WsRecorder) -> None:
    """Taps the client's WebSocket before it starts."""
    wsc = client.wsc
    original = wsc.on_message

    def spy(ws, message):
        recorder.on_raw(message)
        original(ws, message)

    wsc.on_message = spy  # WSClient.run() calls self.on_message through a lambda
    client.callback = recorder.on_event
