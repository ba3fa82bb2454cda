//! Subtitles for Jellyfin clients (contract §7): text subtitle files next to a video are listed
//! as external `Subtitle` streams after the file's own streams (as Jellyfin numbers them), every
//! subtitle stream gets a `DeliveryMethod` decided against the client's `SubtitleProfiles`, and
//! `/Videos/{itemId}/{mediaSourceId}/Subtitles/{index}[/{startPositionTicks}]/Stream.{format}`
//! serves any text subtitle, external or embedded, converted to the format asked for.
//!
//! The subtitle route is anonymous, as in Jellyfin (players fetch `DeliveryUrl` without a
//! token); like the video stream it serves catalogued files only, found by ids.

use actix_web::http::header;
use actix_web::{web, HttpResponse};

use super::ids::{from_wire, to_wire};
use super::playback::{active_files, media_stream, DeviceProfile, MediaStreamDto};
use super::respond::JfError;
use crate::api::AppState;
use crate::db::media_files;
use crate::domain::{MediaFile, StreamInfo, StreamKind};
use crate::media::subtitles::{self, ExternalSubtitle, SubtitleFormat, SubtitleSource};

/// How a client can take subtitles: `{Format, Method}` from its `DeviceProfile`.
#[derive(Debug, Clone, Default)]
pub struct SubtitleProfile {
    /// `vtt`, `srt`, `subrip`, `ass`, `pgssub`… as sent.
    pub format: String,
    /// `Embed`, `External`, `Encode` or `Hls`.
    pub method: String,
}

/// The index the first external subtitle of a file gets: one past the file's own streams.
pub fn first_external_index(streams: &[&StreamInfo]) -> i32 {
    streams.iter().map(|s| s.index + 1).max().unwrap_or(0)
}

/// `MediaStream`s for the subtitle files next to a video, numbered from `first_index`.
pub fn external_streams(externals: &[ExternalSubtitle], first_index: i32) -> Vec<MediaStreamDto> {
    externals
        .iter()
        .zip(first_index..)
        .filter_map(|(sub, index)| {
            let info = StreamInfo {
                index,
                kind: Some(StreamKind::Subtitle),
                codec: Some(sub.format.codec().to_string()),
                language: sub.language.clone(),
                title: sub.title.clone(),
                is_default: sub.is_default,
                is_forced: sub.is_forced,
                ..StreamInfo::default()
            };
            let mut dto = media_stream(&info, &[])?;
            dto.is_external = true;
            dto.is_hearing_impaired = sub.is_hearing_impaired;
            dto.path = Some(sub.path.to_string_lossy().into_owned());
            Some(dto)
        })
        .collect()
}

/// Sets `DeliveryMethod` (and `DeliveryUrl` for `External`) on every subtitle stream, the way
/// Jellyfin's `StreamBuilder` picks a subtitle profile for direct play:
///
/// * no `SubtitleProfiles` (or no profile): embedded subtitles travel in the file, files are
///   fetched as they are;
/// * an embedded subtitle whose format the client renders from the container stays `Embed`;
/// * a text subtitle, embedded or a file, is `External` in the client's own format when it
///   lists one for `External` (its own format first, else the first one Kinora can write);
/// * anything else needs burning in: `Encode`.
pub fn set_delivery(
    streams: &mut [MediaStreamDto],
    profile: Option<&DeviceProfile>,
    item_id: &str,
    source_id: &str,
) {
    let profiles = profile.map_or(&[][..], |p| p.subtitle_profiles.as_slice());
    for s in streams.iter_mut().filter(|s| s.kind == "Subtitle") {
        let own = s.codec.as_deref().and_then(SubtitleFormat::parse);
        let delivery = if profiles.is_empty() {
            if s.is_external {
                own.map(Delivery::External)
            } else {
                Some(Delivery::Embed)
            }
        } else {
            decide(profiles, s, own)
        };
        let (method, url) = match delivery {
            Some(Delivery::Embed) => ("Embed", None),
            Some(Delivery::External(format)) => (
                "External",
                Some(format!(
                    "/Videos/{item_id}/{source_id}/Subtitles/{}/0/Stream.{}",
                    s.index,
                    format.extension()
                )),
            ),
            None => ("Encode", None),
        };
        s.delivery_method = Some(method);
        s.is_external_url = url.as_ref().map(|_| false);
        s.delivery_url = url;
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Delivery {
    Embed,
    External(SubtitleFormat),
}

fn decide(
    profiles: &[SubtitleProfile],
    s: &MediaStreamDto,
    own: Option<SubtitleFormat>,
) -> Option<Delivery> {
    fn with_method<'a>(
        profiles: &'a [SubtitleProfile],
        method: &'a str,
    ) -> impl Iterator<Item = &'a SubtitleProfile> {
        profiles
            .iter()
            .filter(move |p| p.method.eq_ignore_ascii_case(method))
    }
    if !s.is_external {
        let codec = s.codec.as_deref().unwrap_or_default();
        let embeddable = with_method(profiles, "Embed").any(|p| {
            p.format.split(',').any(|f| {
                f.trim().eq_ignore_ascii_case(codec)
                    || (own.is_some() && SubtitleFormat::parse(f) == own)
            })
        });
        if embeddable {
            return Some(Delivery::Embed);
        }
    }
    if !s.is_text_subtitle_stream {
        return None;
    }
    let external: Vec<SubtitleFormat> = with_method(profiles, "External")
        .flat_map(|p| p.format.split(',').filter_map(SubtitleFormat::parse))
        .collect();
    own.filter(|f| external.contains(f))
        .or_else(|| external.first().copied())
        .map(Delivery::External)
}

