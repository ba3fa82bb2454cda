//! `KINORA_<SECTION>__<KEY>` environment overrides, applied onto the parsed TOML document
//! before it is deserialised, so an override is validated exactly like the file.

use super::ConfigError;

/// Environment variables that start with `KINORA_` but are not config keys.
const NOT_CONFIG: &[&str] = &["KINORA_CONFIG", "KINORA_LOG"];

/// Keys whose values are always text, even when they look like a number (`admin.password=1234`).
const TEXT_KEYS: &[&str] = &[
    "data_dir",
    "server.name",
    "server.bind",
    "database.url",
    "tools.ffprobe",
    "tools.ffmpeg",
    "admin.user",
    "admin.password",
    "web.jellyfin_web_dir",
    // A key or token of digits (and an `e`) would otherwise turn into a number.
    "tmdb.api_key",
    "tmdb.read_token",
    "tmdb.base_url",
    "tmdb.image_base_url",
    "tmdb.language",
];

/// Maps one environment variable name to a dotted config key, or `None` when it is not ours.
fn key_for(var: &str) -> Option<String> {
    let rest = var.strip_prefix("KINORA_")?;
    if NOT_CONFIG.contains(&var) || rest.starts_with("TEST_") {
        return None;
    }
    // Documented short forms for the first administrator.
    match rest {
        "ADMIN_USER" => return Some("admin.user".into()),
        "ADMIN_PASSWORD" => return Some("admin.password".into()),
        _ => {}
    }
    Some(
        rest.split("__")
            .map(str::to_ascii_lowercase)
            .collect::<Vec<_>>()
            .join("."),
    )
}

/// Turns the text of a variable into a TOML value: numbers, booleans and inline arrays/tables
/// are parsed as TOML; anything else (and every text key) stays a string.
fn value_for(key: &str, raw: &str) -> toml::Value {
    if TEXT_KEYS.contains(&key) {
        return toml::Value::String(raw.to_string());
    }
    let wrapped = format!("v = {raw}");
    match toml::from_str::<toml::Table>(&wrapped) {
        Ok(mut t) => t
            .remove("v")
            .unwrap_or_else(|| toml::Value::String(raw.to_string())),
        Err(_) => toml::Value::String(raw.to_string()),
    }
}

pub fn apply_env_overrides(
    doc: &mut toml::Table,
    env: &[(String, String)],
) -> Result<(), ConfigError> {
    let mut vars: Vec<&(String, String)> = env.iter().collect();
    vars.sort();
    for (var, raw) in vars {
        let Some(key) = key_for(var) else { continue };
        let parts: Vec<&str> = key.split('.').collect();
        let (last, sections) = match parts.split_last() {
            Some((last, sections)) if !last.is_empty() => (*last, sections),
            _ => {
                return Err(ConfigError::BadValue {
                    key: var.clone(),
                    message: "not a config key".into(),
                })
            }
        };
        let mut table = &mut *doc;
        for section in sections {
            let entry = table
                .entry(section.to_string())
                .or_insert_with(|| toml::Value::Table(toml::Table::new()));
            table = match entry {
                toml::Value::Table(t) => t,
                _ => {
                    return Err(ConfigError::BadValue {
                        key: var.clone(),
                        message: format!("{section} is not a section"),
                    })
                }
            };
        }
        table.insert(last.to_string(), value_for(&key, raw));
    }
    Ok(())
}
