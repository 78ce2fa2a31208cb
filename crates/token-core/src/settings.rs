//! The text form of the settings that the example apps and the `ckeditor-token` binary share,
//! such as `CKEDITOR_TOKEN_LIFETIME=30m` or `CKEDITOR_TOKEN_CORS_CREDENTIALS=yes`, so that one
//! value means the same wherever it is set.
//!
//! | kind | accepted | parser |
//! | --- | --- | --- |
//! | duration | a whole number, then no unit (seconds), `s`, `ms`, `m`, `h` | [`parse_duration`] |
//! | token lifetime | a duration, or `none` for tokens without `exp` | [`parse_expiry`] |
//! | flag | `true`, `1`, `yes`; `false`, `0`, `no`, or blank; in any case | [`parse_flag`] |
//! | list | items between commas, trimmed; empty items are dropped | [`parse_list`] |
//!
//! ```
//! use std::time::Duration;
//! use ckeditor_token_core::Expiry;
//! use ckeditor_token_core::settings::{parse_duration, parse_expiry, parse_flag, parse_list};
//!
//! assert_eq!(parse_duration("30m")?, Duration::from_secs(1800));
//! assert_eq!(parse_expiry("none")?, Expiry::Never);
//! assert!(parse_flag("Yes")?);
//! assert_eq!(parse_list(" a.example, ,b.example"), ["a.example", "b.example"]);
//! # Ok::<(), ckeditor_token_core::settings::SettingError>(())
//! ```
//!
//! A refused value is echoed in the error only when it should be a duration; a flag's value is
//! never shown, since a secret pasted into the wrong setting would otherwise reach the log.

use std::fmt;
use std::time::Duration;

use crate::issuer::Expiry;

/// Why a setting's text was refused. The caller names the setting: the message says what was
/// expected, and starts lower case so that it reads well after `NAME: `.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SettingError {
    message: String,
}

impl fmt::Display for SettingError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for SettingError {}

/// Parses a duration: a whole number followed by nothing or `s`/`sec` (seconds), `ms`,
/// `m`/`min` or `h`, with blanks allowed around the number and the unit.
///
/// # Errors
///
/// Text that is none of those, or a duration too long to count in milliseconds; the message
/// quotes the text and lists the accepted forms.
pub fn parse_duration(text: &str) -> Result<Duration, SettingError> {
    let text = text.trim();
    let digits_end = text
        .bytes()
        .position(|byte| !byte.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(digits_end);
    let refused = || SettingError {
        message: format!(
            "{text:?} is not a duration; write a whole number with an optional unit, such as \
             3600, 90s, 500ms, 30m or 1h"
        ),
    };
    let number: u64 = number.parse().map_err(|_| refused())?;
    let millis_per_unit: u64 = match unit.trim() {
        "" | "s" | "sec" => 1000,
        "ms" => 1,
        "m" | "min" => 60_000,
        "h" => 3_600_000,
        _ => return Err(refused()),
    };
    number
        .checked_mul(millis_per_unit)
        .map(Duration::from_millis)
        .ok_or_else(refused)
}

/// Parses a token lifetime: `none` (in any case) for tokens without `exp`, or a duration as
/// [`parse_duration`] reads it. Whether the issuer accepts the lifetime is the issuer's check.
///
/// # Errors
///
/// As [`parse_duration`], mentioning `none`.
pub fn parse_expiry(text: &str) -> Result<Expiry, SettingError> {
    if text.trim().eq_ignore_ascii_case("none") {
        return Ok(Expiry::Never);
    }
    parse_duration(text)
        .map(Expiry::After)
        .map_err(|error| SettingError {
            message: format!("{error}, or `none` for tokens without exp"),
        })
}

/// Parses a flag: `true`, `1` or `yes` for on; `false`, `0`, `no` or blank text for off; in
/// any case, with blanks around.
///
/// # Errors
///
/// Anything else. The message does not show the text.
pub fn parse_flag(text: &str) -> Result<bool, SettingError> {
    let text = text.trim();
    let is = |word: &str| text.eq_ignore_ascii_case(word);
    if text.is_empty() || is("false") || is("0") || is("no") {
        Ok(false)
    } else if is("true") || is("1") || is("yes") {
        Ok(true)
    } else {
        Err(SettingError {
            message: "is neither `true` nor `false` (nor `1`, `0`, `yes`, `no`); the value is \
                      not shown, as it may be a secret"
                .to_owned(),
        })
    }
}

/// Splits a comma-separated list, trimming each item and dropping empty ones.
pub fn parse_list(text: &str) -> Vec<&str> {
    text.split(',')
        .map(str::trim)
        .filter(|item| !item.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_take_units_and_bare_seconds() {
        let cases = [
            ("3600", 3_600_000),
            ("90s", 90_000),
            ("90sec", 90_000),
            ("500ms", 500),
            ("30m", 1_800_000),
            ("2min", 120_000),
            ("1h", 3_600_000),
            (" 5 s ", 5_000),
            ("0", 0),
        ];
        for (text, millis) in cases {
            assert_eq!(
                parse_duration(text),
                Ok(Duration::from_millis(millis)),
                "{text}"
            );
        }
    }

    #[test]
    fn nonsense_durations_are_refused_with_the_text_quoted() {
        for text in [
            "",
            "s",
            "1.5h",
            "-1",
            "+1",
            "1d",
            "1H",
            "one hour",
            "٣",
            "99999999999999999999h",
            "5124095576030432h",
        ] {
            let error = parse_duration(text).expect_err(text);
            let message = error.to_string();
            assert!(
                message.starts_with(&format!("{:?} is not a duration", text.trim())),
                "{message}"
            );
        }
        // The largest number of hours that still counts in milliseconds.
        let hours = u64::MAX / 3_600_000;
        assert_eq!(
            parse_duration(&format!("{hours}h")),
            Ok(Duration::from_millis(hours * 3_600_000))
        );
    }

    #[test]
    fn lifetimes_are_durations_or_none() {
        assert_eq!(parse_expiry(" None "), Ok(Expiry::Never));
        assert_eq!(
            parse_expiry("1h"),
            Ok(Expiry::After(Duration::from_secs(3600)))
        );
        let message = parse_expiry("never").expect_err("refused").to_string();
        assert!(
            message.starts_with("\"never\" is not a duration"),
            "{message}"
        );
        assert!(
            message.ends_with("or `none` for tokens without exp"),
            "{message}"
        );
    }

    #[test]
    fn flags_take_three_words_each_way_in_any_case() {
        for text in ["true", "TRUE", " Yes ", "1"] {
            assert_eq!(parse_flag(text), Ok(true), "{text:?}");
        }
        for text in ["false", "No", "0", "", "  "] {
            assert_eq!(parse_flag(text), Ok(false), "{text:?}");
        }
        for text in ["maybe", "on", "2", "pasted-secret-0123456789"] {
            let message = parse_flag(text).expect_err(text).to_string();
            assert!(
                message.starts_with("is neither `true` nor `false`"),
                "{message}"
            );
            assert!(!message.contains(text), "{message}");
        }
    }

    #[test]
    fn lists_drop_blanks_and_empty_items() {
        assert_eq!(parse_list(" a , b,, ,c "), ["a", "b", "c"],);
        assert!(parse_list("").is_empty());
        assert!(parse_list(" , ").is_empty());
    }
}
