//! `cargo xtask client`: the editor's own token client, in a real browser, against every example
//! app.
//!
//! The client is the `Token` class of the published `@ckeditor/ckeditor5-cloud-services`
//! package, at the version pinned in `xtask/client/package-lock.json`, bundled for the browser
//! with esbuild. `xtask/client/run.mjs` drives it in Debian's headless Chromium and reports what
//! it did; this task sets the stage and checks the report:
//!
//! 1. installs Chromium (`apt-get`) when it is missing, the npm packages (`npm ci`), and bundles;
//! 2. builds the example apps with `test-hooks`;
//! 3. serves two page origins on 127.0.0.1: one the apps allow in CORS, one they do not;
//! 4. starts each app twice, both with that CORS policy: once with a fixed clock, where every
//!    token for a user is known in advance, and once with the real clock and a 4-second
//!    lifetime, to watch the client refresh;
//! 5. runs the driver and checks every scenario of every app (see [`SCENARIOS`]), the tokens
//!    against the bytes worked out here with `ckeditor-token-core`;
//! 6. stops everything it started.
//!
//! Nothing leaves 127.0.0.1 except the package installs.

#![expect(
    clippy::print_stderr,
    reason = "a command-line task reports its progress on standard error"
)]

mod pages;

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use ckeditor_token_core::{Environment, FixedClock, Identity, Issuer, Role};
use ckeditor_token_demo_login::users;
use serde_json::{Value, json};

use crate::apps::{self, App, EXAMPLES, Example};
use pages::PageOrigin;

/// Debian's Chromium, the browser the driver launches.
const CHROMIUM: &str = "/usr/bin/chromium";

const ENVIRONMENT: &str = "ENV_CLIENT_789";
const KEY: &str = "client-harness-access-key-of-env-client-789-0123456789";
/// The request header the apps allow, which the preflight scenario sends.
const ALLOWED_HEADER: &str = "authorization";

/// The user of the fixed-clock scenarios.
const USER: &str = "alice";
/// A user whose compact claims would not survive `atob()` (see the demo users' table).
const HAZARD_USER: &str = "chloe";

/// The fixed-clock apps' token lifetime: the apps' default.
const LIFETIME: Duration = Duration::from_secs(3600);
/// The refresh apps' token lifetime, in seconds: the client refreshes every 1.5 to 2 s.
const REFRESH_LIFETIME: u64 = 4;
/// How long the client is watched refreshing, per user.
const REFRESH_WINDOW_MS: u64 = 7000;
/// How late after its due time the driver lets a refresh come.
const REFRESH_SLACK_MS: u64 = 400;

/// What the driver reports for each app, and what each report must show.
const SCENARIOS: [(&str, Expect); 8] = [
    ("same-origin", Expect::Token),
    ("cross-origin-default", Expect::CannotDownload),
    ("cross-origin-default-disallowed", Expect::NetworkError),
    ("credentials-allowed", Expect::Token),
    ("credentials-disallowed", Expect::NetworkError),
    ("authorization-header", Expect::TokenAfterPreflight),
    ("refresh alice", Expect::Refreshes { hazard: false }),
    (
        "refresh chloe (atob hazard)",
        Expect::Refreshes { hazard: true },
    ),
];

/// The outcome a scenario must have.
#[derive(Debug, Clone, Copy)]
enum Expect {
    /// The client holds exactly the token the app issues to [`USER`].
    Token,
    /// As [`Expect::Token`], and the browser sent a CORS preflight first.
    TokenAfterPreflight,
    /// The 401 reached the client, which failed with `token-cannot-download-new-token`.
    CannotDownload,
    /// The browser hid the answer: the client saw only a network error.
    NetworkError,
    /// The client refreshed on the schedule it derives from `exp`, reading every payload with
    /// `atob()`; with `hazard`, compact JSON of the same claims would have needed `-` or `_`.
    Refreshes { hazard: bool },
}

