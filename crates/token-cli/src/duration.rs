//! Durations as people write them in settings and flags: `3600`, `90s`, `500ms`, `30m`, `1h`.
//!
//! A bare number is seconds, as in the example apps' `CKEDITOR_TOKEN_LIFETIME`. A configuration
//! file may also give a TOML integer, which is seconds too.

use std::time::Duration;

use serde::Deserialize;

/// A duration from a configuration file: a TOML integer (seconds) or a string with a unit.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(untagged)]
pub(crate) enum DurationSetting {
    /// Whole seconds.
    Seconds(u64),
    /// Text such as `90s` or `none`, parsed by [`parse`] or [`parse_lifetime`].
    Text(String),
}

impl DurationSetting {
    /// The setting as text, for parsing alike from a file and from the environment.
    pub(crate) fn as_text(&self) -> String {
        match self {
            DurationSetting::Seconds(seconds) => seconds.to_string(),
            DurationSetting::Text(text) => text.clone(),
        }
    }
}

/// Parses `text` as a duration: a whole number followed by nothing or `s` (seconds), `ms`,
/// `m`/`min` or `h`.
///
/// # Errors
///
/// A message saying what is accepted, for text that is none of those or overflows.
pub(crate) fn parse(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let digits_end = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(digits_end);
    let problem = || {
        format!(
            "{text:?} is not a duration; write a whole number with an optional unit, such as \
             3600, 90s, 500ms, 30m or 1h"
        )
    };
    let number: u64 = number.parse().map_err(|_| problem())?;
    let millis_per_unit: u64 = match unit.trim() {
        "" | "s" | "sec" => 1000,
        "ms" => 1,
        "m" | "min" => 60_000,
        "h" => 3_600_000,
        _ => return Err(problem()),
    };
    number
        .checked_mul(millis_per_unit)
        .map(Duration::from_millis)
        .ok_or_else(problem)
}

/// A token lifetime: a duration, or `none` for tokens without `exp`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Lifetime {
    /// `exp` this long after `iat`.
    After(Duration),
    /// No `exp`.
    Never,
}

/// Parses a token lifetime: `none`, or a duration as [`parse`] takes it.
///
/// # Errors
///
/// As [`parse`], mentioning `none`.
pub(crate) fn parse_lifetime(text: &str) -> Result<Lifetime, String> {
    if text.trim().eq_ignore_ascii_case("none") {
        return Ok(Lifetime::Never);
    }
    parse(text)
        .map(Lifetime::After)
        .map_err(|problem| format!("{problem}, or `none` for tokens without exp"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_and_bare_seconds() {
        let cases = [
            ("3600", 3_600_000),
            ("90s", 90_000),
            ("500ms", 500),
            ("30m", 1_800_000),
            ("2min", 120_000),
            ("1h", 3_600_000),
            (" 5 s ", 5_000),
            ("0", 0),
        ];
        for (text, millis) in cases {
            assert_eq!(parse(text), Ok(Duration::from_millis(millis)), "{text}");
        }
    }

    #[test]
    fn nonsense_is_refused_with_the_text_named() {
        for text in [
            "",
            "s",
            "1.5h",
            "-1",
            "1d",
            "one hour",
            "99999999999999999999h",
        ] {
            let problem = parse(text).expect_err(text);
            assert!(problem.contains(&format!("{:?}", text.trim())), "{problem}");
        }
    }

    #[test]
    fn lifetimes_may_be_none() {
        assert_eq!(parse_lifetime("None"), Ok(Lifetime::Never));
        assert_eq!(
            parse_lifetime("1h"),
            Ok(Lifetime::After(Duration::from_secs(3600)))
        );
        assert!(parse_lifetime("never").expect_err("bad").contains("none"));
        assert_eq!(DurationSetting::Seconds(60).as_text(), "60");
    }
}
