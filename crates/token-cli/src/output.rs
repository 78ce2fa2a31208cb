//! What the commands print on standard output and standard error. Write failures (a closed
//! pipe) end the command with an error instead of a panic.

use std::io::Write as _;

use crate::error::CliError;

/// Writes `text` and a newline to standard output, and flushes.
///
/// # Errors
///
/// [`CliError::Failed`] when standard output cannot be written.
pub(crate) fn line(text: &str) -> Result<(), CliError> {
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "{text}")
        .and_then(|()| stdout.flush())
        .map_err(|error| CliError::Failed(format!("cannot write to standard output: {error}")))
}

/// Writes `text` and a newline to standard error, ignoring failures: there is nowhere left to
/// report them.
pub(crate) fn error_line(text: &str) {
    let mut stderr = std::io::stderr().lock();
    let written = writeln!(stderr, "{text}");
    drop(written);
}