/// Runs the whole task.
///
/// # Errors
///
/// When a tool cannot be installed or run, an app does not start, or any check fails; every
/// failure has been printed.
pub(crate) fn run() -> Result<(), String> {
    let client = workspace_root().join("xtask").join("client");
    install_chromium()?;
    npm(&client, &["ci", "--no-audit", "--no-fund"])?;
    npm(&client, &["run", "bundle"])?;
    let binaries = apps::build(&EXAMPLES, &["test-hooks"])?;

    let allowed = PageOrigin::start()?;
    let disallowed = PageOrigin::start()?;
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_err(|error| format!("the system clock is before 1970: {error}"))?
        .as_secs();
    let expected = expected_token(now)?;

    let mut running = Vec::new();
    let mut targets = Vec::new();
    for example in &EXAMPLES {
        let binary = binaries.path(example)?;
        let now = now.to_string();
        let lifetime = REFRESH_LIFETIME.to_string();
        let fixed = apps::start(
            binary,
            &settings(&allowed.origin(), ("CKEDITOR_TOKEN_TEST_NOW", &now)),
        )?;
        let refresh = apps::start(
            binary,
            &settings(
                &allowed.origin(),
                ("CKEDITOR_TOKEN_TEST_LIFETIME", &lifetime),
            ),
        )?;
        targets.push(target(example, &fixed, &refresh, &expected));
        running.push(fixed);
        running.push(refresh);
    }
    let input = json!({
        "pages": { "allowed": allowed.origin(), "disallowed": disallowed.origin() },
        "targets": targets,
    });

    let report = drive(&client, &input);
    let mut stopped = Vec::new();
    for app in running {
        if let Err(problem) = app.stop() {
            stopped.push(problem);
        }
    }
    let (passed, failures) = check(&report?, &expected);

    let failed = failures.len() + stopped.len();
    eprintln!("client: {passed} passed, {failed} failed");
    if failed == 0 {
        Ok(())
    } else {
        Err(format!(
            "{failed} client checks failed:\n  {}",
            failures
                .into_iter()
                .chain(stopped)
                .collect::<Vec<_>>()
                .join("\n  ")
        ))
    }
}

/// The settings of every app in this run, plus one test setting.
fn settings<'a>(allowed_origin: &'a str, test: (&'a str, &'a str)) -> Vec<(&'a str, &'a str)> {
    vec![
        ("CKEDITOR_ENVIRONMENT_ID", ENVIRONMENT),
        ("CKEDITOR_ACCESS_KEY", KEY),
        ("CKEDITOR_TOKEN_CORS_ORIGINS", allowed_origin),
        ("CKEDITOR_TOKEN_CORS_CREDENTIALS", "true"),
        ("CKEDITOR_TOKEN_CORS_HEADERS", ALLOWED_HEADER),
        test,
    ]
}

/// The token a fixed-clock app issues to [`USER`] at `now`, worked out with the core from the
/// demo users' table, the way the spec says the claims are made: collaboration claims, the
/// user's profile, `*` as writer.
fn expected_token(now: u64) -> Result<String, String> {
    let user = users::find(USER).ok_or_else(|| format!("no demo user {USER}"))?;
    let environment =
        Environment::new(ENVIRONMENT, KEY).map_err(|error| format!("environment: {error}"))?;
    let issuer = Issuer::builder(environment)
        .lifetime(LIFETIME)
        .clock(FixedClock::at_unix_seconds(now))
        .build()
        .map_err(|error| format!("issuer: {error}"))?;
    let identity = Identity::builder(user.id)
        .name(user.name)
        .email(user.email)
        .avatar(&user.avatar)
        .grant("*", Role::Writer)
        .build()
        .map_err(|error| format!("{USER}'s identity: {error}"))?;
    let token = issuer
        .collaboration(&identity)
        .map_err(|error| format!("{USER}'s token: {error}"))?;
    Ok(token.into_string())
}

/// One app's entry in the driver's input.
fn target(example: &Example, fixed: &App, refresh: &App, expected: &str) -> Value {
    json!({
        "adapter": example.framework,
        "app": fixed.url(),
        "user": USER,
        "expectedToken": expected,
        "refresh": {
            "app": refresh.url(),
            "lifetimeSeconds": REFRESH_LIFETIME,
            "windowMs": REFRESH_WINDOW_MS,
            "users": [{ "user": USER }, { "user": HAZARD_USER, "atobHazard": true }],
        },
    })
}

/// Runs the driver with `input` on its standard input; its progress goes to standard error.
fn drive(client: &Path, input: &Value) -> Result<Value, String> {
    eprintln!("xtask: running the client in Chromium");
    let mut driver = Command::new("node")
        .arg("run.mjs")
        .arg("-")
        .current_dir(client)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|error| format!("could not run node: {error}"))?;
    if let Some(mut stdin) = driver.stdin.take() {
        stdin
            .write_all(input.to_string().as_bytes())
            .map_err(|error| format!("could not hand the driver its input: {error}"))?;
    }
    let output = driver
        .wait_with_output()
        .map_err(|error| format!("the driver did not finish: {error}"))?;
    // 0: all passed, 1: some failed (both report); anything else: no report.
    if !matches!(output.status.code(), Some(0 | 1)) {
        return Err(format!(
            "the driver could not run the scenarios ({})",
            output.status
        ));
    }
    serde_json::from_slice(&output.stdout)
        .map_err(|error| format!("the driver's report is not JSON: {error}"))
}

