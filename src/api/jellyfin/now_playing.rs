//! What each device is playing right now, from its playback reports (`/Sessions/Playing`,
//! `/Progress`, `/Stopped`), for `/Sessions` (`NowPlayingItem`, `PlayState`): jellyfin-web's
//! dashboard and remote control, and mpv-shim's session check, read it.
//!
//! Kept in memory only: it describes live connections, which a restart ends anyway. A device
//! that stops reporting without a stop (a crashed player) drops out after [`STALE_AFTER`].

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use super::query::{body_field, body_i64};

/// Players report progress every ~10 s; after this long without one the playback is gone.
const STALE_AFTER: Duration = Duration::from_secs(5 * 60);

/// One device's current playback.
#[derive(Debug, Clone, PartialEq)]
pub struct Playing {
    /// Catalog id of the item.
    pub item_id: String,
    pub position_ticks: Option<i64>,
    pub is_paused: bool,
    pub is_muted: bool,
    pub can_seek: bool,
    pub play_method: Option<String>,
    pub media_source_id: Option<String>,
    pub audio_stream_index: Option<i64>,
    pub subtitle_stream_index: Option<i64>,
    pub volume_level: Option<i64>,
    pub repeat_mode: Option<String>,
}

impl Playing {
    /// From a playback report body (`PlaybackStartInfo` / `PlaybackProgressInfo`), keys read
    /// case-insensitively.
    pub fn from_report(item_id: &str, body: &Value) -> Playing {
        let text = |name: &str| {
            body_field(body, name)
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
        };
        let int = |name: &str| body_i64(body, name);
        let flag = |name: &str| {
            body_field(body, name)
                .and_then(Value::as_bool)
                .unwrap_or(false)
        };
        Playing {
            item_id: item_id.to_string(),
            position_ticks: int("PositionTicks"),
            is_paused: flag("IsPaused"),
            is_muted: flag("IsMuted"),
            can_seek: flag("CanSeek"),
            play_method: text("PlayMethod"),
            media_source_id: text("MediaSourceId"),
            audio_stream_index: int("AudioStreamIndex"),
            subtitle_stream_index: int("SubtitleStreamIndex"),
            volume_level: int("VolumeLevel"),
            repeat_mode: text("RepeatMode"),
        }
    }

    /// Jellyfin's `PlayerStateInfo`.
    pub fn play_state(&self) -> Value {
        let mut state = json!({
            "CanSeek": self.can_seek,
            "IsPaused": self.is_paused,
            "IsMuted": self.is_muted,
            "RepeatMode": self.repeat_mode.as_deref().unwrap_or("RepeatNone"),
            "PlaybackOrder": "Default",
        });
        let fields = [
            ("PositionTicks", self.position_ticks.map(Value::from)),
            ("PlayMethod", self.play_method.clone().map(Value::from)),
            (
                "MediaSourceId",
                self.media_source_id.clone().map(Value::from),
            ),
            ("AudioStreamIndex", self.audio_stream_index.map(Value::from)),
            (
                "SubtitleStreamIndex",
                self.subtitle_stream_index.map(Value::from),
            ),
            ("VolumeLevel", self.volume_level.map(Value::from)),
        ];
        for (key, value) in fields {
            if let Some(v) = value {
                state[key] = v;
            }
        }
        state
    }
}

/// Current playbacks by device (catalog device id).
#[derive(Default)]
pub struct NowPlaying {
    by_device: Mutex<HashMap<String, (Playing, Instant)>>,
}

impl NowPlaying {
    /// A start or progress report.
    pub fn update(&self, device_id: &str, playing: Playing) {
        if let Ok(mut map) = self.by_device.lock() {
            map.insert(device_id.to_string(), (playing, Instant::now()));
        }
    }

    /// A stop report.
    pub fn stop(&self, device_id: &str) {
        if let Ok(mut map) = self.by_device.lock() {
            map.remove(device_id);
        }
    }

    /// What the device plays, unless its last report is too old.
    pub fn get(&self, device_id: &str) -> Option<Playing> {
        let mut map = self.by_device.lock().ok()?;
        map.retain(|_, (_, at)| at.elapsed() < STALE_AFTER);
        map.get(device_id).map(|(p, _)| p.clone())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn reports_fill_the_play_state() {
        let body = json!({"itemId": "x", "positionTicks": "1200", "IsPaused": true,
            "PlayMethod": "DirectPlay", "mediaSourceId": "abc", "CanSeek": true});
        let p = Playing::from_report("item", &body);
        assert_eq!(p.position_ticks, Some(1200));
        let state = p.play_state();
        assert_eq!(state["PositionTicks"], 1200);
        assert_eq!(state["IsPaused"], true);
        assert_eq!(state["CanSeek"], true);
        assert_eq!(state["PlayMethod"], "DirectPlay");
        assert_eq!(state["MediaSourceId"], "abc");
        assert_eq!(state["RepeatMode"], "RepeatNone");
        assert!(state.get("AudioStreamIndex").is_none());
    }

    #[test]
    fn a_stop_ends_the_playback() {
        let now = NowPlaying::default();
        now.update("dev", Playing::from_report("item", &json!({})));
        assert_eq!(now.get("dev").map(|p| p.item_id), Some("item".into()));
        assert!(now.get("other").is_none());
        now.stop("dev");
        assert!(now.get("dev").is_none());
    }
}
