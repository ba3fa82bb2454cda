//! Parsing of Jellyfin's client authorization header, in every form real clients send:
//! `MediaBrowser Client="…", Device="…", DeviceId="…", Version="…", Token="…"` with quoted or
//! unquoted values, URL-encoded values (the TypeScript SDK), any key order (Swiftfin), the
//! legacy `Emby` scheme, and the `X-Emby-Authorization` header.

use std::collections::HashMap;

/// What the client said about itself and the token it presented.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClientAuth {
    pub client: Option<String>,
    pub device: Option<String>,
    pub device_id: Option<String>,
    pub version: Option<String>,
    pub token: Option<String>,
}

/// Parses the value of an `Authorization` / `X-Emby-Authorization` header. `None` when the
/// scheme is not `MediaBrowser` or `Emby`.
pub fn parse_authorization(value: &str) -> Option<ClientAuth> {
    let value = value.trim();
    let (scheme, rest) = match value.split_once(char::is_whitespace) {
        Some((s, r)) => (s, r),
        None => (value, ""),
    };
    if !(scheme.eq_ignore_ascii_case("MediaBrowser") || scheme.eq_ignore_ascii_case("Emby")) {
        return None;
    }
    let parts = parse_parts(rest);
    let get = |key: &str| {
        parts
            .get(&key.to_ascii_lowercase())
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
    };
    Some(ClientAuth {
        client: get("Client"),
        device: get("Device"),
        device_id: get("DeviceId"),
        version: get("Version"),
        // The python client may send Token="None" after logging out.
        token: get("Token").filter(|t| t != "None" && t != "null"),
    })
}

/// `key=value` pairs split on commas outside quotes; quotes optional; values URL-decoded;
/// keys compared case-insensitively (lower-cased here).
fn parse_parts(s: &str) -> HashMap<String, String> {
    let mut out = HashMap::new();
    let mut pairs = Vec::new();
    let mut current = String::new();
    let mut quoted = false;
    for ch in s.chars() {
        match ch {
            '"' => {
                quoted = !quoted;
                current.push(ch);
            }
            ',' if !quoted => pairs.push(std::mem::take(&mut current)),
            _ => current.push(ch),
        }
    }
    pairs.push(current);
    for pair in pairs {
        let Some((key, value)) = pair.split_once('=') else {
            continue;
        };
        let key = key.trim().to_ascii_lowercase();
        let value = value.trim();
        let value = value
            .strip_prefix('"')
            .and_then(|v| v.strip_suffix('"'))
            .unwrap_or(value);
        out.insert(key, url_decode(value));
    }
    out
}

/// `WebUtility.UrlDecode`: `+` is a space, `%XX` a byte; malformed escapes stay as they are.
pub fn url_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
                match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    Some(b) => {
                        out.push(b);
                        i += 3;
                    }
                    None => {
                        out.push(b'%');
                        i += 1;
                    }
                }
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn quoted_web_form() {
        let a = parse_authorization(
            r#"MediaBrowser Client="Jellyfin Web", Device="Firefox", DeviceId="TW96aWxsYQ", Version="10.11.11", Token="abc123""#,
        )
        .unwrap();
        assert_eq!(a.client.as_deref(), Some("Jellyfin Web"));
        assert_eq!(a.device.as_deref(), Some("Firefox"));
        assert_eq!(a.device_id.as_deref(), Some("TW96aWxsYQ"));
        assert_eq!(a.version.as_deref(), Some("10.11.11"));
        assert_eq!(a.token.as_deref(), Some("abc123"));
    }

    #[test]
    fn unquoted_random_order_swiftfin() {
        let a = parse_authorization(
            "MediaBrowser Client=Swiftfin iOS, Token=tok, Version=1.3.1, DeviceId=iOS_784C, Device=iPhone",
        )
        .unwrap();
        assert_eq!(a.client.as_deref(), Some("Swiftfin iOS"));
        assert_eq!(a.token.as_deref(), Some("tok"));
        assert_eq!(a.device_id.as_deref(), Some("iOS_784C"));
    }

    #[test]
    fn url_encoded_sdk_and_empty_token() {
        let a = parse_authorization(
            r#"MediaBrowser Client="Jellyfin%20SDK", Device="Node%2Ejs", DeviceId="a%2Cb", Version="0.13.0", Token="""#,
        )
        .unwrap();
        assert_eq!(a.client.as_deref(), Some("Jellyfin SDK"));
        assert_eq!(a.device.as_deref(), Some("Node.js"));
        assert_eq!(a.device_id.as_deref(), Some("a,b"));
        assert_eq!(a.token, None);
    }

    #[test]
    fn emby_scheme_commas_in_quotes_and_odd_escapes() {
        let a = parse_authorization(r#"emby client="x=\"123,123\"", Token="None""#);
        assert!(a.is_some());
        assert_eq!(a.unwrap().token, None);
        let b = parse_authorization(r#"MediaBrowser Client="123,123", Device="%22%Hörbücher""#)
            .unwrap();
        assert_eq!(b.client.as_deref(), Some("123,123"));
        assert_eq!(b.device.as_deref(), Some("\"%Hörbücher"));
        assert!(parse_authorization("Bearer abc").is_none());
    }
}
