//! Content type classification: names + video signals + LLM, confidence, review queue.
//!
//! A file is a film, a TV episode or a home video (camera or phone footage). The naming module
//! reads what the path says; [`signals`] adds what the file itself says (ffprobe tags, rotation,
//! frame timing, shape, duration, tracks) as weighted evidence with a score; an LLM and other
//! sources (a TMDB miss) add theirs later, and low-confidence results go to a review queue with
//! the reasons attached.

pub mod signals;

#[cfg(test)]
mod generated_media_tests;
