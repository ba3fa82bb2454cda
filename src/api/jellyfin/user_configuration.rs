//! A user's `UserConfiguration` (audio and subtitle preferences, view order, auto-play…): what
//! the user saved, over Jellyfin's defaults. Only the spec's fields are kept, with their types
//! checked, so `UserDto.Configuration` always decodes in strict clients.

use serde_json::{Map, Value};

use super::ids::{from_wire, to_wire};
use super::query::body_field;
use crate::domain::User;

#[derive(Clone, Copy)]
enum Kind {
    Bool,
    /// A string; `null` (or absent) leaves the default.
    Text,
    /// A list of item ids, written in the 32-hex wire form.
    Ids,
    SubtitleMode,
}

/// The spec's `UserConfiguration` fields.
const FIELDS: &[(&str, Kind)] = &[
    ("AudioLanguagePreference", Kind::Text),
    ("PlayDefaultAudioTrack", Kind::Bool),
    ("SubtitleLanguagePreference", Kind::Text),
    ("DisplayMissingEpisodes", Kind::Bool),
    ("GroupedFolders", Kind::Ids),
    ("SubtitleMode", Kind::SubtitleMode),
    ("DisplayCollectionsView", Kind::Bool),
    ("EnableLocalPassword", Kind::Bool),
    ("OrderedViews", Kind::Ids),
    ("LatestItemsExcludes", Kind::Ids),
    ("MyMediaExcludes", Kind::Ids),
    ("HidePlayedInLatest", Kind::Bool),
    ("RememberAudioSelections", Kind::Bool),
    ("RememberSubtitleSelections", Kind::Bool),
    ("EnableNextEpisodeAutoPlay", Kind::Bool),
    ("CastReceiverId", Kind::Text),
];

const SUBTITLE_MODES: &[&str] = &["Default", "Always", "OnlyForced", "None", "Smart"];

/// Jellyfin's defaults for a new user (`MediaBrowser.Model/Configuration/UserConfiguration.cs`);
/// `AudioLanguagePreference` is null there, so absent here.
fn defaults() -> Map<String, Value> {
    let v = serde_json::json!({
        "PlayDefaultAudioTrack": true,
        "SubtitleLanguagePreference": "",
        "DisplayMissingEpisodes": false,
        "GroupedFolders": [],
        "SubtitleMode": "Default",
        "DisplayCollectionsView": false,
        "EnableLocalPassword": false,
        "OrderedViews": [],
        "LatestItemsExcludes": [],
        "MyMediaExcludes": [],
        "HidePlayedInLatest": true,
        "RememberAudioSelections": true,
        "RememberSubtitleSelections": true,
        "EnableNextEpisodeAutoPlay": true,
        "CastReceiverId": "F007D354",
    });
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

/// `UserDto.Configuration`: the defaults with the user's saved values on top.
pub fn for_user(u: &User) -> Value {
    let mut out = defaults();
    let saved = u
        .configuration_json
        .as_deref()
        .and_then(|j| serde_json::from_str::<Value>(j).ok());
    if let Some(Value::Object(saved)) = saved {
        for (name, _) in FIELDS {
            if let Some(v) = saved.get(*name).filter(|v| !v.is_null()) {
                out.insert((*name).to_string(), v.clone());
            }
        }
    }
    Value::Object(out)
}

/// A posted `UserConfiguration` (keys in any case) → the object to store: known fields only,
/// canonical names and values. Like Jellyfin, it replaces the whole configuration (fields left
/// out fall back to the defaults). `Err` names the first field with a value of the wrong type.
pub fn from_body(body: &Value) -> Result<Value, String> {
    if !body.is_object() {
        return Err("a UserConfiguration object is required".into());
    }
    let mut out = Map::new();
    for (name, kind) in FIELDS {
        let Some(v) = body_field(body, name) else {
            continue;
        };
        let bad = || format!("{name}: unexpected value");
        let value = match kind {
            Kind::Bool => Value::Bool(v.as_bool().ok_or_else(bad)?),
            Kind::Text => Value::String(v.as_str().ok_or_else(bad)?.to_string()),
            Kind::Ids => Value::Array(
                v.as_array()
                    .ok_or_else(bad)?
                    .iter()
                    .map(|id| {
                        id.as_str()
                            .and_then(from_wire)
                            .map(|id| Value::String(to_wire(&id)))
                            .ok_or_else(bad)
                    })
                    .collect::<Result<Vec<_>, _>>()?,
            ),
            Kind::SubtitleMode => {
                let raw = v.as_str().ok_or_else(bad)?;
                let mode = SUBTITLE_MODES
                    .iter()
                    .find(|m| m.eq_ignore_ascii_case(raw))
                    .ok_or_else(bad)?;
                Value::String((*mode).to_string())
            }
        };
        out.insert((*name).to_string(), value);
    }
    Ok(Value::Object(out))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn user(saved: Option<&str>) -> User {
        User {
            id: "u".into(),
            name: "u".into(),
            is_admin: false,
            is_disabled: false,
            created_at: 0,
            last_login_at: None,
            last_activity_at: None,
            configuration_json: saved.map(str::to_string),
        }
    }

    #[test]
    fn saved_values_override_defaults_and_unknown_keys_are_dropped() {
        let body = serde_json::json!({
            "subtitleLanguagePreference": "fre",
            "SubtitleMode": "always",
            "AudioLanguagePreference": "jpn",
            "PlayDefaultAudioTrack": false,
            "OrderedViews": ["5F0C1A3E-7B7E-4A5E-9A65-0D7C1F0E2B11"],
            "Bogus": 1,
        });
        let stored = from_body(&body).unwrap();
        assert!(stored.get("Bogus").is_none());
        let c = for_user(&user(Some(&stored.to_string())));
        assert_eq!(c["SubtitleLanguagePreference"], "fre");
        assert_eq!(c["SubtitleMode"], "Always");
        assert_eq!(c["AudioLanguagePreference"], "jpn");
        assert_eq!(c["PlayDefaultAudioTrack"], false);
        assert_eq!(
            c["OrderedViews"],
            serde_json::json!(["5f0c1a3e7b7e4a5e9a650d7c1f0e2b11"])
        );
        assert_eq!(c["EnableNextEpisodeAutoPlay"], true, "default kept");
        let fresh = for_user(&user(None));
        assert!(fresh.get("AudioLanguagePreference").is_none());
        assert_eq!(fresh["SubtitleMode"], "Default");
    }

    #[test]
    fn wrong_types_are_refused() {
        assert!(from_body(&serde_json::json!({"PlayDefaultAudioTrack": "yes"})).is_err());
        assert!(from_body(&serde_json::json!({"SubtitleMode": "Sometimes"})).is_err());
        assert!(from_body(&serde_json::json!({"OrderedViews": ["not-an-id"]})).is_err());
        assert!(from_body(&serde_json::json!([1])).is_err());
    }
}
