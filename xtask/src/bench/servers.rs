//! The processes the benchmark loads: release builds of the Rust servers, starting any server
//! command and waiting for its `listening on` line, stopping it, and reading its memory, CPU
//! time and context switches.
//!
//! Unlike `apps::start`, a server here is any command (gunicorn and Node.js included), and its
//! process ID is known, for `/proc/PID/status`.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, PoisonError, mpsc};
use std::thread;
use std::time::{Duration, Instant};

/// How long a server may take to print its address, or to exit after SIGTERM.
const START_TIMEOUT: Duration = Duration::from_secs(60);

/// Builds `packages` with the release profile, as they would be deployed, and returns every
/// binary cargo reports, by name.
///
/// # Errors
///
/// When cargo fails.
pub(crate) fn build_release(packages: &[&str]) -> Result<HashMap<String, PathBuf>, String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let mut command = Command::new(cargo);
    command.args([
        "build",
        "--release",
        "--message-format=json-render-diagnostics",
    ]);
    for package in packages {
        command.args(["--package", package]);
    }
    let output = command
        .stderr(Stdio::inherit())
        .output()
        .map_err(|error| format!("could not run cargo: {error}"))?;
    if !output.status.success() {
        return Err("the release build failed".to_owned());
    }
    let mut binaries = HashMap::new();
    for line in String::from_utf8_lossy(&output.stdout).lines() {
        let Ok(message) = serde_json::from_str::<serde_json::Value>(line) else {
            continue;
        };
        if let (Some(name), Some(executable)) = (
            message["target"]["name"].as_str(),
            message["executable"].as_str(),
        ) {
            binaries.insert(name.to_owned(), PathBuf::from(executable));
        }
    }
    Ok(binaries)
}

/// A running server. Dropping it stops it.
#[derive(Debug)]
pub(crate) struct Server {
    name: String,
    child: Option<Child>,
    url: String,
    log: Arc<Mutex<String>>,
}

impl Server {
    /// Starts `command` and waits for the `listening on http://ADDRESS` line on its standard
    /// output. Its standard error is kept for error messages.
    ///
    /// # Errors
    ///
    /// When it cannot start or prints no address in time; the message has its log.
    pub(crate) fn start(name: &str, mut command: Command) -> Result<Server, String> {
        let mut child = command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|error| format!("could not start {name}: {error}"))?;
        let log = Arc::new(Mutex::new(String::new()));
        if let Some(stderr) = child.stderr.take() {
            keep_log(stderr, Arc::clone(&log));
        }
        let (found, address) = mpsc::channel();
        if let Some(stdout) = child.stdout.take() {
            thread::spawn(move || {
                for line in BufReader::new(stdout).lines() {
                    let Ok(line) = line else { break };
                    if let Some(url) = line.trim().strip_prefix("listening on ") {
                        let _ = found.send(url.trim().to_owned());
                    }
                }
            });
        }
        let mut server = Server {
            name: name.to_owned(),
            child: Some(child),
            url: String::new(),
            log,
        };
        match address.recv_timeout(START_TIMEOUT) {
            Ok(url) => {
                server.url = url;
                Ok(server)
            }
            Err(_) => Err(format!(
                "{name} printed no address within {} s; its log:\n{}",
                START_TIMEOUT.as_secs(),
                server.log()
            )),
        }
    }

    /// The base URL, such as `http://127.0.0.1:41234`.
    pub(crate) fn url(&self) -> &str {
        &self.url
    }

    /// What the server has written on standard error so far.
    pub(crate) fn log(&self) -> String {
        self.log
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// The resident memory of the server's process now, in bytes (`VmRSS`).
    ///
    /// # Errors
    ///
    /// When the process is gone or its status cannot be read.
    pub(crate) fn resident_bytes(&self) -> Result<u64, String> {
        let pid = self.child.as_ref().map(Child::id).ok_or("not running")?;
        let status = std::fs::read_to_string(format!("/proc/{pid}/status"))
            .map_err(|error| format!("cannot read the status of {}: {error}", self.name))?;
        status
            .lines()
            .find_map(|line| line.strip_prefix("VmRSS:"))
            .and_then(|value| value.trim().strip_suffix("kB"))
            .and_then(|kilobytes| kilobytes.trim().parse::<u64>().ok())
            .map(|kilobytes| kilobytes * 1024)
            .ok_or_else(|| format!("no VmRSS in the status of {}", self.name))
    }

    /// The CPU time and the involuntary context switches of the server's process so far, over
    /// all its threads (`/proc/PID/stat` and `/proc/PID/task/*/status`).
    ///
    /// # Errors
    ///
    /// When the process is gone or its files cannot be read.
    pub(crate) fn usage(&self) -> Result<Usage, String> {
        let pid = self.child.as_ref().map(Child::id).ok_or("not running")?;
        let unreadable = |what: &str, error: &dyn std::fmt::Display| {
            format!("cannot read the {what} of {}: {error}", self.name)
        };
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))
            .map_err(|error| unreadable("stat", &error))?;
        let ticks = cpu_ticks(&stat).ok_or_else(|| unreadable("stat", &"no CPU times"))?;
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
        Ok(Usage {
            cpu: Duration::from_secs_f64(ticks as f64 / clock_ticks_per_second()),
            involuntary_switches,
        })
    }

    /// Stops the server with SIGTERM and waits for it; kills it if it has not exited in time.
    ///
    /// # Errors
    ///
    /// When it had to be killed.
    pub(crate) fn stop(mut self) -> Result<(), String> {
        match self.child.take().map(terminate) {
            Some(false) => Err(format!(
                "{} did not stop on SIGTERM and was killed",
                self.name
            )),
            Some(true) | None => Ok(()),
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(child) = self.child.take() {
            terminate(child);
        }
    }
}

