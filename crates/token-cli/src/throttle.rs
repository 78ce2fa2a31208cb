//! Warnings that any client can cause, such as a request that names a user without the proxy's
//! proof, reach the log at most once a minute each, so that a flood of such requests cannot
//! flood the log. The next warning that gets through says how many were held back.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

/// The shortest time between two warnings of one [`Throttle`], in seconds.
pub(crate) const WARNING_INTERVAL_SECS: u64 = 60;

/// One kind of warning's place in time: when it was last logged, and how many were held back
/// since.
#[derive(Debug)]
pub(crate) struct Throttle {
    /// Seconds since the first warning of the process asked to be logged, at the last one that
    /// was, plus one (0: none yet).
    last_logged: AtomicU64,
    held_back: AtomicU64,
}

impl Throttle {
    /// A throttle that has logged nothing yet.
    pub(crate) const fn new() -> Throttle {
        Throttle {
            last_logged: AtomicU64::new(0),
            held_back: AtomicU64::new(0),
        }
    }

    /// Whether the warning may be logged now: `Some` with the number held back since the last
    /// one, or `None` (and one more held back) within [`WARNING_INTERVAL_SECS`] of it.
    pub(crate) fn admit(&self) -> Option<u64> {
        // A monotonic clock: a wall clock set back would hold warnings back until it caught up.
        static START: OnceLock<Instant> = OnceLock::new();
        self.admit_at(START.get_or_init(Instant::now).elapsed().as_secs())
    }

    fn admit_at(&self, now: u64) -> Option<u64> {
        let last = self.last_logged.load(Ordering::Relaxed);
        let due = last == 0 || now.saturating_add(1) >= last.saturating_add(WARNING_INTERVAL_SECS);
        // Of several requests at once, one logs; the others count as held back.
        let claimed = due
            && self
                .last_logged
                .compare_exchange(
                    last,
                    now.saturating_add(1),
                    Ordering::Relaxed,
                    Ordering::Relaxed,
                )
                .is_ok();
        if claimed {
            Some(self.held_back.swap(0, Ordering::Relaxed))
        } else {
            self.held_back.fetch_add(1, Ordering::Relaxed);
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_warning_a_minute_gets_through_with_the_count_held_back() {
        let throttle = Throttle::new();
        assert_eq!(throttle.admit_at(1_000), Some(0));
        assert_eq!(throttle.admit_at(1_000), None);
        assert_eq!(throttle.admit_at(1_059), None);
        assert_eq!(throttle.admit_at(1_060), Some(2));
        assert_eq!(throttle.admit_at(1_061), None);
        assert_eq!(throttle.admit_at(2_000), Some(1));
    }

    #[test]
    fn the_first_warning_gets_through_at_any_time() {
        for now in [0, 59, u64::MAX] {
            assert_eq!(Throttle::new().admit_at(now), Some(0), "{now}");
        }
    }
}
