//! `cargo xtask bench`: how fast the token endpoint is, measured in one run and reported as one
//! table, printed and written to `target/bench/summary.md`.
//!
//! - **core**: the core's criterion benchmark, issuing a collaboration token against a bare,
//!   pre-keyed HMAC-SHA256 over the same signing input, the best of three rounds that take
//!   turns; target at most 2×.
//! - **adapters**: `wrk`, 64 connections, against each adapter's `/token` and a plain-text
//!   `/hello` in the same process (`xtask/bench-servers`); targets requests/s at least 0.85× and
//!   p99 latency at most 1.2×. The control route `/sign` of the same process (the core's issuer
//!   signing a token built once, answered as plain text) is loaded too and reported without a
//!   target: what signing alone costs against `/hello`, which bounds what any token route can
//!   reach on the machine. The target's requests carry no `Origin`, as an editor on the
//!   application's own origin sends them; `/token` is also loaded with the editor's `Origin`
//!   (a CORS request, through the framework's CORS component) and reported without a target.
//! - **peers**: the same load against the same endpoint in Flask under gunicorn and in express
//!   (`xtask/bench-peers`); target our requests/s at least 10× theirs.
//! - **memory**: each example app's resident memory while `wrk` holds 256 connections to its
//!   token route; target under 20 MiB.
//!
//! Every target is a ratio of two figures measured in the same run on the same machine, so that
//! a busy machine slows both sides alike. Load figures are the best of several rounds (highest
//! requests/s, lowest p99), and the routes of a server take turns (see `bench/rounds.rs`).
//! The four routes of a server form a chain, each doing all that the one before does and
//! more: `/hello`, `/sign`, `/token`, and `/token` from the editor's origin. On a quiet machine
//! none outruns `/hello`, nor one of the others before it by more than a few hundredths; when
//! one does, other load disturbed the rounds, and the adapter's routes are measured again, up to
//! three times in all. If they are still disturbed after that, the adapter's rows with a
//! target, its peer rows included, read DISTURBED and count as not met, whatever their ratio.
//! The servers are release builds on their frameworks' default settings; every load is a
//! bounded `wrk` run on 127.0.0.1 against a server this task started and stops.
//!
//! Usage: `cargo xtask bench [--duration SECONDS] [--rounds N]` (defaults: 3 s, 5 rounds);
//! `--help` prints it. It exits with an error when a target is missed.

#![expect(
    clippy::print_stderr,
    clippy::print_stdout,
    reason = "the task reports progress on standard error and its table on standard output"
)]

mod checks;
mod issuing;
mod peers;
mod report;
mod rounds;
mod servers;
mod wrk;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use reqwest::blocking::Client;

use crate::apps::{self, App, EXAMPLES};
use peers::{Installed, Peer};
use report::{Row, Table, Target};
use rounds::{Best, Plan, Route};
use wrk::Load;

/// The environment every server signs with. Not a secret: it exists only for this benchmark.
const ENVIRONMENT: &str = "ENV_BENCH_7";
const KEY: &str = "bench-access-key-of-env-bench-7-0123456789abcdef";
/// The session ID the benchmark servers and peers sign their account in under.
const SESSION: &str = "4f1c0a9e7d2b86e35a0c9f14b7d8e2a61c3f5b90e8d7a4c2b1f06e9d8c7b5a43";
/// The editor origin every server allows in CORS.
const EDITOR_ORIGIN: &str = "https://editor.example.com";
/// The example user whose session loads the example apps.
const EXAMPLE_USER: &str = "alice";

/// The package of the benchmark servers, and its binary per adapter.
const BENCH_SERVERS: &str = "ckeditor-token-bench-servers";
const ADAPTERS: [(&str, &str); 3] = [
    ("actix-web", "bench-actix"),
    ("axum", "bench-axum"),
    ("warp", "bench-warp"),
];

const CONNECTIONS: u32 = 64;
/// How many times, at most, an adapter's routes are measured while the runs turn out disturbed
/// (see [`outrun_pair`]).
const ATTEMPTS: usize = 3;
const MEMORY_CONNECTIONS: u32 = 256;
const MEMORY_LIMIT: u64 = 20 * 1024 * 1024;

/// The run's settings, from the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Settings {
    duration: Duration,
    rounds: u32,
}