/// The subtitle files next to a media file (listed off the async workers).
pub async fn externals_of(file: &MediaFile) -> Vec<ExternalSubtitle> {
    let path = file.path.clone();
    tokio::task::spawn_blocking(move || subtitles::find_external(&path))
        .await
        .unwrap_or_else(|e| {
            tracing::warn!(error = %e, "subtitle listing task failed");
            Vec::new()
        })
}

/// `GET /Videos/{itemId}/{mediaSourceId}/Subtitles/{index}/Stream.{format}`.
pub async fn get_subtitle(
    state: web::Data<AppState>,
    path: web::Path<(String, String, i32, String)>,
) -> Result<HttpResponse, JfError> {
    let (item, source, index, format) = path.into_inner();
    serve(&state, &item, &source, index, &format).await
}

/// `GET /Videos/{itemId}/{mediaSourceId}/Subtitles/{index}/{startPositionTicks}/Stream.{format}`.
/// The start position only matters for a transcode that starts late; a direct-played file
/// starts at 0, so the subtitle is served whole.
pub async fn get_subtitle_with_ticks(
    state: web::Data<AppState>,
    path: web::Path<(String, String, i32, i64, String)>,
) -> Result<HttpResponse, JfError> {
    let (item, source, index, _ticks, format) = path.into_inner();
    serve(&state, &item, &source, index, &format).await
}

async fn serve(
    state: &AppState,
    raw_item: &str,
    raw_source: &str,
    index: i32,
    raw_format: &str,
) -> Result<HttpResponse, JfError> {
    let format = SubtitleFormat::parse(raw_format).ok_or_else(|| {
        JfError::BadRequest(format!("unsupported subtitle format {raw_format:?}"))
    })?;
    let item_id = from_wire(raw_item).ok_or(JfError::NotFound)?;
    let source_id = from_wire(raw_source).ok_or(JfError::NotFound)?;
    let files = active_files(state, &item_id).await?;
    // The item's own id stands for its default (first) version.
    let file = files
        .iter()
        .find(|f| f.id == source_id)
        .or_else(|| (source_id == item_id).then(|| files.first()).flatten())
        .ok_or(JfError::NotFound)?;
    let stored = media_files::streams_for(&state.catalog, std::slice::from_ref(&file.id)).await?;
    let infos: Vec<&StreamInfo> = stored.iter().map(|s| &s.info).collect();

    let externals;
    let source = if let Some(embedded) = infos.iter().find(|s| s.index == index) {
        let text = media_stream(embedded, &[]).is_some_and(|d| d.is_text_subtitle_stream);
        if embedded.kind != Some(StreamKind::Subtitle) || !text {
            return Err(JfError::NotFound);
        }
        SubtitleSource::Embedded {
            video: &file.path,
            index,
        }
    } else {
        externals = externals_of(file).await;
        let offset =
            usize::try_from(index - first_external_index(&infos)).map_err(|_| JfError::NotFound)?;
        let sub = externals.get(offset).ok_or(JfError::NotFound)?;
        SubtitleSource::File {
            path: &sub.path,
            format: sub.format,
        }
    };
    let tools = &state.config.tools;
    let bytes = subtitles::render(
        &tools.ffmpeg,
        std::time::Duration::from_secs(tools.timeout_secs.max(120)),
        &state.config.data_dir.join("subtitle-cache"),
        source,
        format,
    )
    .await
    .map_err(|e| {
        tracing::warn!(item = %item_id, source = %to_wire(&file.id), index, error = %e,
            "subtitle not served");
        JfError::Internal(e.to_string())
    })?;
    Ok(HttpResponse::Ok()
        .content_type(format.content_type())
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .body(bytes))
}

