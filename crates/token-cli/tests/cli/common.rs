//! What the end-to-end tests share: running the built `ckeditor-token` binary with a clean
//! environment, a server started on 127.0.0.1 and stopped by its own process ID, configuration
//! files in a private folder, and decoding tokens independently with jsonwebtoken.

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::Value;

/// The binary under test.
pub(crate) const BIN: &str = env!("CARGO_BIN_EXE_ckeditor-token");
/// An environment ID for the tests.
pub(crate) const ENVIRONMENT_ID: &str = "ENV_CLI_TEST";
/// An access key for the tests.
pub(crate) const ACCESS_KEY: &str = "cli-test-access-key-0123456789abcdef0123456789";
/// A shared secret for trusted headers.
pub(crate) const PROXY_SECRET: &str = "cli-test-proxy-secret-0123456789";

/// A command for the binary with no inherited environment, so that no setting leaks in.
pub(crate) fn command(args: &[&str], env: &[(&str, &str)]) -> Command {
    let mut command = Command::new(BIN);
    command.env_clear().args(args);
    for (name, value) in env {
        command.env(name, value);
    }
    command
}

/// How long [`run`] waits for the binary to end. A command that should have stopped at once but
/// serves instead (a refused setting accepted, say) fails its test after this.
const RUN_LIMIT: Duration = Duration::from_secs(60);