/// What every part of the run uses.
#[derive(Debug)]
struct Bench {
    settings: Settings,
    binaries: HashMap<String, PathBuf>,
    peers: Installed,
    client: Client,
    table: Table,
    notes: Vec<String>,
    /// The claims of the first token checked, which every other server must match.
    reference: Option<serde_json::Value>,
}

/// Runs the benchmark: see the module documentation.
///
/// # Errors
///
/// When a step fails, or when a target is missed (after the table is written).
pub(crate) fn run(args: &[String]) -> Result<(), String> {
    let Some(settings) = parse_args(args)? else {
        println!("{USAGE}");
        return Ok(());
    };
    wrk::check_installed()?;
    let load_before = report::load_average();
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .ok_or("xtask has no parent folder")?
        .to_owned();
    let scratch = target_dir(&workspace).join("bench");

    eprintln!("xtask: building the servers (release)");
    let mut packages = vec![BENCH_SERVERS];
    packages.extend(EXAMPLES.iter().map(|example| example.package));
    let mut bench = Bench {
        settings,
        binaries: build_release(&packages)?,
        peers: peers::install(&workspace.join("xtask/bench-peers"), &scratch.join("peers"))?,
        client: checks::client()?,
        table: Table::default(),
        notes: Vec::new(),
        reference: None,
    };
    bench.core()?;
    let ours = bench.adapters()?;
    bench.peers(&ours)?;
    bench.memory()?;

    bench.notes.push(format!(
        "Load average of the machine (1 min): {load_before} before the run, {} after it.",
        report::load_average()
    ));
    let method = format!(
        "load: wrk, {CONNECTIONS} connections ({MEMORY_CONNECTIONS} for memory), best of {} \
         rounds of {} s per route, routes taking turns. Each ratio compares two figures of the \
         same run on a shared, noisy machine.",
        settings.rounds,
        settings.duration.as_secs()
    );
    let summary = report::summary(&bench.table, &method, &bench.notes);
    println!("{summary}");
    std::fs::create_dir_all(&scratch)
        .map_err(|error| format!("cannot create {}: {error}", scratch.display()))?;
    let path = scratch.join("summary.md");
    std::fs::write(&path, &summary)
        .map_err(|error| format!("cannot write {}: {error}", path.display()))?;
    eprintln!("xtask: the table is in {}", path.display());
    match (bench.table.misses(), bench.table.disturbed()) {
        (0, _) => Ok(()),
        (misses, 0) => Err(format!(
            "{misses} of {} targets missed",
            bench.table.targets()
        )),
        (misses, disturbed) => Err(format!(
            "{misses} of {} targets not met, {disturbed} of them measured in disturbed rounds",
            bench.table.targets()
        )),
    }
}

impl Bench {
    /// 1: the core's criterion benchmark.
    fn core(&mut self) -> Result<(), String> {
        eprintln!("xtask: the core's criterion benchmark");
        let (costs, notes) = issuing::run()?;
        for note in notes {
            self.notes.push(format!("Core: {note}."));
        }
        for cost in costs {
            self.table.push(Row {
                measure: format!("core: issue a token ({})", cost.group),
                figure: report::nanoseconds(cost.issue_ns),
                compared_with: format!("bare HMAC {}", report::nanoseconds(cost.hmac_ns)),
                ratio: cost.issue_ns / cost.hmac_ns,
                target: Target::AtMost(2.0),
            });
        }
        Ok(())
    }

