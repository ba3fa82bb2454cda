//! Jellyfin's GUID wire form: 32 lower-case hex digits out; any `Guid.Parse` form in.

/// Catalog id (dashed UUID) → wire id (`N` format).
pub fn to_wire(id: &str) -> String {
    id.chars()
        .filter(|c| *c != '-')
        .flat_map(char::to_lowercase)
        .collect()
}

/// Wire id in any common form (32 hex, dashed, braced, upper case) → catalog id.
pub fn from_wire(raw: &str) -> Option<String> {
    let trimmed = raw.trim().trim_start_matches('{').trim_end_matches('}');
    uuid::Uuid::parse_str(trimmed).ok().map(|u| u.to_string())
}

/// What a name-derived id names: its kind is part of the hashed name, so a genre and a studio
/// called the same get different ids.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameKind {
    Genre,
    Studio,
    Person,
}

/// Namespace of Kinora's name-derived ids (a fixed random UUID; never change it, clients keep
/// these ids in their caches and URLs).
const NAME_NAMESPACE: uuid::Uuid = uuid::Uuid::from_u128(0x6b1f_3c2a_9d4e_4f7b_8a1c_2e5d_7f90_3b64);

/// Wire id of a genre, studio or person: Jellyfin derives these from the name (they are not
/// catalog rows), and so does Kinora, as a UUID v5 (RFC 9562: SHA-1 of [`NAME_NAMESPACE`] and
/// `"{kind}:{name}"`, the name trimmed and lower-cased, since Jellyfin treats `Sci-Fi` and
/// `sci-fi` as one genre). Stable across restarts, catalogs and machines.
pub fn name_id(kind: NameKind, name: &str) -> String {
    use sha1::{Digest, Sha1};
    let kind = match kind {
        NameKind::Genre => "genre",
        NameKind::Studio => "studio",
        NameKind::Person => "person",
    };
    let mut hasher = Sha1::new();
    hasher.update(NAME_NAMESPACE.as_bytes());
    hasher.update(format!("{kind}:{}", name.trim().to_lowercase()).as_bytes());
    let digest = hasher.finalize();
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    uuid::Builder::from_sha1_bytes(bytes)
        .into_uuid()
        .simple()
        .to_string()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn name_ids_are_v5_stable_and_case_blind() {
        let drama = name_id(NameKind::Genre, "Drama");
        assert_eq!(drama.len(), 32);
        assert_eq!(drama, name_id(NameKind::Genre, " drama "));
        assert_ne!(drama, name_id(NameKind::Studio, "Drama"));
        assert_ne!(drama, name_id(NameKind::Genre, "Comedy"));
        let parsed = uuid::Uuid::parse_str(&drama).unwrap();
        assert_eq!(parsed.get_version_num(), 5);
    }

    #[test]
    fn round_trips_every_form() {
        let catalog = "5f0c1a3e-7b7e-4a5e-9a65-0d7c1f0e2b11";
        assert_eq!(to_wire(catalog), "5f0c1a3e7b7e4a5e9a650d7c1f0e2b11");
        for form in [
            "5f0c1a3e7b7e4a5e9a650d7c1f0e2b11",
            "5F0C1A3E-7B7E-4A5E-9A65-0D7C1F0E2B11",
            "{5f0c1a3e-7b7e-4a5e-9a65-0d7c1f0e2b11}",
        ] {
            assert_eq!(from_wire(form).as_deref(), Some(catalog), "{form}");
        }
        assert_eq!(from_wire("../etc/passwd"), None);
    }
}
