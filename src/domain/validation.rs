//! Input rules shared by every adapter (GraphQL and REST validate the same way).

use crate::error::{AppError, AppResult, FieldError};

/// Collects field errors so one response names every bad field.
#[derive(Default)]
pub struct Checks(Vec<FieldError>);

impl Checks {
    pub fn fail(&mut self, field: &str, message: impl Into<String>) {
        self.0.push(FieldError {
            field: field.to_owned(),
            message: message.into(),
        });
    }

    /// `Ok` when nothing failed, else one `BAD_USER_INPUT` naming every field.
    pub fn finish(self) -> AppResult<()> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(AppError::Validation(self.0))
        }
    }

    /// Trims `value`; refuses it when empty or longer than `max` characters.
    pub fn text(&mut self, field: &str, value: &str, max: usize) -> String {
        let trimmed = value.trim().to_owned();
        if trimmed.is_empty() {
            self.fail(field, "must not be empty");
        } else if trimmed.chars().count() > max {
            self.fail(field, format!("must be at most {max} characters"));
        }
        trimmed
    }

    /// A username: 3–32 of `A–Z a–z 0–9 _`, an optional leading `@` dropped.
    pub fn username(&mut self, field: &str, value: &str) -> String {
        let value = value.trim();
        let value = value.strip_prefix('@').unwrap_or(value).to_owned();
        let valid_chars = value.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !(3..=32).contains(&value.len()) || !valid_chars {
            self.fail(field, "must be 3-32 letters, digits or underscores");
        }
        value
    }

    /// A public chat handle: 1–64 of `A–Z a–z 0–9 _`, an optional leading `@` dropped.
    pub fn handle(&mut self, field: &str, value: &str) -> String {
        let value = value.trim();
        let value = value.strip_prefix('@').unwrap_or(value).to_owned();
        let valid_chars = value.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !(1..=64).contains(&value.len()) || !valid_chars {
            self.fail(field, "must be 1-64 letters, digits or underscores");
        }
        value
    }

    /// An absolute `http(s)` URL of at most 2048 characters.
    pub fn url(&mut self, field: &str, value: &str) -> String {
        let value = value.trim().to_owned();
        let parsed = url::Url::parse(&value);
        let ok = parsed.is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.has_host());
        if !ok || value.len() > 2048 {
            self.fail(field, "must be an http(s) URL of at most 2048 characters");
        }
        value
    }

    /// A language tag like `en` or `zh-hans`: at most 10 characters.
    pub fn language_code(&mut self, field: &str, value: &str) -> String {
        let value = value.trim().to_owned();
        let valid = !value.is_empty()
            && value.chars().count() <= 10
            && value
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        if !valid {
            self.fail(field, "must be a language code of at most 10 characters");
        }
        value
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_bad_field_is_named_at_once() {
        let mut checks = Checks::default();
        checks.username("username", "a b");
        checks.url("avatarUrl", "javascript:alert(1)");
        checks.text("bio", &"x".repeat(501), 500);
        checks.language_code("languageCode", "english-language");
        let Err(AppError::Validation(errors)) = checks.finish() else {
            panic!("must fail");
        };
        let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["username", "avatarUrl", "bio", "languageCode"]);
    }

    #[test]
    fn good_values_pass_and_are_normalised() {
        let mut checks = Checks::default();
        assert_eq!(checks.username("username", " @Ada_99 "), "Ada_99");
        assert_eq!(checks.text("bio", "  hi  ", 500), "hi");
        assert_eq!(checks.language_code("languageCode", "zh-hans"), "zh-hans");
        assert!(checks.finish().is_ok());
    }
}
