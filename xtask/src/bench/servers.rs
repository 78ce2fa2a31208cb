//! What the benchmark reads about a running server ([`App`], which any server command that
//! prints `listening on http://ADDRESS` runs as, gunicorn and Node.js included): its resident
//! memory, CPU time and context switches, from `/proc/PID`.

use std::process::Command;
use std::time::Duration;

use crate::apps::App;

/// How long a server may take to print its address, or to exit after SIGTERM: release builds,
/// gunicorn and Node.js start slower than the example apps.
pub(crate) const START_TIMEOUT: Duration = Duration::from_secs(60);

/// The process ID of `server`, which must be running.
fn pid(server: &App) -> Result<u32, String> {
    server
        .pid()
        .ok_or_else(|| format!("{} is not running", server.name()))
}

/// The resident memory of `server`'s process now, in bytes (`VmRSS`).
///
/// # Errors
///
/// When the process is gone or its status cannot be read.
pub(crate) fn resident_bytes(server: &App) -> Result<u64, String> {
    let pid = pid(server)?;
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))
        .map_err(|error| format!("cannot read the status of {}: {error}", server.name()))?;
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|value| value.trim().strip_suffix("kB"))
        .and_then(|kilobytes| kilobytes.trim().parse::<u64>().ok())
        .map(|kilobytes| kilobytes * 1024)
        .ok_or_else(|| format!("no VmRSS in the status of {}", server.name()))
}

/// The CPU time and the involuntary context switches of `server`'s process so far, over all its
/// threads (`/proc/PID/stat` and `/proc/PID/task/*/status`).
///
/// # Errors
///
/// When the process is gone or its files cannot be read.
pub(crate) fn usage(server: &App) -> Result<Usage, String> {
    let pid = pid(server)?;
    let unreadable = |what: &str, error: &dyn std::fmt::Display| {
        format!("cannot read the {what} of {}: {error}", server.name())
    };
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .map_err(|error| unreadable("stat", &error))?;
    let (user_ticks, system_ticks) =
        cpu_ticks(&stat).ok_or_else(|| unreadable("stat", &"no CPU times"))?;
    let mut involuntary_switches = 0;
    let tasks = std::fs::read_dir(format!("/proc/{pid}/task"))
        .map_err(|error| unreadable("threads", &error))?;
    for task in tasks.flatten() {
        // A thread that ends meanwhile takes its count with it; the rest still add up.
        if let Ok(status) = std::fs::read_to_string(task.path().join("status")) {
            involuntary_switches += status
                .lines()
                .find_map(|line| line.strip_prefix("nonvoluntary_ctxt_switches:"))
                .and_then(|count| count.trim().parse::<u64>().ok())
                .unwrap_or(0);
        }
    }
    let seconds = |ticks: u64| Duration::from_secs_f64(ticks as f64 / clock_ticks_per_second());
    Ok(Usage {
        cpu: seconds(user_ticks + system_ticks),
        system: seconds(system_ticks),
        involuntary_switches,
    })
}

/// What a server's process has used: CPU time, user and system, and involuntary context
/// switches (the kernel preempting one of its threads for another task).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(crate) struct Usage {
    /// User and system CPU time.
    pub(crate) cpu: Duration,
    /// Of that, system time: the kernel working for the process (the loopback TCP, waking the
    /// load generator's threads, switching tasks).
    pub(crate) system: Duration,
    /// Involuntary context switches.
    pub(crate) involuntary_switches: u64,
}

impl Usage {
    /// What was used between `earlier` and `self`.
    pub(crate) fn since(self, earlier: Usage) -> Usage {
        Usage {
            cpu: self.cpu.saturating_sub(earlier.cpu),
            system: self.system.saturating_sub(earlier.system),
            involuntary_switches: self
                .involuntary_switches
                .saturating_sub(earlier.involuntary_switches),
        }
    }
}

/// User and system time, in clock ticks, from the text of `/proc/PID/stat`: fields 14 and 15,
/// counted after the command name, which is in parentheses and may hold spaces.
fn cpu_ticks(stat: &str) -> Option<(u64, u64)> {
    let after_name = &stat[stat.rfind(')')? + 1..];
    let mut fields = after_name.split_whitespace().skip(11);
    let user = fields.next()?.parse::<u64>().ok()?;
    let system = fields.next()?.parse::<u64>().ok()?;
    Some((user, system))
}

/// The kernel's clock ticks per second for CPU times (`getconf CLK_TCK`), 100 when it cannot be
/// asked, which is what Linux uses everywhere.
fn clock_ticks_per_second() -> f64 {
    static TICKS: std::sync::OnceLock<f64> = std::sync::OnceLock::new();
    *TICKS.get_or_init(|| {
        Command::new("getconf")
            .arg("CLK_TCK")
            .output()
            .ok()
            .and_then(|output| String::from_utf8_lossy(&output.stdout).trim().parse().ok())
            .filter(|ticks: &f64| *ticks > 0.0)
            .unwrap_or(100.0)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_ticks_are_fields_14_and_15_after_a_name_with_spaces() {
        let stat = "4242 (bench axum) S 1 4242 4242 0 -1 4194560 900 0 0 0 1234 567 0 0 20 0 3 0";
        assert_eq!(cpu_ticks(stat), Some((1234, 567)));
        assert_eq!(cpu_ticks("4242 (x) S 1 2"), None);
        assert_eq!(cpu_ticks("no parenthesis"), None);
    }

    #[test]
    fn usage_since_an_earlier_reading_is_the_difference() {
        let earlier = Usage {
            cpu: Duration::from_millis(1500),
            system: Duration::from_millis(1000),
            involuntary_switches: 40,
        };
        let later = Usage {
            cpu: Duration::from_millis(2250),
            system: Duration::from_millis(1600),
            involuntary_switches: 52,
        };
        assert_eq!(
            later.since(earlier),
            Usage {
                cpu: Duration::from_millis(750),
                system: Duration::from_millis(600),
                involuntary_switches: 12,
            }
        );
    }
}