/// What a server's process has used: CPU time, user and system, and involuntary context
/// switches (the kernel preempting one of its threads for another task).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(crate) struct Usage {
    /// User and system CPU time.
    pub(crate) cpu: Duration,
    /// Involuntary context switches.
    pub(crate) involuntary_switches: u64,
}

impl Usage {
    /// What was used between `earlier` and `self`.
    pub(crate) fn since(self, earlier: Usage) -> Usage {
        Usage {
            cpu: self.cpu.saturating_sub(earlier.cpu),
            involuntary_switches: self
                .involuntary_switches
                .saturating_sub(earlier.involuntary_switches),
        }
    }
}

/// User plus system time, in clock ticks, from the text of `/proc/PID/stat`: fields 14 and 15,
/// counted after the command name, which is in parentheses and may hold spaces.
fn cpu_ticks(stat: &str) -> Option<u64> {
    let after_name = &stat[stat.rfind(')')? + 1..];
    let mut fields = after_name.split_whitespace().skip(11);
    let user = fields.next()?.parse::<u64>().ok()?;
    let system = fields.next()?.parse::<u64>().ok()?;
    Some(user + system)
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

/// Sends SIGTERM to `child` (a process this task started) and waits for it to exit, killing it
/// after [`START_TIMEOUT`]. Whether it exited by itself.
fn terminate(mut child: Child) -> bool {
    let signalled = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .is_ok_and(|status| status.success());
    let deadline = Instant::now() + START_TIMEOUT;
    while signalled && Instant::now() < deadline {
        match child.try_wait() {
            Ok(Some(_)) => return true,
            Ok(None) => thread::sleep(Duration::from_millis(20)),
            Err(_) => break,
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    false
}

/// Appends a pipe's text to `log` in the background.
fn keep_log(mut pipe: impl Read + Send + 'static, log: Arc<Mutex<String>>) {
    thread::spawn(move || {
        let mut buffer = [0u8; 4096];
        while let Ok(read) = pipe.read(&mut buffer) {
            if read == 0 {
                break;
            }
            log.lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push_str(&String::from_utf8_lossy(&buffer[..read]));
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_ticks_are_fields_14_and_15_after_a_name_with_spaces() {
        let stat = "4242 (bench axum) S 1 4242 4242 0 -1 4194560 900 0 0 0 1234 567 0 0 20 0 3 0";
        assert_eq!(cpu_ticks(stat), Some(1234 + 567));
        assert_eq!(cpu_ticks("4242 (x) S 1 2"), None);
        assert_eq!(cpu_ticks("no parenthesis"), None);
    }

    #[test]
    fn usage_since_an_earlier_reading_is_the_difference() {
        let earlier = Usage {
            cpu: Duration::from_millis(1500),
            involuntary_switches: 40,
        };
        let later = Usage {
            cpu: Duration::from_millis(2250),
            involuntary_switches: 52,
        };
        assert_eq!(
            later.since(earlier),
            Usage {
                cpu: Duration::from_millis(750),
                involuntary_switches: 12,
            }
        );
    }
}
