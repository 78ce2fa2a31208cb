//! The core's criterion benchmark (`crates/token-core/benches/issue.rs`): issuing a
//! collaboration token against a bare, pre-keyed HMAC-SHA256 over the same signing input.
//!
//! The benchmark prints one line per identity it measures,
//! `GROUP: issue N ns, bare HMAC M ns, ratio R (target <= 2)`, each figure the best of its rounds'
//! mean estimates; those lines are what is read here.

#![expect(
    clippy::print_stderr,
    reason = "criterion's report is passed on to standard error as it comes"
)]

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

/// One identity's measurement.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct IssueCost {
    /// The benchmark group: which identity.
    pub(crate) group: String,
    /// Issuing a token, nanoseconds: the best round's mean.
    pub(crate) issue_ns: f64,
    /// The bare HMAC over the same signing input, nanoseconds: the best round's mean.
    pub(crate) hmac_ns: f64,
}

/// Runs the benchmark and reads its results: the cost of each group, and the notes it prints
/// (the mix of payloads the browser-safe encoding meets).
///
/// # Errors
///
/// When cargo fails or the benchmark prints no result line.
pub(crate) fn run() -> Result<(Vec<IssueCost>, Vec<String>), String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let mut child = Command::new(cargo)
        .args([
            "bench",
            "--package",
            "ckeditor-token-core",
            "--bench",
            "issue",
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|error| format!("could not run cargo bench: {error}"))?;
    let mut report = String::new();
    if let Some(stdout) = child.stdout.take() {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            eprintln!("{line}");
            report.push_str(&line);
            report.push('\n');
        }
    }
    let status = child
        .wait()
        .map_err(|error| format!("cannot wait for cargo bench: {error}"))?;
    if !status.success() {
        return Err(format!("the core benchmark failed ({status})"));
    }
    let costs = parse(&report);
    let notes = report
        .lines()
        .filter_map(|line| line.trim().strip_prefix("payload mix: "))
        .map(str::to_owned)
        .collect();
    if costs.is_empty() {
        return Err(
            "the core benchmark printed no `GROUP: issue N ns, bare HMAC M ns` line; \
                    has its output changed?"
                .to_owned(),
        );
    }
    Ok((costs, notes))
}

/// The result lines of the benchmark's output.
fn parse(report: &str) -> Vec<IssueCost> {
    report.lines().filter_map(parse_line).collect()
}

/// `collaboration: issue 812 ns, bare HMAC 455 ns, ratio 1.78 (target <= 2)`.
fn parse_line(line: &str) -> Option<IssueCost> {
    let (group, rest) = line.trim().split_once(": issue ")?;
    let (issue, rest) = rest.split_once(" ns, bare HMAC ")?;
    let (hmac, _) = rest.split_once(" ns")?;
    Some(IssueCost {
        group: group.to_owned(),
        issue_ns: issue.trim().parse().ok()?,
        hmac_ns: hmac.trim().parse().ok()?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn result_lines_are_read_and_the_rest_skipped() {
        let report = "\
collaboration/issue     time:   [801.2 ns 812.0 ns 822.9 ns]
collaboration: issue 812 ns, bare HMAC 455 ns, ratio 1.78 (target <= 2)
collaboration-one-space: issue 1650 ns, bare HMAC 470 ns, ratio 3.51 (target <= 2)
";
        assert_eq!(
            parse(report),
            vec![
                IssueCost {
                    group: "collaboration".to_owned(),
                    issue_ns: 812.0,
                    hmac_ns: 455.0,
                },
                IssueCost {
                    group: "collaboration-one-space".to_owned(),
                    issue_ns: 1650.0,
                    hmac_ns: 470.0,
                },
            ]
        );
    }

    #[test]
    fn criterion_lines_are_not_results() {
        assert_eq!(
            parse_line("search/atob_safe_json time: [1.0 µs 1.1 µs 1.2 µs]"),
            None
        );
    }
}
