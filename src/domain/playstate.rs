//! Jellyfin's play-state rules (`UserDataManager.UpdatePlayState`, `SessionManager`
//! start/progress/stop, `MarkPlayed`/`MarkUnplayed` in 10.11), as pure functions.

use super::UserItemData;

/// Server defaults of Jellyfin 10.11 (`ServerConfiguration`).
pub const MIN_RESUME_PCT: f64 = 5.0;
pub const MAX_RESUME_PCT: f64 = 90.0;
pub const MIN_RESUME_DURATION_SECS: i64 = 300;
const TICKS_PER_SECOND: i64 = 10_000_000;

/// Applies a reported position. Returns whether the item now counts as played to completion.
/// A position in the first 5 % is forgotten; past 90 % (or within a second of the end) the item
/// is played; items shorter than five minutes never get a resume point (they are played); an
/// item with no known runtime is taken as played.
pub fn update_play_state(
    data: &mut UserItemData,
    position_ticks: i64,
    runtime_ticks: Option<i64>,
) -> bool {
    let runtime = runtime_ticks.unwrap_or(0);
    let mut position = position_ticks;
    let mut completed = false;
    if position > 0 && runtime > 0 {
        let pct = position as f64 / runtime as f64 * 100.0;
        if pct < MIN_RESUME_PCT {
            position = 0;
        } else if pct > MAX_RESUME_PCT
            || position >= runtime - TICKS_PER_SECOND
            || runtime / TICKS_PER_SECOND < MIN_RESUME_DURATION_SECS
        {
            // Near the end, or too short to resume: watched.
            position = 0;
            data.played = true;
            completed = true;
        }
    } else if runtime <= 0 {
        data.played = true;
        completed = true;
        position = 0;
    }
    data.playback_position_ticks = position;
    completed
}

/// Playback started: counted, dated, and no longer "played" until it ends again.
pub fn on_start(data: &mut UserItemData, now_ms: i64) {
    data.play_count += 1;
    data.last_played_at = Some(now_ms);
    data.played = false;
}

/// A progress report with a position.
pub fn on_progress(
    data: &mut UserItemData,
    position_ticks: i64,
    runtime_ticks: Option<i64>,
    now_ms: i64,
) {
    update_play_state(data, position_ticks, runtime_ticks);
    data.last_played_at = Some(now_ms);
}

/// Playback stopped. Without a position the client could not say how far it got: Jellyfin
/// assumes it was watched to the end.
pub fn on_stop(
    data: &mut UserItemData,
    position_ticks: Option<i64>,
    runtime_ticks: Option<i64>,
    now_ms: i64,
) {
    match position_ticks {
        Some(p) => {
            update_play_state(data, p, runtime_ticks);
        }
        None => {
            data.played = true;
            data.playback_position_ticks = 0;
        }
    }
    data.last_played_at = Some(now_ms);
}

pub fn mark_played(data: &mut UserItemData, at_ms: i64) {
    data.played = true;
    data.play_count += 1;
    data.last_played_at = Some(at_ms);
    data.playback_position_ticks = 0;
}

pub fn mark_unplayed(data: &mut UserItemData) {
    data.played = false;
    data.play_count = 0;
    data.last_played_at = None;
    data.playback_position_ticks = 0;
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIN: i64 = 60 * TICKS_PER_SECOND;

    #[test]
    fn resume_rules() {
        let film = Some(100 * MIN);
        let mut d = UserItemData::default();
        assert!(
            !update_play_state(&mut d, 2 * MIN, film),
            "2 % is forgotten"
        );
        assert_eq!((d.playback_position_ticks, d.played), (0, false));
        update_play_state(&mut d, 40 * MIN, film);
        assert_eq!((d.playback_position_ticks, d.played), (40 * MIN, false));
        assert!(
            update_play_state(&mut d, 95 * MIN, film),
            "past 90 % is played"
        );
        assert_eq!((d.playback_position_ticks, d.played), (0, true));
        let mut end = UserItemData::default();
        assert!(update_play_state(
            &mut end,
            100 * MIN - TICKS_PER_SECOND / 2,
            Some(100 * MIN)
        ));

        let clip = Some(2 * MIN);
        let mut short = UserItemData::default();
        assert!(
            update_play_state(&mut short, MIN, clip),
            "short items are played, not resumed"
        );
        assert_eq!((short.playback_position_ticks, short.played), (0, true));

        let mut unknown = UserItemData::default();
        assert!(
            update_play_state(&mut unknown, 10 * MIN, None),
            "no runtime: played"
        );
        assert!(unknown.played);
    }

    #[test]
    fn start_stop_and_marks() {
        let mut d = UserItemData::default();
        on_start(&mut d, 1_000);
        assert_eq!(
            (d.play_count, d.last_played_at, d.played),
            (1, Some(1_000), false)
        );
        on_progress(&mut d, 30 * MIN, Some(100 * MIN), 2_000);
        assert_eq!(d.playback_position_ticks, 30 * MIN);
        on_stop(&mut d, Some(50 * MIN), Some(100 * MIN), 3_000);
        assert_eq!(
            (d.playback_position_ticks, d.played, d.last_played_at),
            (50 * MIN, false, Some(3_000))
        );
        on_stop(&mut d, None, Some(100 * MIN), 4_000);
        assert_eq!(
            (d.playback_position_ticks, d.played),
            (0, true),
            "a stop without position counts as watched"
        );
        mark_unplayed(&mut d);
        assert_eq!(
            d,
            UserItemData {
                is_favorite: d.is_favorite,
                ..UserItemData::default()
            }
        );
        mark_played(&mut d, 5_000);
        assert_eq!(
            (d.played, d.play_count, d.last_played_at),
            (true, 1, Some(5_000))
        );
    }
}
