//! The log: text by default, one JSON object per line on request; always on standard error, so
//! that standard output carries only what the commands print.

use clap::ValueEnum;
use tracing::Level;

use crate::error::CliError;
use crate::settings::Settings;

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line, for log collectors.
    Json,
}

/// The checked `[log]` settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct LogSettings {
    /// Text or JSON.
    pub(crate) format: LogFormat,
    /// The least severe level written.
    pub(crate) level: Level,
}

impl LogSettings {
    /// Reads `log.format` (unless `flag` overrides it) and `log.level`.
    ///
    /// # Errors
    ///
    /// A format other than `text` or `json`, or an unknown level, named.
    pub(crate) fn from_settings(
        settings: &Settings,
        flag: Option<LogFormat>,
    ) -> Result<LogSettings, CliError> {
        let section = &settings.values.log;
        let format = match (flag, section.format.as_deref().map(str::trim)) {
            (Some(format), _) => format,
            (None, None | Some("text")) => LogFormat::Text,
            (None, Some("json")) => LogFormat::Json,
            (None, Some(other)) => {
                return Err(CliError::setting(
                    settings.name("log.format"),
                    format!("{other:?} is not a log format; use \"text\" or \"json\""),
                ));
            }
        };
        let level = match section.level.as_deref().map(str::trim) {
            None => Level::INFO,
            Some(level) => level.parse().map_err(|_| {
                CliError::setting(
                    settings.name("log.level"),
                    format!("{level:?} is not a level; use error, warn, info, debug or trace"),
                )
            })?,
        };
        Ok(LogSettings { format, level })
    }

    /// Installs the log. A second call in one process changes nothing.
    pub(crate) fn install(self) {
        // A log line that cannot be written (its reader gone) is lost, and nothing else: the
        // subscriber's own report of the failure would go to the same standard error, through
        // a print that panics there, in the middle of the request that logged.
        let builder = tracing_subscriber::fmt()
            .with_writer(std::io::stderr)
            .log_internal_errors(false)
            .with_max_level(self.level);
        let installed = match self.format {
            LogFormat::Text => builder.try_init(),
            LogFormat::Json => builder.json().try_init(),
        };
        // Only a second installation fails, and the first one stays in force.
        drop(installed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::FileSettings;

    fn log(format: Option<&str>, level: Option<&str>) -> Result<LogSettings, CliError> {
        let mut values = FileSettings::default();
        values.log.format = format.map(str::to_owned);
        values.log.level = level.map(str::to_owned);
        LogSettings::from_settings(&Settings::from_values(values), None)
    }

    #[test]
    fn formats_and_levels() {
        let default = log(None, None).expect("defaults");
        assert_eq!(
            (default.format, default.level),
            (LogFormat::Text, Level::INFO)
        );
        let json = log(Some("json"), Some("debug")).expect("valid");
        assert_eq!((json.format, json.level), (LogFormat::Json, Level::DEBUG));
        assert!(
            log(Some("xml"), None)
                .expect_err("xml")
                .to_string()
                .contains("\"xml\"")
        );
        assert!(
            log(None, Some("loud"))
                .expect_err("loud")
                .to_string()
                .starts_with("log.level")
        );
    }
}
