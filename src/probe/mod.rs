//! ffprobe and keyframe thumbnails.
