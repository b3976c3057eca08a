//! The checks of media inputs: file names, MIME types, sizes, waveforms.

use crate::{config::S3Config, domain::validation::Checks};

/// The MIME types clients may upload (the seed's list), each with the extension its
/// object keys get.
pub const ALLOWED_MIME_TYPES: &[(&str, &str)] = &[
    ("image/jpeg", "jpg"),
    ("image/png", "png"),
    ("image/webp", "webp"),
    ("video/mp4", "mp4"),
    ("video/webm", "webm"),
    ("audio/mpeg", "mp3"),
    ("audio/ogg", "ogg"),
    ("audio/webm", "weba"),
    ("audio/wav", "wav"),
    ("application/pdf", "pdf"),
    ("application/zip", "zip"),
    ("text/plain", "txt"),
];

/// Longest file name kept, in characters.
pub const MAX_FILE_NAME_CHARS: usize = 255;
/// Most points a voice waveform may have (the `attachments_waveform_check` limit).
pub const MAX_WAVEFORM_POINTS: usize = 1024;

/// The last path component of a client's file name, without control characters,
/// trimmed, 1–255 characters.
pub(super) fn file_name(checks: &mut Checks, field: &str, raw: &str) -> String {
    let base = raw.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = base.chars().filter(|c| !c.is_control()).collect();
    let cleaned = match cleaned.trim() {
        "." | ".." => "",
        name => name,
    };
    checks.text(field, cleaned, MAX_FILE_NAME_CHARS)
}

/// An allowed MIME type (case-insensitive, no parameters) and its key extension.
pub(super) fn mime_type(
    checks: &mut Checks,
    field: &str,
    raw: &str,
) -> Option<(&'static str, &'static str)> {
    let wanted = raw.trim().to_ascii_lowercase();
    let found = ALLOWED_MIME_TYPES
        .iter()
        .find(|(mime, _)| *mime == wanted)
        .copied();
    if found.is_none() {
        let allowed: Vec<_> = ALLOWED_MIME_TYPES.iter().map(|(mime, _)| *mime).collect();
        checks.fail(field, format!("must be one of {}", allowed.join(", ")));
    }
    found
}

pub(super) fn file_size(checks: &mut Checks, field: &str, size: i64, config: &S3Config) {
    let max = config.max_upload_size_bytes;
    if !u64::try_from(size).is_ok_and(|size| (1..=max).contains(&size)) {
        checks.fail(field, format!("must be between 1 and {max} bytes"));
    }
}

/// At most [`MAX_WAVEFORM_POINTS`] points of 0–255.
pub(super) fn waveform(checks: &mut Checks, field: &str, points: &[i32]) -> Vec<i16> {
    if points.len() > MAX_WAVEFORM_POINTS {
        checks.fail(
            field,
            format!("must have at most {MAX_WAVEFORM_POINTS} points"),
        );
    } else if points.iter().any(|p| !(0..=255).contains(p)) {
        checks.fail(field, "every point must be between 0 and 255");
    }
    points
        .iter()
        .map(|p| i16::try_from((*p).clamp(0, 255)).unwrap_or_default())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::AppError;

    fn fields(checks: Checks) -> Vec<String> {
        match checks.finish() {
            Ok(()) => Vec::new(),
            Err(AppError::Validation(errors)) => errors.into_iter().map(|e| e.field).collect(),
            Err(other) => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn file_names_lose_their_directories_and_control_characters() {
        let mut checks = Checks::default();
        assert_eq!(file_name(&mut checks, "f", " photo.jpg "), "photo.jpg");
        assert_eq!(file_name(&mut checks, "f", "../../etc/passwd"), "passwd");
        assert_eq!(
            file_name(&mut checks, "f", "C:\\Users\\me\\cv.pdf"),
            "cv.pdf"
        );
        assert_eq!(file_name(&mut checks, "f", "a\u{0}b\nc.txt"), "abc.txt");
        assert_eq!(
            file_name(&mut checks, "f", "отчёт 2026.pdf"),
            "отчёт 2026.pdf"
        );
        assert!(fields(checks).is_empty());
        for bad in ["", "  ", "dir/", "..", "\u{7}"] {
            let mut checks = Checks::default();
            file_name(&mut checks, "fileName", bad);
            assert_eq!(fields(checks), ["fileName"], "{bad:?}");
        }
        let mut checks = Checks::default();
        file_name(&mut checks, "fileName", &"x".repeat(256));
        assert_eq!(fields(checks), ["fileName"]);
    }

    #[test]
    fn only_the_seeds_mime_types_are_allowed() {
        let mut checks = Checks::default();
        assert_eq!(
            mime_type(&mut checks, "fileType", " Image/JPEG "),
            Some(("image/jpeg", "jpg"))
        );
        assert_eq!(
            mime_type(&mut checks, "fileType", "audio/webm"),
            Some(("audio/webm", "weba"))
        );
        assert!(fields(checks).is_empty());
        for bad in ["image/gif", "text/html", "text/plain; charset=utf-8", ""] {
            let mut checks = Checks::default();
            assert_eq!(mime_type(&mut checks, "fileType", bad), None);
            assert_eq!(fields(checks), ["fileType"], "{bad:?}");
        }
    }

    #[test]
    fn waveforms_are_bounded_in_length_and_range() {
        let mut checks = Checks::default();
        assert_eq!(waveform(&mut checks, "w", &[0, 7, 255]), [0, 7, 255]);
        waveform(&mut checks, "w", &[0; MAX_WAVEFORM_POINTS]);
        assert!(fields(checks).is_empty());
        for bad in [vec![0; MAX_WAVEFORM_POINTS + 1], vec![256], vec![-1]] {
            let mut checks = Checks::default();
            waveform(&mut checks, "waveformPoints", &bad);
            assert_eq!(fields(checks), ["waveformPoints"]);
        }
    }
}
