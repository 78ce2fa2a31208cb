//! Project tasks, run as `cargo xtask <task>`.
//!
//! - `test`: formatting, clippy with warnings denied, every test, the documentation with
//!   warnings denied, and the published crates' packages. The README's test command and what CI
//!   runs. Ends with the conformance run.
//! - `conformance`: builds the three example apps, starts each on 127.0.0.1, runs one suite
//!   against each over real HTTP and compares their answers; see `conformance.rs`.
//! - `client`: the published CKEditor 5 token client in headless Chromium against each example
//!   app: same origin, CORS, credentials, preflight, refresh; see `client.rs`.
//! - `bench`: the performance targets in one run and one table (core, adapters, peers, memory),
//!   also written to `target/bench/summary.md`; see `bench.rs`. Not part of `test`.

mod apps;
mod bench;
mod client;
mod conformance;
mod published;

use std::process::{Command, ExitCode};

/// What `cargo xtask --help` prints.
const USAGE: &str = "\
usage: cargo xtask <task>

tasks:
  test         formatting, clippy, every test, the documentation, the packages, conformance
  conformance  the conformance suite against the three example apps over HTTP
  client       CKEditor 5's token client in headless Chromium against the example apps
  bench        the performance targets in one table (see `cargo xtask bench --help`)
";

#[expect(clippy::print_stderr, reason = "a task reports on standard error")]
#[expect(
    clippy::print_stdout,
    reason = "asked-for help goes to standard output"
)]
fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("test") => test(),
        Some("conformance") => conformance::run(),
        Some("client") => client::run(),
        Some("bench") => bench::run(&args[1..]),
        Some("--help" | "-h" | "help") => {
            print!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        _ => {
            eprint!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("xtask: {message}");
            ExitCode::FAILURE
        }
    }
}

fn test() -> Result<(), String> {
    cargo(&["fmt", "--all", "--check"])?;
    cargo(&[
        "clippy",
        "--workspace",
        "--all-targets",
        "--all-features",
        "--",
        "-D",
        "warnings",
    ])?;
    cargo(&["test", "--workspace", "--all-features"])?;
    // The documentation builds without a broken link or a warning.
    cargo_with(
        &["doc", "--workspace", "--no-deps", "--all-features"],
        &[("RUSTDOCFLAGS", "-D warnings")],
    )?;
    cargo(&published::package_args())?;
    conformance::run()?;
    Ok(())
}

/// Runs `cargo` with `args`, failing with the command line if it fails.
fn cargo(args: &[&str]) -> Result<(), String> {
    cargo_with(args, &[])
}

/// Runs `cargo` with `args` and the environment variables `env`, failing with the command line
/// if it fails.
#[expect(clippy::print_stderr, reason = "a task reports on standard error")]
fn cargo_with(args: &[&str], env: &[(&str, &str)]) -> Result<(), String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let prefix: String = env
        .iter()
        .map(|(name, value)| format!("{name}='{value}' "))
        .collect();
    eprintln!("xtask: {prefix}cargo {}", args.join(" "));
    let status = Command::new(&cargo)
        .args(args)
        .envs(env.iter().copied())
        .status()
        .map_err(|error| format!("could not run cargo: {error}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("`cargo {}` failed", args.join(" ")))
    }
}