    /// 2: each adapter's token route against the hello route of its server. The token routes'
    /// figures, for the peers, and whether their rounds were disturbed.
    fn adapters(&mut self) -> Result<Vec<Ours>, String> {
        let mut ours = Vec::new();
        for (framework, binary) in ADAPTERS {
            eprintln!("xtask: {framework}: /token, /sign and /hello");
            let binary = binary_path(&self.binaries, binary)?;
            let server = start(framework, binary, &server_env())?;
            checks::hello(&self.client, server.url())?;
            self.check_token(&server, &session_cookie())?;
            checks::control_route(
                &self.client,
                server.url(),
                (ENVIRONMENT, KEY),
                &mut self.reference,
            )?;
            checks::cors_token(&self.client, server.url(), &session_cookie(), EDITOR_ORIGIN)?;
            let origin = [format!("Origin: {EDITOR_ORIGIN}")];
            let from_editor = Route {
                path: "/token",
                headers: &origin,
            };
            // In the order of `ROUTES`.
            let routes = [
                Route::plain("/hello"),
                Route::plain("/sign"),
                Route::plain("/token"),
                from_editor,
            ];
            let plan = self.plan();
            let (measured, disturbed) = measure_until_undisturbed(
                || rounds::compare(&server, routes, &plan),
                |note| self.notes.push(format!("{framework}: {note}")),
            )?;
            let [hello, sign, token, cors] = measured;
            server.stop()?;

            self.note_errors(&format!("{framework} /token"), token);
            self.note_errors(
                &format!("{framework} /token from the editor's origin"),
                cors,
            );
            self.note_errors(&format!("{framework} /sign"), sign);
            self.note_errors(&format!("{framework} /hello"), hello);
            let used = |best: Best| {
                format!(
                    "{} ({} system) and {:.3}",
                    report::nanoseconds(best.cpu_per_request.as_secs_f64() * 1e9),
                    report::nanoseconds(best.system_per_request.as_secs_f64() * 1e9),
                    best.switches_per_request
                )
            };
            self.notes.push(format!(
                "{framework}: the server's CPU time (user and system, with the system part) and \
                 involuntary context switches per request, in each route's fastest round: \
                 /hello {}, /sign {}, /token {}, /token from the editor's origin {}.",
                used(hello),
                used(sign),
                used(token),
                used(cors)
            ));
            let against_hello = |measure: String, best: Best, target| Row {
                measure,
                figure: report::rate(best.requests_per_second),
                compared_with: report::rate(hello.requests_per_second),
                ratio: best.requests_per_second / hello.requests_per_second,
                target,
            };
            let rows = [
                against_hello(
                    format!(
                        "{framework}: /sign (control: signing only) requests/s, against /hello"
                    ),
                    sign,
                    Target::Reference,
                ),
                against_hello(
                    format!("{framework}: /token requests/s, against /hello"),
                    token,
                    Target::AtLeast(0.85),
                ),
                against_hello(
                    format!(
                        "{framework}: /token from the editor's origin (a CORS request) \
                         requests/s, against /hello"
                    ),
                    cors,
                    Target::Reference,
                ),
                Row {
                    measure: format!("{framework}: /token p99 latency, against /hello"),
                    figure: report::latency(token.p99),
                    compared_with: report::latency(hello.p99),
                    ratio: token.p99.as_secs_f64() / hello.p99.as_secs_f64(),
                    target: Target::AtMost(1.2),
                },
            ];
            for row in rows {
                self.table.push_from(row, disturbed);
            }
            ours.push(Ours {
                framework,
                token,
                disturbed,
            });
        }
        Ok(ours)
    }

    /// 3: the peers' token routes against ours.
    fn peers(&mut self, ours: &[Ours]) -> Result<(), String> {
        for peer in Peer::ALL {
            eprintln!("xtask: {}: /token", peer.label());
            let command = self.peers.command(peer, &server_env());
            let server = App::start(peer.label(), command, servers::START_TIMEOUT)?;
            self.check_token(&server, &session_cookie())?;
            let [theirs] = rounds::compare(&server, [Route::plain("/token")], &self.plan())?;
            server.stop()?;

            self.note_errors(&format!("{} /token", peer.label()), theirs);
            for ours in ours {
                let token = ours.token;
                let row = Row {
                    measure: format!(
                        "{} /token requests/s, against {}",
                        ours.framework,
                        peer.label()
                    ),
                    figure: report::rate(token.requests_per_second),
                    compared_with: report::rate(theirs.requests_per_second),
                    ratio: token.requests_per_second / theirs.requests_per_second,
                    target: Target::AtLeast(10.0),
                };
                self.table.push_from(row, ours.disturbed);
            }
        }
        Ok(())
    }