/// The number of scenarios that passed, and every problem with the driver's report: a missing,
/// extra or failed scenario, or an outcome other than the one this task expects.
fn check(report: &Value, expected: &str) -> (usize, Vec<String>) {
    let mut passed = 0;
    let mut failures = Vec::new();
    let empty = Vec::new();
    let results = report["results"].as_array().unwrap_or(&empty);
    if let Some(foreign) = report["foreignRequests"]
        .as_array()
        .filter(|list| !list.is_empty())
    {
        failures.push(format!(
            "the browser requested hosts outside the run: {foreign:?}"
        ));
    }
    if results.len() != EXAMPLES.len() * SCENARIOS.len() {
        failures.push(format!(
            "{} results, expected {} per app",
            results.len(),
            SCENARIOS.len()
        ));
    }
    for example in &EXAMPLES {
        for (scenario, expect) in SCENARIOS {
            let name = format!("{} {scenario}", example.framework);
            let found = results
                .iter()
                .find(|r| r["adapter"] == example.framework && r["scenario"] == scenario);
            let problem = match found {
                None => Some("no result".to_owned()),
                Some(result) if result["pass"] != true => {
                    Some(format!("the driver found: {}", result["problems"]))
                }
                Some(result) => outcome_problem(&result["observed"], expect, expected),
            };
            match problem {
                Some(problem) => failures.push(format!("{name}: {problem}")),
                None => passed += 1,
            }
        }
    }
    (passed, failures)
}

/// Checks an observed outcome against `expect`, independently of the driver's own verdict.
fn outcome_problem(observed: &Value, expect: Expect, expected: &str) -> Option<String> {
    let error_name = observed["error"]["name"].as_str();
    let message = observed["error"]["message"].as_str().unwrap_or_default();
    match expect {
        Expect::Token | Expect::TokenAfterPreflight if observed["value"] != expected => {
            Some(format!(
                "the client holds {}, the app issues {expected}",
                observed["value"]
            ))
        }
        Expect::TokenAfterPreflight if observed["preflights"].as_u64().unwrap_or(0) == 0 => {
            Some("no preflight was seen".to_owned())
        }
        Expect::Token | Expect::TokenAfterPreflight => None,
        Expect::CannotDownload
            if error_name != Some("CKEditorError")
                || message.split_whitespace().next() != Some("token-cannot-download-new-token") =>
        {
            Some(format!(
                "the client failed with {error_name:?}: {message:?}"
            ))
        }
        Expect::NetworkError if error_name != Some("Error") || message != "Network Error" => Some(
            format!("the client failed with {error_name:?}: {message:?}"),
        ),
        Expect::CannotDownload | Expect::NetworkError => None,
        Expect::Refreshes { hazard } => refresh_problem(observed, hazard),
    }
}

/// At least as many token requests in the window as a [`REFRESH_LIFETIME`] allows at its
/// slowest (one refresh per half lifetime, plus slack), each answered with a token whose payload
/// the browser's `atob()` reads; for the hazard user, compact JSON would have failed there.
fn refresh_problem(observed: &Value, hazard: bool) -> Option<String> {
    let empty = Vec::new();
    let requests = observed["requests"].as_array().unwrap_or(&empty);
    let slowest = REFRESH_LIFETIME * 1000 / 2 + REFRESH_SLACK_MS;
    let minimum = 1 + REFRESH_WINDOW_MS / slowest;
    let minimum = usize::try_from(minimum).unwrap_or(usize::MAX);
    if requests.len() < minimum {
        return Some(format!(
            "{} token requests in {REFRESH_WINDOW_MS} ms, at least {minimum} expected",
            requests.len()
        ));
    }
    for request in requests {
        if request["status"] != 200 || request["atob"] != "ok" || !request["exp"].is_u64() {
            return Some(format!("a token request went wrong: {request}"));
        }
        if hazard && request["compactNeedsUrlChars"] != true {
            return Some(format!(
                "compact claims would have been atob-safe: {request}"
            ));
        }
    }
    None
}

/// Installs Debian's Chromium unless it is there.
fn install_chromium() -> Result<(), String> {
    if Path::new(CHROMIUM).exists() {
        return Ok(());
    }
    eprintln!("xtask: installing chromium");
    run_tool(Command::new("apt-get").arg("update"), "apt-get update")?;
    run_tool(
        Command::new("apt-get")
            .args(["install", "-y", "chromium"])
            .env("DEBIAN_FRONTEND", "noninteractive"),
        "apt-get install chromium",
    )
}

/// Runs `npm` with `args` in the client project.
fn npm(client: &Path, args: &[&str]) -> Result<(), String> {
    eprintln!("xtask: npm {}", args.join(" "));
    run_tool(
        Command::new("npm").args(args).current_dir(client),
        &format!("npm {}", args.join(" ")),
    )
}

fn run_tool(command: &mut Command, what: &str) -> Result<(), String> {
    let status = command
        .stdin(Stdio::null())
        .status()
        .map_err(|error| format!("could not run {what}: {error}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("`{what}` failed ({status})"))
    }
}

/// The workspace root: the parent of the xtask package.
fn workspace_root() -> PathBuf {
    let xtask = Path::new(env!("CARGO_MANIFEST_DIR"));
    xtask.parent().unwrap_or(xtask).to_path_buf()
}
