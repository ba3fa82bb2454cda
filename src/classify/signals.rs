//! TEMPORARY STUB (replaced by wip-signals on merge).
use crate::domain::MediaInfo;
pub struct Signal {
    pub name: &'static str,
    pub weight: f32,
    pub detail: String,
}
#[derive(Default)]
pub struct VideoSignals {
    pub signals: Vec<Signal>,
}
impl VideoSignals {
    pub fn add(&mut self, s: Signal) {
        self.signals.push(s)
    }
    pub fn home_video_score(&self) -> f32 {
        let w: f32 = self.signals.iter().map(|s| s.weight).sum();
        1.0 / (1.0 + (-w).exp())
    }
    pub fn reasons(&self) -> Vec<String> {
        self.signals.iter().map(|s| s.detail.clone()).collect()
    }
}
pub fn collect(file_name: &str, info: Option<&MediaInfo>) -> VideoSignals {
    let mut s = VideoSignals::default();
    if file_name.starts_with("IMG_") {
        s.add(Signal {
            name: "camera_name",
            weight: 3.0,
            detail: "camera-style name".into(),
        });
    }
    if let Some(i) = info {
        if i.camera_make.is_some() {
            s.add(Signal {
                name: "camera_make",
                weight: 3.0,
                detail: "camera make".into(),
            });
        }
    }
    s
}
