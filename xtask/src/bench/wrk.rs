//! Load from `wrk` (Debian's package): one bounded run against one URL, and what it measured.
//!
//! Every run has a fixed duration and stops by itself; a run still going well after it is
//! killed. `--latency` makes wrk print its latency percentiles, of which the 99th is kept.

use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

/// How long a run may overrun its duration before it is killed.
const GRACE: Duration = Duration::from_secs(30);

/// One load run: where, how hard, how long.
#[derive(Debug, Clone)]
pub(crate) struct Load {
    /// The full URL, such as `http://127.0.0.1:41234/token`.
    pub(crate) url: String,
    /// Open connections, each sending its next request as soon as the last is answered.
    pub(crate) connections: u32,
    /// How long the run lasts.
    pub(crate) duration: Duration,
    /// Request headers, as `Name: value`.
    pub(crate) headers: Vec<String>,
}

/// What one run measured.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Measured {
    /// Completed requests per second.
    pub(crate) requests_per_second: f64,
    /// The 99th percentile of latency.
    pub(crate) p99: Duration,
    /// Completed requests.
    pub(crate) requests: u64,
    /// Connect, read and write errors and timeouts, together.
    pub(crate) socket_errors: u64,
    /// Answers with a status outside 2xx and 3xx.
    pub(crate) failed_answers: u64,
}

/// Whether `wrk` can be run.
///
/// # Errors
///
/// When it is not installed, with the command that installs it.
pub(crate) fn check_installed() -> Result<(), String> {
    match Command::new("wrk").arg("--version").output() {
        Ok(_) => Ok(()),
        Err(_) => Err("wrk is not installed; install it with `apt-get install -y wrk`".to_owned()),
    }
}

/// Starts `load` without waiting for it, for a caller that watches the server meanwhile.
///
/// # Errors
///
/// When wrk cannot be started.
pub(crate) fn spawn(load: &Load) -> Result<Child, String> {
    let threads = thread::available_parallelism()
        .map_or(1, usize::from)
        .min(load.connections as usize)
        .max(1);
    let mut command = Command::new("wrk");
    command
        .arg("--latency")
        .args(["-t", &threads.to_string()])
        .args(["-c", &load.connections.to_string()])
        .args(["-d", &format!("{}s", load.duration.as_secs().max(1))]);
    for header in &load.headers {
        command.args(["-H", header]);
    }
    command
        .arg(&load.url)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|error| format!("could not start wrk: {error}"))
}

/// Waits for a run started by [`spawn`] and reads its report.
///
/// # Errors
///
/// When wrk fails, overruns (it is then killed) or prints no report.
pub(crate) fn finish(mut child: Child, load: &Load) -> Result<Measured, String> {
    let deadline = Instant::now() + load.duration + GRACE;
    loop {
        match child.try_wait() {
            Ok(Some(_)) => break,
            Ok(None) if Instant::now() < deadline => thread::sleep(Duration::from_millis(50)),
            Ok(None) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!("wrk against {} overran and was killed", load.url));
            }
            Err(error) => return Err(format!("cannot wait for wrk: {error}")),
        }
    }
    let output = child
        .wait_with_output()
        .map_err(|error| format!("cannot read wrk's report: {error}"))?;
    let report = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() {
        return Err(format!(
            "wrk against {} failed: {}{}",
            load.url,
            report,
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    parse(&report).map_err(|problem| format!("{problem} in wrk's report:\n{report}"))
}

/// Runs `load` to its end.
///
/// # Errors
///
/// As [`spawn`] and [`finish`].
pub(crate) fn run(load: &Load) -> Result<Measured, String> {
    let child = spawn(load)?;
    finish(child, load)
}

/// Reads wrk's report.
fn parse(report: &str) -> Result<Measured, String> {
    let mut requests_per_second = None;
    let mut p99 = None;
    let mut requests = None;
    let mut socket_errors = 0;
    let mut failed_answers = 0;
    for line in report.lines().map(str::trim) {
        if let Some(rate) = line.strip_prefix("Requests/sec:") {
            requests_per_second = rate.trim().parse::<f64>().ok();
        } else if let Some(latency) = line.strip_prefix("99%") {
            p99 = parse_duration(latency.trim());
        } else if let Some((count, _)) = line.split_once(" requests in ") {
            requests = count.trim().parse::<u64>().ok();
        } else if let Some(errors) = line.strip_prefix("Socket errors:") {
            socket_errors = errors
                .split(',')
                .filter_map(|part| part.split_whitespace().last()?.parse::<u64>().ok())
                .sum();
        } else if let Some(count) = line.strip_prefix("Non-2xx or 3xx responses:") {
            failed_answers = count.trim().parse::<u64>().unwrap_or(u64::MAX);
        }
    }
    Ok(Measured {
        requests_per_second: requests_per_second.ok_or("no requests per second")?,
        p99: p99.ok_or("no 99th latency percentile")?,
        requests: requests.ok_or("no request count")?,
        socket_errors,
        failed_answers,
    })
}

/// A wrk duration such as `812.00us`, `1.25ms` or `2.00s`.
fn parse_duration(text: &str) -> Option<Duration> {
    let split = text.find(|c: char| c.is_ascii_alphabetic())?;
    let (number, unit) = text.split_at(split);
    let number: f64 = number.parse().ok()?;
    let seconds = match unit {
        "us" => number / 1e6,
        "ms" => number / 1e3,
        "s" => number,
        "m" => number * 60.0,
        "h" => number * 3600.0,
        _ => return None,
    };
    Duration::try_from_secs_f64(seconds).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    const REPORT: &str = "\
Running 5s test @ http://127.0.0.1:40000/token
  2 threads and 64 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     1.10ms    2.04ms  40.12ms   91.83%
    Req/Sec    31.02k     2.10k   35.77k    71.00%
  Latency Distribution
     50%  612.00us
     75%    1.02ms
     90%    2.31ms
     99%   10.55ms
  308719 requests in 5.00s, 135.17MB read
  Socket errors: connect 0, read 3, write 1, timeout 2
  Non-2xx or 3xx responses: 7
Requests/sec:  61735.71
Transfer/sec:     27.03MB
";

    #[test]
    fn a_report_gives_rate_p99_and_errors() {
        let measured = parse(REPORT).expect("a report");
        assert_eq!(
            measured,
            Measured {
                requests_per_second: 61735.71,
                p99: Duration::from_micros(10_550),
                requests: 308_719,
                socket_errors: 6,
                failed_answers: 7,
            }
        );
    }

    #[test]
    fn a_clean_report_has_no_errors() {
        let clean: String = REPORT
            .lines()
            .filter(|line| !line.contains("errors") && !line.contains("Non-2xx"))
            .map(|line| format!("{line}\n"))
            .collect();
        let measured = parse(&clean).expect("a report");
        assert_eq!((measured.socket_errors, measured.failed_answers), (0, 0));
    }

    #[test]
    fn durations_in_every_unit() {
        assert_eq!(parse_duration("812.00us"), Some(Duration::from_micros(812)));
        assert_eq!(parse_duration("1.25ms"), Some(Duration::from_micros(1250)));
        assert_eq!(parse_duration("2.00s"), Some(Duration::from_secs(2)));
        assert_eq!(parse_duration("1.50m"), Some(Duration::from_secs(90)));
        assert_eq!(parse_duration("12"), None);
        assert_eq!(parse_duration("3.0parsecs"), None);
    }

    #[test]
    fn a_report_without_a_rate_is_refused() {
        assert!(parse("Running 5s test @ http://127.0.0.1:1/\n").is_err());
    }
}
