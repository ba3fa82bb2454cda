//! Language codes as they appear in containers (ISO 639-2/B or /T), in subtitle file names
//! (ISO 639-1, 639-2, or an English name: `Movie.en.srt`, `Movie.eng.srt`, `Movie.English.srt`)
//! and as Jellyfin shows them (English names).

/// The languages a library is most likely to carry: ISO 639-2/B first (what Jellyfin stores),
/// then the other codes it answers to, and its English name.
const LANGUAGES: &[(&[&str], &str)] = &[
    (&["eng", "en"], "English"),
    (&["fre", "fra", "fr"], "French"),
    (&["ger", "deu", "de"], "German"),
    (&["spa", "es"], "Spanish"),
    (&["ita", "it"], "Italian"),
    (&["jpn", "ja"], "Japanese"),
    (&["chi", "zho", "zh"], "Chinese"),
    (&["kor", "ko"], "Korean"),
    (&["rus", "ru"], "Russian"),
    (&["por", "pt"], "Portuguese"),
    (&["dut", "nld", "nl"], "Dutch"),
    (&["swe", "sv"], "Swedish"),
    (&["nor", "nob", "nno", "no", "nb", "nn"], "Norwegian"),
    (&["dan", "da"], "Danish"),
    (&["fin", "fi"], "Finnish"),
    (&["pol", "pl"], "Polish"),
    (&["cze", "ces", "cs"], "Czech"),
    (&["slo", "slk", "sk"], "Slovak"),
    (&["hun", "hu"], "Hungarian"),
    (&["gre", "ell", "el"], "Greek"),
    (&["tur", "tr"], "Turkish"),
    (&["ara", "ar"], "Arabic"),
    (&["heb", "he"], "Hebrew"),
    (&["hin", "hi"], "Hindi"),
    (&["tha", "th"], "Thai"),
    (&["vie", "vi"], "Vietnamese"),
    (&["ukr", "uk"], "Ukrainian"),
    (&["rum", "ron", "ro"], "Romanian"),
    (&["bul", "bg"], "Bulgarian"),
    (&["hrv", "hr"], "Croatian"),
    (&["srp", "sr"], "Serbian"),
    (&["slv", "sl"], "Slovenian"),
    (&["ind", "id"], "Indonesian"),
    (&["may", "msa", "ms"], "Malay"),
    (&["cat", "ca"], "Catalan"),
    (&["ice", "isl", "is"], "Icelandic"),
    (&["est", "et"], "Estonian"),
    (&["lav", "lv"], "Latvian"),
    (&["lit", "lt"], "Lithuanian"),
    (&["per", "fas", "fa"], "Persian"),
];

/// The English name of a language code (`eng`, `en`, `deu`…), if it is a known one.
pub fn name(code: &str) -> Option<&'static str> {
    let code = code.trim().to_ascii_lowercase();
    LANGUAGES
        .iter()
        .find(|(codes, _)| codes.contains(&code.as_str()))
        .map(|(_, name)| *name)
}

/// The ISO 639-2/B code for a token found in a file name: a code of any kind or an English
/// name, case-insensitively (`en`, `ENG`, `deu`, `English` → `eng`/`ger`). Short tokens that
/// are not codes (`hi` is Hindi, and also "hearing impaired") are the caller's to rule out.
pub fn from_token(token: &str) -> Option<&'static str> {
    let token = token.trim().to_ascii_lowercase();
    LANGUAGES
        .iter()
        .find(|(codes, name)| codes.contains(&token.as_str()) || name.eq_ignore_ascii_case(&token))
        .map(|(codes, _)| codes[0])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_names_map_to_the_bibliographic_code() {
        assert_eq!(from_token("en"), Some("eng"));
        assert_eq!(from_token("ENG"), Some("eng"));
        assert_eq!(from_token("deu"), Some("ger"));
        assert_eq!(from_token("German"), Some("ger"));
        assert_eq!(from_token("pt"), Some("por"));
        assert_eq!(from_token("forced"), None);
        assert_eq!(from_token("x"), None);
    }

    #[test]
    fn names_for_every_code_form() {
        assert_eq!(name("fra"), Some("French"));
        assert_eq!(name("fre"), Some("French"));
        assert_eq!(name("fr"), Some("French"));
        assert_eq!(name("tlh"), None);
    }
}