    /// 4: each example app's resident memory, idle after sign-in and at its peak while `wrk`
    /// holds [`MEMORY_CONNECTIONS`] connections to its token route.
    fn memory(&mut self) -> Result<(), String> {
        let env = [
            ("CKEDITOR_ENVIRONMENT_ID", ENVIRONMENT),
            ("CKEDITOR_ACCESS_KEY", KEY),
        ];
        for example in &EXAMPLES {
            eprintln!(
                "xtask: {}: memory at {MEMORY_CONNECTIONS} connections",
                example.package
            );
            let binary = binary_path(&self.binaries, example.package)?;
            let server = start(example.package, binary, &env)?;
            let cookie = checks::sign_in(&self.client, server.url(), EXAMPLE_USER)?;
            checks::token(
                &self.client,
                server.url(),
                &cookie,
                (ENVIRONMENT, KEY),
                &mut None,
            )?;
            let idle = servers::resident_bytes(&server)?;
            let load = Load {
                url: format!("{}/token", server.url()),
                connections: MEMORY_CONNECTIONS,
                duration: self.settings.duration,
                headers: vec![format!("Cookie: {cookie}")],
            };
            let peak = rounds::peak_memory(&server, &load)?;
            server.stop()?;

            self.table.push(Row {
                measure: format!(
                    "{} example: resident memory at {MEMORY_CONNECTIONS} connections (idle {})",
                    example.framework,
                    report::mebibytes(idle)
                ),
                figure: report::mebibytes(peak),
                compared_with: format!("limit {}", report::mebibytes(MEMORY_LIMIT)),
                ratio: ratio_of_bytes(peak, MEMORY_LIMIT),
                target: Target::Below(1.0),
            });
        }
        Ok(())
    }

    fn plan(&self) -> Plan {
        Plan {
            connections: CONNECTIONS,
            headers: vec![format!("Cookie: {}", session_cookie())],
            duration: self.settings.duration,
            rounds: self.settings.rounds,
        }
    }

    fn check_token(&mut self, server: &App, cookie: &str) -> Result<(), String> {
        let credentials = (ENVIRONMENT, KEY);
        checks::token(
            &self.client,
            server.url(),
            cookie,
            credentials,
            &mut self.reference,
        )
    }

    fn note_errors(&mut self, what: &str, best: Best) {
        if best.socket_errors > 0 {
            self.notes.push(format!(
                "{what}: wrk counted {} socket errors (connect, read, write, timeout) over its \
                 runs.",
                best.socket_errors
            ));
        }
    }
}

/// An adapter's token route, as measured for the peers' rows.
#[derive(Debug, Clone, Copy)]
struct Ours {
    framework: &'static str,
    token: Best,
    /// Whether the adapter's rounds were still disturbed after every attempt.
    disturbed: bool,
}

/// The routes of an adapter's server, in the order [`Bench::adapters`] loads them, which is the
/// order of their work: each does all that the ones before it do, and more. `/sign` is
/// `/hello`'s plain answer with a signed token in it; `/token` adds the login, the identity and
/// the endpoint's decisions to `/sign`'s signing; the request from the editor's origin adds the
/// CORS component to `/token`.
const ROUTES: [&str; 4] = [
    "/hello",
    "/sign",
    "/token",
    "/token from the editor's origin",
];

/// How far a route may outrun one before it in [`ROUTES`], other than `/hello`, before the run
/// counts as disturbed: the requests/s of routes whose work differs by little, such as `/token`
/// with and without the CORS component, can swap places by a few hundredths on a quiet machine.
/// No route may outrun `/hello` at all: each adds at least the signing to it, a tenth of a
/// hello request or more.
const TOLERANCE: f64 = 1.03;

/// Of the routes in `measured` (in [`ROUTES`] order), the pair whose busier route outran one
/// before it by the most, if by more than that one allows (see [`TOLERANCE`]): the busier
/// route, the other, and the ratio of their requests/s. On a quiet machine no such pair exists;
/// one that does shows that other load disturbed the rounds, and no ratio from them holds.
fn outrun_pair(measured: &[Best; 4]) -> Option<(&'static str, &'static str, f64)> {
    let mut worst = None;
    for (more, busier) in measured.iter().enumerate() {
        for (less, lighter) in measured[..more].iter().enumerate() {
            let ratio = busier.requests_per_second / lighter.requests_per_second;
            let allowed = if less == 0 { 1.0 } else { TOLERANCE };
            if ratio > allowed && worst.is_none_or(|(_, _, worst)| ratio > worst) {
                worst = Some((ROUTES[more], ROUTES[less], ratio));
            }
        }
    }
    worst
}

