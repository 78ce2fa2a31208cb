//! Building, starting and stopping the example apps, for the conformance suite and any other
//! task that needs a real server, and any other server that announces its address the same way
//! (the benchmark's servers and peers).
//!
//! ```text
//! let binaries = apps::build(&apps::EXAMPLES, &["test-hooks"])?;
//! let binary = binaries.path(&apps::EXAMPLES[0])?;
//! let credentials = [("CKEDITOR_ENVIRONMENT_ID", "ENV_1"), ("CKEDITOR_ACCESS_KEY", KEY)];
//! let app = apps::start(binary, &credentials)?;
//! let response = client.get(format!("{}/token", app.url())).send();
//! app.stop()?;
//! ```
//!
//! An app is started with `--listen 127.0.0.1:0`; its URL comes from the `listening on` line it
//! prints. Every `CKEDITOR_*` variable of the caller's environment is removed first, so only the
//! settings given reach it. A started app is stopped with SIGTERM by [`App::stop`], or killed when
//! its [`App`] is dropped, so a failing task leaves nothing running.

#![expect(
    clippy::print_stderr,
    reason = "a task reports its progress on standard error"
)]

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex, PoisonError, mpsc};
use std::thread;
use std::time::{Duration, Instant};

/// One example app: its package, whose binary has the same name, and its framework.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Example {
    /// The cargo package and binary name.
    pub(crate) package: &'static str,
    /// The framework, for messages.
    pub(crate) framework: &'static str,
}

/// The three example apps.
pub(crate) const EXAMPLES: [Example; 3] = [
    Example {
        package: "ckeditor-token-example-actix",
        framework: "actix-web",
    },
    Example {
        package: "ckeditor-token-example-axum",
        framework: "axum",
    },
    Example {
        package: "ckeditor-token-example-warp",
        framework: "warp",
    },
];

/// How long an app may take to print its address, or to exit when it should.
pub(crate) const START_TIMEOUT: Duration = Duration::from_secs(30);

/// The built binaries, by package.
#[derive(Debug, Default)]
pub(crate) struct Binaries {
    paths: HashMap<String, PathBuf>,
}

impl Binaries {
    /// The binary of `example`.
    ///
    /// # Errors
    ///
    /// When the example was not built.
    pub(crate) fn path(&self, example: &Example) -> Result<&Path, String> {
        self.paths
            .get(example.package)
            .map(PathBuf::as_path)
            .ok_or_else(|| format!("{} was not built", example.package))
    }
}

/// Builds `examples` with each of `features` enabled (for example `test-hooks`), and finds their
/// binaries in cargo's output.
///
/// # Errors
///
/// When cargo fails or reports no binary for an example.
pub(crate) fn build(examples: &[Example], features: &[&str]) -> Result<Binaries, String> {
    let mut args = Vec::new();
    for example in examples {
        args.extend(["--package".to_owned(), example.package.to_owned()]);
    }
    let qualified: Vec<String> = examples
        .iter()
        .flat_map(|example| features.iter().map(|f| format!("{}/{f}", example.package)))
        .collect();
    if !qualified.is_empty() {
        args.extend(["--features".to_owned(), qualified.join(",")]);
    }
    eprintln!("xtask: building {} example apps", examples.len());
    let mut paths = cargo_build(&args)?;
    paths.retain(|name, _| examples.iter().any(|example| example.package == name));
    let binaries = Binaries { paths };
    for example in examples {
        binaries.path(example)?;
    }
    Ok(binaries)
}

/// Runs `cargo build` with `args` (packages, features, `--release`) and returns every binary
/// cargo reports, by name.
///
/// # Errors
///
/// When cargo cannot be run or the build fails.
pub(crate) fn cargo_build(args: &[String]) -> Result<HashMap<String, PathBuf>, String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let output = Command::new(cargo)
        .args(["build", "--message-format=json-render-diagnostics"])
        .args(args)
        .stderr(Stdio::inherit())
        .output()
        .map_err(|error| format!("could not run cargo: {error}"))?;
    if !output.status.success() {
        return Err(format!("cargo build {} failed", args.join(" ")));
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

/// A command that starts `binary` with `args` and only the given `CKEDITOR_*` settings.
pub(crate) fn command(binary: &Path, env: &[(&str, &str)], args: &[&str]) -> Command {
    let mut command = Command::new(binary);
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("CKEDITOR_") {
            command.env_remove(name);
        }
    }
    command.envs(env.iter().copied()).args(args);
    command
}

/// Starts the example `binary` on `127.0.0.1:0` with the settings `env`, and waits for its
/// address.
///
/// # Errors
///
/// As [`App::start`].
pub(crate) fn start(binary: &Path, env: &[(&str, &str)]) -> Result<App, String> {
    let command = command(binary, env, &["--listen", "127.0.0.1:0"]);
    App::start(&binary.display().to_string(), command, START_TIMEOUT)
}

/// As [`start`], with the app's standard error closed once it has started, as when the program
/// that read its log has gone away; its [`App::log`] is then empty.
///
/// # Errors
///
/// As [`App::start`].
pub(crate) fn start_with_log_closed(binary: &Path, env: &[(&str, &str)]) -> Result<App, String> {
    let command = command(binary, env, &["--listen", "127.0.0.1:0"]);
    App::spawn(&binary.display().to_string(), command, START_TIMEOUT, false)
}

/// A running server that announced its address: an example app, or any server the benchmark
/// loads. Dropping it kills the process.
#[derive(Debug)]
pub(crate) struct App {
    name: String,
    child: Option<Child>,
    url: String,
    stderr: Arc<Mutex<String>>,
    /// How long it may take to start, and to stop.
    timeout: Duration,
}

