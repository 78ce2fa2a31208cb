//! The processes the benchmark loads: release builds of the Rust servers, starting any server
//! command and waiting for its `listening on` line, stopping it, and reading its memory.
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
