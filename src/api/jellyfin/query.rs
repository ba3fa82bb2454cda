//! Query strings the Jellyfin way: names case-insensitive (`UserId`, `userId`, `userid`), list
//! parameters as `a,b` or repeated keys, a whole query URL-encoded as one key decoded.

use super::auth_header::url_decode;

#[derive(Debug, Clone, Default)]
pub struct JfQuery {
    /// (lower-case name, decoded value), in order.
    pairs: Vec<(String, String)>,
}

impl JfQuery {
    pub fn parse(raw: &str) -> JfQuery {
        let mut pairs = Vec::new();
        collect(raw, &mut pairs, 0);
        JfQuery { pairs }
    }

    /// The first value of `name`, if present and not empty.
    pub fn get(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.pairs
            .iter()
            .find(|(k, v)| *k == name && !v.is_empty())
            .map(|(_, v)| v.as_str())
    }

    /// Every value of `name`, each also split on commas; empty entries dropped.
    pub fn list(&self, name: &str) -> Vec<String> {
        let name = name.to_ascii_lowercase();
        self.pairs
            .iter()
            .filter(|(k, _)| *k == name)
            .flat_map(|(_, v)| v.split(','))
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect()
    }

    /// Every value of `name`, each split on `|` (Jellyfin's pipe-delimited parameters:
    /// `Genres`, `OfficialRatings`, `Studios`, whose values may hold commas).
    pub fn pipe_list(&self, name: &str) -> Vec<String> {
        let name = name.to_ascii_lowercase();
        self.pairs
            .iter()
            .filter(|(k, _)| *k == name)
            .flat_map(|(_, v)| v.split('|'))
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect()
    }

    pub fn bool(&self, name: &str) -> Option<bool> {
        self.get(name)
            .and_then(|v| match v.to_ascii_lowercase().as_str() {
                "true" | "1" => Some(true),
                "false" | "0" => Some(false),
                _ => None,
            })
    }

    /// Numbers are accepted as written; garbage reads as absent (Jellyfin binds it to null).
    pub fn i64(&self, name: &str) -> Option<i64> {
        self.get(name).and_then(|v| v.trim().parse().ok())
    }

    pub fn has(&self, name: &str) -> bool {
        self.get(name).is_some()
    }
}

/// A key of a JSON request body, ignoring case (`Username`/`username`, `Pw`/`pw`: request
/// bodies are read case-insensitively, as ASP.NET does); `null` counts as absent.
pub fn body_field<'a>(body: &'a serde_json::Value, name: &str) -> Option<&'a serde_json::Value> {
    body.as_object()?
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v)
        .filter(|v| !v.is_null())
}

/// A number in a request body; numbers may arrive as strings (Jellyfin reads them with
/// `AllowReadingFromString`).
pub fn json_i64(v: &serde_json::Value) -> Option<i64> {
    match v {
        serde_json::Value::Number(n) => n.as_i64().or_else(|| n.as_f64().map(|f| f as i64)),
        serde_json::Value::String(s) => {
            let s = s.trim();
            s.parse::<i64>()
                .ok()
                .or_else(|| s.parse::<f64>().ok().map(|f| f as i64))
        }
        _ => None,
    }
}

/// [`json_i64`] of a body field, read case-insensitively.
pub fn body_i64(body: &serde_json::Value, name: &str) -> Option<i64> {
    body_field(body, name).and_then(json_i64)
}

fn collect(raw: &str, out: &mut Vec<(String, String)>, depth: u8) {
    for part in raw.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = part.split_once('=').unwrap_or((part, ""));
        let key = url_decode(k);
        // `a%3D1%26b%3D2` as a single key is a whole encoded query string.
        if v.is_empty() && depth == 0 && key.contains('=') {
            collect(&key, out, depth + 1);
            continue;
        }
        out.push((key.trim().to_ascii_lowercase(), url_decode(v)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_ignore_case_and_lists_take_both_forms() {
        let q = JfQuery::parse("UserId=abc&fields=A,B&Fields=C&IncludeItemTypes=Movie&includeItemTypes=Series&Limit=5&Recursive=true&SearchTerm=big%20buck");
        assert_eq!(q.get("userid"), Some("abc"));
        assert_eq!(q.get("USERID"), Some("abc"));
        assert_eq!(q.list("Fields"), vec!["A", "B", "C"]);
        assert_eq!(q.list("includeitemtypes"), vec!["Movie", "Series"]);
        assert_eq!(q.i64("limit"), Some(5));
        assert_eq!(q.bool("recursive"), Some(true));
        assert_eq!(q.get("searchTerm"), Some("big buck"));
        assert_eq!(q.get("missing"), None);
        let q = JfQuery::parse("Genres=Action%20%26%20Adventure|Drama,%20Crime&genres=War");
        assert_eq!(
            q.pipe_list("Genres"),
            vec!["Action & Adventure", "Drama, Crime", "War"]
        );
    }

    #[test]
    fn whole_query_encoded_as_one_key() {
        let q = JfQuery::parse("ParentId%3D12%26Limit%3D3");
        assert_eq!(q.get("parentid"), Some("12"));
        assert_eq!(q.i64("limit"), Some(3));
    }
}
