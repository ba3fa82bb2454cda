//! `[tmdb]`: The Movie Database (API v3), the first metadata source after a person's own
//! edits and NFOs (DESIGN.md, "Metadata priority").

use serde::{Deserialize, Serialize};

use super::{bad, ConfigError};

/// A credential from the config file or the environment. Its `Debug` form never shows it, so a
/// `{:?}` of the config (or of anything holding one) cannot leak it into a log; serialising
/// writes the value, which is why `to_masked_toml` replaces it first.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }

    /// The value itself, for the one place that sends it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(********)")
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TmdbConfig {
    /// The v3 API key, sent as the `api_key` query parameter. Unset (and no `read_token`):
    /// TMDB is skipped and items say why.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub api_key: Option<Secret>,
    /// The v4 "API Read Access Token", sent as `Authorization: Bearer …`; preferred over
    /// `api_key` when both are set (it stays out of URLs).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub read_token: Option<Secret>,
    /// Without `/3`: a proxy or a test server may stand in for TMDB.
    pub base_url: String,
    /// Where images are fetched from: base + size (`w500`, `original`) + file path.
    pub image_base_url: String,
    /// Language of titles and overviews, `xx` or `xx-YY`; the region (`US`) also picks the
    /// country whose age rating is used.
    pub language: String,
    /// How long a TMDB answer is reused from the catalog before it is asked again.
    pub cache_ttl_hours: u64,
    /// Requests to TMDB at once.
    pub max_concurrent: usize,
    /// Seconds before one request is abandoned.
    pub timeout_secs: u64,
}

impl Default for TmdbConfig {
    fn default() -> Self {
        TmdbConfig {
            api_key: None,
            read_token: None,
            base_url: "https://api.themoviedb.org".into(),
            image_base_url: "https://image.tmdb.org/t/p/".into(),
            language: "en-US".into(),
            cache_ttl_hours: 168,
            max_concurrent: 4,
            timeout_secs: 20,
        }
    }
}

impl TmdbConfig {
    /// Whether a credential is set (an empty string counts as unset: an env override set to
    /// nothing turns TMDB off).
    pub fn is_configured(&self) -> bool {
        self.credential_set(&self.api_key) || self.credential_set(&self.read_token)
    }

    fn credential_set(&self, s: &Option<Secret>) -> bool {
        s.as_ref().is_some_and(|s| !s.expose().trim().is_empty())
    }

    /// The region of `language` (`en-US` → `US`), else `US`: whose age ratings are used.
    pub fn certification_country(&self) -> String {
        self.language
            .split_once('-')
            .map(|(_, region)| region.to_ascii_uppercase())
            .unwrap_or_else(|| "US".to_string())
    }

    pub(super) fn validate(&self) -> Result<(), ConfigError> {
        for (key, url) in [
            ("tmdb.base_url", &self.base_url),
            ("tmdb.image_base_url", &self.image_base_url),
        ] {
            if !(url.starts_with("http://") || url.starts_with("https://")) {
                return Err(bad(key, "must start with http:// or https://"));
            }
        }
        if !language_tag_ok(&self.language) {
            return Err(bad(
                "tmdb.language",
                "must be a language code such as en or en-US",
            ));
        }
        if self.cache_ttl_hours < 1 {
            return Err(bad("tmdb.cache_ttl_hours", "must be at least 1"));
        }
        if self.max_concurrent < 1 {
            return Err(bad("tmdb.max_concurrent", "must be at least 1"));
        }
        if self.timeout_secs < 1 {
            return Err(bad("tmdb.timeout_secs", "must be at least 1"));
        }
        for (key, secret) in [
            ("tmdb.api_key", &self.api_key),
            ("tmdb.read_token", &self.read_token),
        ] {
            // Sent in a query string or a header: whitespace or control characters would
            // break the request. The message never echoes the value.
            if let Some(s) = secret {
                let v = s.expose();
                // Blank counts as unset (see `is_configured`), not as a broken credential.
                let blank = v.trim().is_empty();
                if !blank && v.chars().any(|c| c.is_whitespace() || c.is_control()) {
                    return Err(bad(key, "must not contain spaces or control characters"));
                }
            }
        }
        Ok(())
    }
}

/// `en`, `en-US`, `pt-BR`: what TMDB's `language` parameter takes.
fn language_tag_ok(tag: &str) -> bool {
    let (lang, region) = match tag.split_once('-') {
        Some((l, r)) => (l, Some(r)),
        None => (tag, None),
    };
    let lang_ok = lang.len() == 2 && lang.chars().all(|c| c.is_ascii_lowercase());
    let region_ok =
        region.is_none_or(|r| r.len() == 2 && r.chars().all(|c| c.is_ascii_alphabetic()));
    lang_ok && region_ok
}
