//! Content type classification: what every file is (movie, TV episode, home video, extra),
//! which title, which episode, and how sure Kinora is. Pure decisions over what the name
//! (`naming`), the video (`signals`) and, for doubtful cases, an LLM say; the `classify` job
//! (`workers::classify`) gathers the inputs and stores the outcome, and everything below the
//! configured confidence goes to the review queue.
//!
//! - `signals`: evidence from the file name and ffprobe for home video vs produced content;
//! - `decide`: name + library kind + signals → a verdict with a confidence and reasons;
//! - `corrections`: a person's corrections and acceptances applied over any verdict;
//! - `llm_input`: the facts sent to the `classify` LLM task and how its answer is read.

pub mod corrections;
pub mod decide;
pub mod llm_input;
pub mod signals;

#[cfg(test)]
mod generated_media_tests;

pub use decide::{decide, Verdict};

use crate::naming::ParsedKind;

/// The kind's name on the wire and in the catalog's field sources.
pub fn kind_name(kind: ParsedKind) -> &'static str {
    match kind {
        ParsedKind::Movie => "movie",
        ParsedKind::Episode => "episode",
        ParsedKind::Video => "home_video",
        ParsedKind::Extra => "extra",
    }
}

/// Reads a kind's wire name (`video` is accepted for `home_video`, as `/api/v1/items` names it).
pub fn parse_kind(name: &str) -> Option<ParsedKind> {
    Some(match name {
        "movie" => ParsedKind::Movie,
        "episode" => ParsedKind::Episode,
        "home_video" | "video" => ParsedKind::Video,
        "extra" => ParsedKind::Extra,
        _ => return None,
    })
}
