//! Where the issuer reads the time: the system clock, or a fixed instant for tests.

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::error::{Error, Result};

/// A source of the current time.
pub trait Clock: Send + Sync + fmt::Debug {
    /// The current time.
    fn now(&self) -> SystemTime;
}

/// The operating system's clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> SystemTime {
        SystemTime::now()
    }
}

/// A clock that always reads the same instant.
///
/// ```
/// use ckeditor_token_core::{Clock, FixedClock};
///
/// let clock = FixedClock::at_unix_seconds(1_700_000_000);
/// assert_eq!(ckeditor_token_core::unix_seconds(clock.now())?, 1_700_000_000);
/// # Ok::<(), ckeditor_token_core::Error>(())
/// ```
#[derive(Debug, Clone, Copy)]
pub struct FixedClock(SystemTime);

impl FixedClock {
    /// A clock fixed at `instant`.
    pub fn new(instant: SystemTime) -> Self {
        FixedClock(instant)
    }

    /// A clock fixed at `seconds` after the Unix epoch.
    ///
    /// # Panics
    ///
    /// When the instant is past what [`SystemTime`] can hold (on Linux, `seconds` over
    /// `i64::MAX`), as adding to a `SystemTime` does; [`FixedClock::new`] takes any instant.
    pub fn at_unix_seconds(seconds: u64) -> Self {
        FixedClock(UNIX_EPOCH + Duration::from_secs(seconds))
    }
}

impl Clock for FixedClock {
    fn now(&self) -> SystemTime {
        self.0
    }
}

/// Whole seconds since the Unix epoch, floored: the form of `iat` and `exp`.
///
/// # Errors
///
/// [`Error::ClockBeforeEpoch`] for an instant before 1970.
pub fn unix_seconds(instant: SystemTime) -> Result<u64> {
    instant
        .duration_since(UNIX_EPOCH)
        .map(|since| since.as_secs())
        .map_err(|_| Error::ClockBeforeEpoch)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seconds_are_floored() {
        let instant = UNIX_EPOCH + Duration::from_millis(1_648_807_662_999);
        assert_eq!(unix_seconds(instant), Ok(1_648_807_662));
    }

    #[test]
    fn before_the_epoch_is_an_error() {
        let instant = UNIX_EPOCH - Duration::from_secs(1);
        assert_eq!(unix_seconds(instant), Err(Error::ClockBeforeEpoch));
    }
}
