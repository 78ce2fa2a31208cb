//! Durations in a configuration file: a TOML integer (seconds), or text as the environment
//! variables take it (`3600`, `90s`, `500ms`, `30m`, `1h`), which the shared
//! [`settings`](ckeditor_token_demo_login::settings) parsers read.

use std::fmt;

use serde::de::{self, Deserialize, Deserializer, Unexpected, Visitor};

/// A duration from a configuration file: a TOML integer (seconds) or a string with a unit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum DurationSetting {
    /// Whole seconds.
    Seconds(u64),
    /// Text such as `90s` or `none`.
    Text(String),
}

/// Any other type is refused with what a duration is, so that the file's error names the key
/// and what it needs.
impl<'de> Deserialize<'de> for DurationSetting {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Expected;

        impl Visitor<'_> for Expected {
            type Value = DurationSetting;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a duration: whole seconds, or a string such as \"90s\" or \"2m\"")
            }

            fn visit_u64<E: de::Error>(self, seconds: u64) -> Result<DurationSetting, E> {
                Ok(DurationSetting::Seconds(seconds))
            }

            fn visit_i64<E: de::Error>(self, seconds: i64) -> Result<DurationSetting, E> {
                u64::try_from(seconds)
                    .map(DurationSetting::Seconds)
                    .map_err(|_| E::invalid_value(Unexpected::Signed(seconds), &self))
            }

            fn visit_str<E: de::Error>(self, text: &str) -> Result<DurationSetting, E> {
                Ok(DurationSetting::Text(text.to_owned()))
            }
        }

        deserializer.deserialize_any(Expected)
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seconds_from_a_file_read_as_the_same_text_as_from_the_environment() {
        assert_eq!(DurationSetting::Seconds(60).as_text(), "60");
        assert_eq!(DurationSetting::Text("1h".to_owned()).as_text(), "1h");
    }
}