impl App {
    /// Starts `command` and waits for the `listening on http://ADDRESS` line on its standard
    /// output, at most `timeout`. Its standard error is kept for messages; `name` names it in
    /// them.
    ///
    /// # Errors
    ///
    /// When it does not start, or prints no address in time; the message has its log.
    pub(crate) fn start(name: &str, command: Command, timeout: Duration) -> Result<App, String> {
        App::spawn(name, command, timeout, true)
    }

    /// As [`App::start`]; without `keep_log`, standard error is closed once the address is
    /// announced.
    fn spawn(
        name: &str,
        mut command: Command,
        timeout: Duration,
        keep_log: bool,
    ) -> Result<App, String> {
        let mut child = command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|error| format!("could not start {name}: {error}"))?;
        let mut unread = None;
        let stderr = match child.stderr.take() {
            Some(pipe) if keep_log => collect(pipe),
            Some(pipe) => {
                unread = Some(pipe);
                Arc::default()
            }
            None => Arc::default(),
        };
        let (lines, address) = mpsc::channel();
        if let Some(stdout) = child.stdout.take() {
            thread::spawn(move || {
                for line in BufReader::new(stdout).lines() {
                    let Ok(line) = line else { break };
                    if let Some(url) = line.trim().strip_prefix("listening on ") {
                        let _ = lines.send(url.trim().to_owned());
                    }
                }
            });
        }
        let mut app = App {
            name: name.to_owned(),
            child: Some(child),
            url: String::new(),
            stderr,
            timeout,
        };
        match address.recv_timeout(timeout) {
            Ok(url) => {
                app.url = url;
                drop(unread);
                Ok(app)
            }
            Err(_) => Err(format!(
                "{name} printed no address within {} s; its log:\n{}",
                timeout.as_secs(),
                app.log()
            )),
        }
    }

    /// The base URL, such as `http://127.0.0.1:41234`.
    pub(crate) fn url(&self) -> &str {
        &self.url
    }

    /// The process ID, while it runs.
    pub(crate) fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// The name it was started under, for messages.
    pub(crate) fn name(&self) -> &str {
        &self.name
    }

    /// What it has written on standard error so far.
    pub(crate) fn log(&self) -> String {
        self.stderr
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Stops it with SIGTERM, as a service manager would, and waits for it to exit; kills it
    /// if it has not exited within the timeout it was started with.
    ///
    /// # Errors
    ///
    /// When it had to be killed or cannot be waited for.
    pub(crate) fn stop(mut self) -> Result<ExitStatus, String> {
        let Some(mut child) = self.child.take() else {
            return Err(format!("{} was already stopped", self.name));
        };
        let signalled = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status()
            .is_ok_and(|status| status.success());
        let deadline = Instant::now() + self.timeout;
        while signalled && Instant::now() < deadline {
            match child.try_wait() {
                Ok(Some(status)) => return Ok(status),
                Ok(None) => thread::sleep(Duration::from_millis(20)),
                Err(error) => return Err(format!("cannot wait for {}: {error}", self.name)),
            }
        }
        let _ = child.kill();
        let _ = child.wait();
        Err(format!(
            "{} did not stop on SIGTERM and was killed",
            self.name
        ))
    }
}

impl Drop for App {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Collects a pipe's text in the background.
fn collect(mut pipe: impl Read + Send + 'static) -> Arc<Mutex<String>> {
    let text = Arc::new(Mutex::new(String::new()));
    let sink = Arc::clone(&text);
    thread::spawn(move || {
        let mut buffer = [0u8; 4096];
        while let Ok(read) = pipe.read(&mut buffer) {
            if read == 0 {
                break;
            }
            let chunk = String::from_utf8_lossy(&buffer[..read]);
            sink.lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push_str(&chunk);
        }
    });
    text
}

/// How a run that was expected to end by itself ended.
#[derive(Debug)]
pub(crate) struct Exited {
    /// The exit status.
    pub(crate) status: ExitStatus,
    /// Everything printed on standard output.
    pub(crate) stdout: String,
    /// Everything printed on standard error.
    pub(crate) stderr: String,
}

/// Runs `binary` with the settings `env` and the arguments `args` and waits for it to exit by
/// itself, as it should when its settings are wrong.
///
/// # Errors
///
/// When it cannot be started, or is still running after [`START_TIMEOUT`] (it is then killed).
pub(crate) fn run_to_exit(
    binary: &Path,
    env: &[(&str, &str)],
    args: &[&str],
) -> Result<Exited, String> {
    let mut child = command(binary, env, args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|error| format!("could not start {}: {error}", binary.display()))?;
    let stdout = read_all(child.stdout.take());
    let stderr = read_all(child.stderr.take());
    let deadline = Instant::now() + START_TIMEOUT;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if Instant::now() < deadline => thread::sleep(Duration::from_millis(20)),
            Ok(None) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!("{} kept running; it was killed", binary.display()));
            }
            Err(error) => return Err(format!("cannot wait for {}: {error}", binary.display())),
        }
    };
    let text = |reader: thread::JoinHandle<String>| reader.join().unwrap_or_default();
    Ok(Exited {
        status,
        stdout: text(stdout),
        stderr: text(stderr),
    })
}

/// Reads a pipe to its end in the background.
fn read_all<R: Read + Send + 'static>(pipe: Option<R>) -> thread::JoinHandle<String> {
    thread::spawn(move || {
        let mut text = String::new();
        if let Some(mut pipe) = pipe {
            let mut bytes = Vec::new();
            let _ = pipe.read_to_end(&mut bytes);
            text = String::from_utf8_lossy(&bytes).into_owned();
        }
        text
    })
}
