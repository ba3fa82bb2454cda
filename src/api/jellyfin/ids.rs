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

#[cfg(test)]
mod tests {
    use super::*;

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