/// Measures an adapter's routes with `measure` (in [`ROUTES`] order) until [`outrun_pair`]
/// finds them in order, [`ATTEMPTS`] times at most, telling `note` why an attempt is repeated or
/// that the last is still disturbed. The last figures, and whether they are still disturbed.
fn measure_until_undisturbed(
    mut measure: impl FnMut() -> Result<[Best; 4], String>,
    mut note: impl FnMut(String),
) -> Result<([Best; 4], bool), String> {
    let mut attempt = 1;
    loop {
        let measured = measure()?;
        let Some((more, less, ratio)) = outrun_pair(&measured) else {
            return Ok((measured, false));
        };
        if attempt >= ATTEMPTS {
            note(format!(
                "in attempt {attempt}, the last, {more} outran {less} ({ratio:.2}×); these rows \
                 are marked disturbed. Run the benchmark again on a quieter machine."
            ));
            return Ok((measured, true));
        }
        note(format!(
            "in attempt {attempt}, {more} reached {ratio:.2}× the requests/s of {less}, which \
             does less; other load on the machine disturbed those rounds, so all four routes \
             were measured again."
        ));
        attempt += 1;
    }
}

/// What `cargo xtask bench --help` prints, and a wrong argument shows.
const USAGE: &str = "usage: cargo xtask bench [--duration SECONDS (1-600)] [--rounds N (1-20)]";

/// The settings `args` ask for, or `None` when they ask for the usage (`--help`, `-h`).
fn parse_args(args: &[String]) -> Result<Option<Settings>, String> {
    let mut settings = Settings {
        duration: Duration::from_secs(3),
        rounds: 5,
    };
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        if matches!(arg.as_str(), "--help" | "-h") {
            return Ok(None);
        }
        let value = args.next().map(String::as_str);
        match (arg.as_str(), value.map(str::parse::<u32>)) {
            ("--duration", Some(Ok(seconds @ 1..=600))) => {
                settings.duration = Duration::from_secs(seconds.into());
            }
            ("--rounds", Some(Ok(rounds @ 1..=20))) => settings.rounds = rounds,
            _ => return Err(USAGE.to_owned()),
        }
    }
    Ok(Some(settings))
}

/// Cargo's target folder: `CARGO_TARGET_DIR`, or `target` in the workspace.
fn target_dir(workspace: &Path) -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace.join("target"))
}

fn binary_path<'a>(binaries: &'a HashMap<String, PathBuf>, name: &str) -> Result<&'a Path, String> {
    binaries
        .get(name)
        .map(PathBuf::as_path)
        .ok_or_else(|| format!("the release build made no binary {name}"))
}

/// The `Cookie` header value of the benchmark's session.
fn session_cookie() -> String {
    format!("session={SESSION}")
}

/// The settings every benchmark server and peer starts with.
fn server_env() -> [(&'static str, &'static str); 4] {
    [
        ("CKEDITOR_ENVIRONMENT_ID", ENVIRONMENT),
        ("CKEDITOR_ACCESS_KEY", KEY),
        ("CKEDITOR_TOKEN_CORS_ORIGINS", EDITOR_ORIGIN),
        ("BENCH_SESSION", SESSION),
    ]
}

/// Starts the release `binary` on 127.0.0.1 with an OS-chosen port and only the `CKEDITOR_*`
/// settings `env`.
fn start(name: &str, binary: &Path, env: &[(&str, &str)]) -> Result<App, String> {
    let command = apps::command(binary, env, &["--listen", "127.0.0.1:0"]);
    App::start(name, command, servers::START_TIMEOUT)
}

/// Builds `packages` with the release profile, as they would be deployed, and returns every
/// binary cargo reports, by name.
fn build_release(packages: &[&str]) -> Result<HashMap<String, PathBuf>, String> {
    let mut args = vec!["--release".to_owned()];
    for package in packages {
        args.extend(["--package".to_owned(), (*package).to_owned()]);
    }
    apps::cargo_build(&args)
}