/// Runs the binary to completion, with `stdin` as standard input. Panics, after ending it, when
/// it is still running after [`RUN_LIMIT`].
pub(crate) fn run(args: &[&str], env: &[(&str, &str)], stdin: &str) -> Output {
    let mut child = command(args, env)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    let collect = |pipe: Option<Box<dyn std::io::Read + Send>>| {
        let mut pipe = pipe.expect("a pipe");
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            pipe.read_to_end(&mut bytes).expect("the pipe is readable");
            bytes
        })
    };
    let stdout = collect(child.stdout.take().map(|pipe| Box::new(pipe) as _));
    let stderr = collect(child.stderr.take().map(|pipe| Box::new(pipe) as _));
    // On its own thread, so that a command that stops reading cannot hold the test; one that
    // ends before reading it all is judged by its output.
    let mut input = child.stdin.take().expect("a stdin pipe");
    let stdin = stdin.as_bytes().to_vec();
    let writer = std::thread::spawn(move || match input.write_all(&stdin) {
        Err(error) if error.kind() != std::io::ErrorKind::BrokenPipe => {
            panic!("stdin refused the input: {error}")
        }
        _ => {}
    });
    let deadline = Instant::now() + RUN_LIMIT;
    let status = loop {
        if let Some(status) = child.try_wait().expect("the binary can be waited for") {
            break status;
        }
        if Instant::now() > deadline {
            child.kill().expect("the binary can be ended");
            child.wait().expect("the binary ends");
            let stderr = stderr.join().expect("stderr was read");
            panic!(
                "`ckeditor-token {}` still ran after {RUN_LIMIT:?}; it wrote:\n{}",
                args.join(" "),
                String::from_utf8_lossy(&stderr)
            );
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    writer.join().expect("stdin was written");
    Output {
        status,
        stdout: stdout.join().expect("stdout was read"),
        stderr: stderr.join().expect("stderr was read"),
    }
}

/// Standard output and standard error as text.
pub(crate) fn texts(output: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// A file with `text` in a folder of this test process.
pub(crate) fn config_file(text: &str) -> PathBuf {
    static COUNT: AtomicUsize = AtomicUsize::new(0);
    // Under the build's own scratch folder, which `cargo clean` empties, rather than the
    // system's: the files hold the tests' keys.
    let folder = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("ckeditor-token-cli-{}", std::process::id()));
    std::fs::create_dir_all(&folder).expect("a temporary folder");
    let path = folder.join(format!(
        "config-{}.toml",
        COUNT.fetch_add(1, Ordering::SeqCst)
    ));
    std::fs::write(&path, text).expect("the file is written");
    // As a file holding secrets should be, so that the warning about one that others may read
    // comes only where a test asks for it.
    std::fs::set_permissions(&path, std::os::unix::fs::PermissionsExt::from_mode(0o600))
        .expect("permissions");
    path
}

/// A running `serve`, stopped and reaped when dropped.
pub(crate) struct Server {
    child: Child,
    /// `http://127.0.0.1:PORT`
    pub(crate) base: String,
    /// The lines printed on standard output before and including the address.
    pub(crate) stdout: Vec<String>,
    stderr: mpsc::Receiver<String>,
}

impl Server {
    /// Starts `serve` on a free port of 127.0.0.1 and waits for its `listening on` line.
    pub(crate) fn start(args: &[&str], env: &[(&str, &str)]) -> Server {
        Server::spawn(args, env, true)
    }

    /// A server whose log pipe is closed once it listens, as when the program reading its
    /// standard error has gone away; the log it returns when it ends is empty.
    pub(crate) fn start_with_log_closed(args: &[&str], env: &[(&str, &str)]) -> Server {
        Server::spawn(args, env, false)
    }

    fn spawn(args: &[&str], env: &[(&str, &str)], read_log: bool) -> Server {
        let mut all = vec!["serve", "--listen", "127.0.0.1:0"];
        all.extend_from_slice(args);
        let mut child = command(&all, env)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the server starts");

        let (err_tx, stderr) = mpsc::channel();
        let mut err = child.stderr.take().expect("a stderr pipe");
        let unread = if read_log {
            std::thread::spawn(move || {
                let mut text = String::new();
                let _ = err.read_to_string(&mut text);
                let _ = err_tx.send(text);
            });
            None
        } else {
            let _ = err_tx.send(String::new());
            Some(err)
        };
        let (line_tx, lines) = mpsc::channel();
        let out = child.stdout.take().expect("a stdout pipe");
        std::thread::spawn(move || {
            for line in BufReader::new(out).lines().map_while(Result::ok) {
                if line_tx.send(line).is_err() {
                    break;
                }
            }
        });

        let mut stdout = Vec::new();
        let base = loop {
            let Ok(line) = lines.recv_timeout(Duration::from_secs(30)) else {
                let _ = child.kill();
                let _ = child.wait();
                let log = stderr
                    .recv_timeout(Duration::from_secs(5))
                    .unwrap_or_default();
                panic!("the server printed no address; its log:\n{log}");
            };
            stdout.push(line.clone());
            if let Some(address) = line.strip_prefix("listening on ") {
                break address.to_owned();
            }
        };
        // One more line follows in development mode; collect what is there already.
        while let Ok(line) = lines.recv_timeout(Duration::from_millis(200)) {
            stdout.push(line);
        }
        drop(unread);
        Server {
            child,
            base,
            stdout,
            stderr,
        }
    }

    /// The process ID, for signals.
    pub(crate) fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Sends SIGTERM and returns the exit success and the whole log.
    pub(crate) fn terminate(mut self) -> (bool, String) {
        let status = Command::new("kill")
            .args(["-TERM", &self.pid().to_string()])
            .status()
            .expect("kill runs");
        assert!(status.success());
        let exit = self.child.wait().expect("the server ends");
        let log = self
            .stderr
            .recv_timeout(Duration::from_secs(10))
            .unwrap_or_default();
        (exit.success(), log)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// A blocking HTTP client that never uses a proxy.
pub(crate) fn client() -> reqwest::blocking::Client {
    reqwest::blocking::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(20))
        .build()
        .expect("an HTTP client")
}

/// Status and body of `GET url` with `headers`.
pub(crate) fn get(
    client: &reqwest::blocking::Client,
    url: &str,
    headers: &[(&str, &str)],
) -> (u16, String) {
    let mut request = client.get(url);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = request.send().expect("the server answers");
    let status = response.status().as_u16();
    (status, response.text().expect("a text body"))
}

/// The claims of `token`, verified with `key` (HS256) and, when given, `aud`; `exp` is checked
/// when present.
pub(crate) fn decode(token: &str, key: &[u8], aud: Option<&str>) -> Value {
    let mut validation = Validation::new(Algorithm::HS256);
    validation.required_spec_claims.clear();
    match aud {
        Some(aud) => validation.set_audience(&[aud]),
        None => validation.validate_aud = false,
    }
    let key = DecodingKey::from_secret(key).expect("an HMAC key");
    jsonwebtoken::decode::<Value>(token, &key, &validation)
        .expect("the token verifies")
        .claims
}

/// The current Unix time in seconds.
pub(crate) fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("after 1970")
        .as_secs()
}

/// The credentials as environment variables.
pub(crate) fn credentials() -> Vec<(&'static str, &'static str)> {
    vec![
        ("CKEDITOR_ENVIRONMENT_ID", ENVIRONMENT_ID),
        ("CKEDITOR_ACCESS_KEY", ACCESS_KEY),
    ]
}

/// `text` with every byte percent-encoded, as a URL could carry it.
pub(crate) fn percent_encoded(text: &str) -> String {
    text.bytes().map(|byte| format!("%{byte:02X}")).collect()
}

/// Panics, showing `message`, unless it holds every one of `phrases`.
pub(crate) fn assert_says(message: &str, phrases: &[&str]) {
    for phrase in phrases {
        assert!(
            message.contains(phrase),
            "{phrase:?} missing from: {message}"
        );
    }
}
