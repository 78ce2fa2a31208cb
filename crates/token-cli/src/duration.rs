//! Durations in a configuration file: a TOML integer (seconds), or text as the environment
//! variables take it (`3600`, `90s`, `500ms`, `30m`, `1h`), which the core's
//! [`settings`](ckeditor_token_core::settings) parsers read.

use serde::Deserialize;

/// A duration from a configuration file: a TOML integer (seconds) or a string with a unit.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(untagged)]
pub(crate) enum DurationSetting {
    /// Whole seconds.
    Seconds(u64),
    /// Text such as `90s` or `none`.
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seconds_from_a_file_read_as_the_same_text_as_from_the_environment() {
        assert_eq!(DurationSetting::Seconds(60).as_text(), "60");
        assert_eq!(DurationSetting::Text("1h".to_owned()).as_text(), "1h");
    }
}