/// Registers the subtitle routes (lower-case; the wire middleware folds request paths).
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route(
        "/videos/{item_id}/{media_source_id}/subtitles/{index}/stream.{format}",
        web::get().to(get_subtitle),
    );
    cfg.route(
        "/videos/{item_id}/{media_source_id}/subtitles/{index}/{ticks}/stream.{format}",
        web::get().to(get_subtitle_with_ticks),
    );
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    fn sub(index: i32, codec: &str, external: bool) -> MediaStreamDto {
        let info = StreamInfo {
            index,
            kind: Some(StreamKind::Subtitle),
            codec: Some(codec.into()),
            ..StreamInfo::default()
        };
        let mut dto = media_stream(&info, &[]).unwrap();
        dto.is_external = external;
        dto
    }

    fn profile(pairs: &[(&str, &str)]) -> DeviceProfile {
        DeviceProfile {
            subtitle_profiles: pairs
                .iter()
                .map(|(f, m)| SubtitleProfile {
                    format: (*f).into(),
                    method: (*m).into(),
                })
                .collect(),
            ..DeviceProfile::default()
        }
    }

    #[test]
    fn without_profiles_files_are_external_and_embedded_stay_embedded() {
        let mut streams = vec![sub(2, "subrip", false), sub(3, "ass", true)];
        set_delivery(&mut streams, None, "it", "src");
        assert_eq!(streams[0].delivery_method, Some("Embed"));
        assert_eq!(streams[0].delivery_url, None);
        assert_eq!(streams[1].delivery_method, Some("External"));
        assert_eq!(
            streams[1].delivery_url.as_deref(),
            Some("/Videos/it/src/Subtitles/3/0/Stream.ass")
        );
    }

    #[test]
    fn a_browser_gets_vtt_for_text_and_encode_for_bitmaps() {
        // jellyfin-web: vtt/ass/ssa External, no Embed.
        let web = profile(&[
            ("vtt", "External"),
            ("ass", "External"),
            ("ssa", "External"),
        ]);
        let mut streams = vec![
            sub(2, "subrip", false),
            sub(3, "hdmv_pgs_subtitle", false),
            sub(4, "ass", true),
            sub(5, "subrip", true),
        ];
        set_delivery(&mut streams, Some(&web), "it", "src");
        assert_eq!(
            streams[0].delivery_url.as_deref(),
            Some("/Videos/it/src/Subtitles/2/0/Stream.vtt")
        );
        assert_eq!(streams[1].delivery_method, Some("Encode"));
        assert_eq!(
            streams[2].delivery_url.as_deref(),
            Some("/Videos/it/src/Subtitles/4/0/Stream.ass"),
            "a format the client takes as it is stays as it is"
        );
        assert_eq!(
            streams[3].delivery_url.as_deref(),
            Some("/Videos/it/src/Subtitles/5/0/Stream.vtt")
        );
    }

    #[test]
    fn an_embed_profile_keeps_embedded_subtitles_in_the_file() {
        let kodi = profile(&[("srt", "Embed"), ("srt", "External"), ("pgssub", "Embed")]);
        let mut streams = vec![sub(2, "subrip", false), sub(3, "pgssub", false)];
        set_delivery(&mut streams, Some(&kodi), "it", "src");
        assert_eq!(streams[0].delivery_method, Some("Embed"));
        assert_eq!(streams[1].delivery_method, Some("Embed"));
    }

    #[test]
    fn external_streams_follow_the_files_streams() {
        let externals = vec![ExternalSubtitle {
            path: "/m/Film.en.forced.srt".into(),
            format: SubtitleFormat::Srt,
            language: Some("eng".into()),
            title: None,
            is_default: false,
            is_forced: true,
            is_hearing_impaired: false,
        }];
        let video = StreamInfo {
            index: 0,
            kind: Some(StreamKind::Video),
            ..StreamInfo::default()
        };
        let audio = StreamInfo {
            index: 1,
            kind: Some(StreamKind::Audio),
            ..StreamInfo::default()
        };
        let first = first_external_index(&[&video, &audio]);
        assert_eq!(first, 2);
        let dtos = external_streams(&externals, first);
        assert_eq!(dtos.len(), 1);
        let s = &dtos[0];
        assert_eq!((s.index, s.kind, s.is_external), (2, "Subtitle", true));
        assert_eq!(s.codec.as_deref(), Some("subrip"));
        assert_eq!(s.language.as_deref(), Some("eng"));
        assert!(s.is_forced && s.is_text_subtitle_stream && s.supports_external_stream);
        assert_eq!(s.path.as_deref(), Some("/m/Film.en.forced.srt"));
        assert_eq!(s.display_title, "English - Forced - SUBRIP");
    }
}