/// `bytes / limit`, in KiB so that the conversion to a float is exact.
fn ratio_of_bytes(bytes: u64, limit: u64) -> f64 {
    let as_float = |value: u64| f64::from(u32::try_from(value / 1024).unwrap_or(u32::MAX));
    as_float(bytes) / as_float(limit)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(requests_per_second: f64) -> Best {
        Best {
            requests_per_second,
            p99: Duration::from_millis(1),
            socket_errors: 0,
            cpu_per_request: Duration::from_micros(7),
            system_per_request: Duration::from_micros(5),
            switches_per_request: 0.0,
        }
    }

    fn args(line: &str) -> Vec<String> {
        line.split_whitespace().map(str::to_owned).collect()
    }

    #[test]
    fn the_arguments_set_the_duration_and_rounds_or_ask_for_the_usage() {
        let settings = |duration, rounds| {
            Ok(Some(Settings {
                duration: Duration::from_secs(duration),
                rounds,
            }))
        };
        assert_eq!(parse_args(&args("")), settings(3, 5));
        assert_eq!(
            parse_args(&args("--rounds 2 --duration 10")),
            settings(10, 2)
        );
        assert_eq!(
            parse_args(&args("--duration 600 --rounds 20")),
            settings(600, 20)
        );
        for help in ["--help", "-h", "--rounds 2 --help", "--help --rounds"] {
            assert_eq!(parse_args(&args(help)), Ok(None), "{help}");
        }
        for wrong in [
            "--duration 0",
            "--duration 601",
            "--rounds 21",
            "--rounds",
            "--rounds two",
            "--seconds 3",
            "help",
        ] {
            assert_eq!(parse_args(&args(wrong)), Err(USAGE.to_owned()), "{wrong}");
        }
    }

    #[test]
    fn a_route_faster_than_one_doing_less_marks_the_run_disturbed() {
        // In `ROUTES` order: /hello, /sign, /token, /token from the editor's origin.
        let quiet = [at(100.0), at(95.0), at(80.0), at(78.0)];
        assert_eq!(outrun_pair(&quiet), None);
        let at_the_tolerance = [at(103.0), at(100.0), at(100.0), at(103.0)];
        assert_eq!(outrun_pair(&at_the_tolerance), None);
        // Nothing may outrun /hello, as /sign did by 2% in one disturbed run.
        let over_hello = [at(100.0), at(102.0), at(97.0), at(93.0)];
        assert_eq!(outrun_pair(&over_hello), Some(("/sign", "/hello", 1.02)));
        let control = [at(100.0), at(110.0), at(93.0), at(92.0)];
        assert_eq!(outrun_pair(&control), Some(("/sign", "/hello", 1.1)));
        let cors = [at(100.0), at(95.0), at(75.0), at(84.0)];
        assert_eq!(
            outrun_pair(&cors),
            Some(("/token from the editor's origin", "/token", 1.12))
        );
        // Only the first and last routes are out of order by more than the tolerance.
        let cors_over_sign = [at(103.0), at(100.0), at(102.9), at(105.9)];
        let (more, less, _) = outrun_pair(&cors_over_sign).expect("out of order");
        assert_eq!((more, less), ("/token from the editor's origin", "/sign"));
        // Of two pairs out of order, the one further apart is named.
        let two = [at(100.0), at(106.0), at(110.0), at(90.0)];
        assert_eq!(outrun_pair(&two), Some(("/token", "/hello", 1.1)));
    }

    #[test]
    fn disturbed_runs_are_measured_again_up_to_the_last_attempt() {
        let quiet = [at(100.0), at(95.0), at(80.0), at(78.0)];
        let disturbed = [at(100.0), at(110.0), at(93.0), at(92.0)];

        let mut runs = vec![quiet, disturbed];
        let mut notes = Vec::new();
        let (measured, still) =
            measure_until_undisturbed(|| Ok(runs.pop().expect("a run")), |note| notes.push(note))
                .expect("measured");
        assert_eq!((measured[1].requests_per_second, still), (95.0, false));
        assert_eq!(notes.len(), 1, "{notes:?}");
        assert!(
            notes[0].starts_with("in attempt 1, /sign reached 1.10×"),
            "{notes:?}"
        );

        let mut attempts = 0;
        let mut notes = Vec::new();
        let (measured, still) = measure_until_undisturbed(
            || {
                attempts += 1;
                Ok(disturbed)
            },
            |note| notes.push(note),
        )
        .expect("measured");
        assert_eq!((attempts, still), (ATTEMPTS, true));
        assert_eq!(measured[1].requests_per_second, 110.0);
        assert_eq!(notes.len(), ATTEMPTS, "{notes:?}");
        assert!(notes[ATTEMPTS - 1].contains("the last"), "{notes:?}");

        let failed = measure_until_undisturbed(|| Err("wrk failed".to_owned()), |_| {});
        assert_eq!(failed.map(|(_, still)| still), Err("wrk failed".to_owned()));
    }
}
