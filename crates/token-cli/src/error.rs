//! The command's one error type, and the exit status each error ends with.
//!
//! Messages name the setting or flag that is wrong and what to write instead. None carries a
//! key, a secret or a token: errors about them name the setting, never its value.

use std::process::ExitCode;

/// The exit status of a usage or configuration error.
pub(crate) const USAGE_EXIT: u8 = 2;
/// The exit status of a failure at run time, and of `inspect` finding problems.
pub(crate) const FAILURE_EXIT: u8 = 1;
/// The exit status of `inspect` finding no problem in a token whose signature it could not
/// check (no key): not success, so that a script cannot take an unchecked token for a good one.
pub(crate) const UNCHECKED_EXIT: u8 = 3;

/// What stops a command.
#[derive(Debug, thiserror::Error)]
pub(crate) enum CliError {
    /// A setting (from the configuration file, the environment or a flag) is unusable.
    #[error("{setting}: {problem}")]
    Setting {
        /// The setting as the user wrote it: a variable, a flag, or a key of the file.
        setting: String,
        /// What is wrong and what to write instead.
        problem: String,
    },

    /// The configuration file cannot be read or parsed.
    #[error("configuration file {path}: {problem}")]
    ConfigFile {
        /// The path given with `--config` or `CKEDITOR_TOKEN_CONFIG`.
        path: String,
        /// What is wrong, with the line where the parser can tell.
        problem: String,
    },

    /// Flags or arguments that do not go together.
    #[error("{0}")]
    Usage(String),

    /// The command ran, but failed: the address is taken, the server stopped, a write failed.
    #[error("{0}")]
    Failed(String),
}

impl CliError {
    /// A [`CliError::Setting`].
    pub(crate) fn setting(setting: impl Into<String>, problem: impl Into<String>) -> Self {
        CliError::Setting {
            setting: setting.into(),
            problem: problem.into(),
        }
    }

    /// The exit status: 2 for usage and configuration errors, 1 for failures.
    pub(crate) fn exit_code(&self) -> ExitCode {
        match self {
            CliError::Setting { .. } | CliError::ConfigFile { .. } | CliError::Usage(_) => {
                ExitCode::from(USAGE_EXIT)
            }
            CliError::Failed(_) => ExitCode::from(FAILURE_EXIT),
        }
    }
}
