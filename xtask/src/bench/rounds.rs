//! Loading a server in rounds: a warm-up, then several bounded `wrk` runs per route with the
//! routes taking turns, keeping the best figures and what the server used in the fastest round;
//! and the peak resident memory of a server while it is loaded.
//!
//! Taking the best of several rounds, with the routes alternating, keeps a burst of other work
//! on a shared machine from falling on one route only: each route needs one quiet round.

use std::thread;
use std::time::{Duration, Instant};

use super::servers::{self, Usage};
use super::wrk::{self, Load, Measured};
use crate::apps::App;

/// The warm-up run per route, not counted.
const WARM_UP: Duration = Duration::from_secs(1);
/// How often resident memory is read while a server is loaded.
const MEMORY_SAMPLE_EVERY: Duration = Duration::from_millis(50);

/// How hard and how long each route is loaded.
#[derive(Debug, Clone)]
pub(crate) struct Plan {
    /// Open connections.
    pub(crate) connections: u32,
    /// Request headers, as `Name: value`.
    pub(crate) headers: Vec<String>,
    /// The length of one round.
    pub(crate) duration: Duration,
    /// Rounds per route.
    pub(crate) rounds: u32,
}

/// One route to load: its path, and the headers its requests carry besides the plan's.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Route<'a> {
    /// The path, such as `/token`.
    pub(crate) path: &'a str,
    /// More request headers, as `Name: value`.
    pub(crate) headers: &'a [String],
}

impl<'a> Route<'a> {
    /// `path`, with the plan's headers only.
    pub(crate) fn plain(path: &'a str) -> Self {
        Route { path, headers: &[] }
    }
}

/// The best of the rounds against one route.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Best {
    /// The highest requests per second of any round.
    pub(crate) requests_per_second: f64,
    /// The lowest 99th latency percentile of any round.
    pub(crate) p99: Duration,
    /// Socket errors over all rounds.
    pub(crate) socket_errors: u64,
    /// The server's CPU time per request, user and system, in the round of the highest
    /// requests per second.
    pub(crate) cpu_per_request: Duration,
    /// Of that, the system time per request.
    pub(crate) system_per_request: Duration,
    /// The server's involuntary context switches per request, in that round.
    pub(crate) switches_per_request: f64,
}

/// One round against one route: what wrk measured, and what the server used meanwhile.
#[derive(Debug, Clone, Copy)]
struct Round {
    measured: Measured,
    used: Usage,
}

/// Loads each of `routes` of `server` as `plan` says: a warm-up, then the rounds, the order of
/// the routes reversed every other round. The best figures per route.
///
/// # Errors
///
/// When wrk fails, or any answer under load was not a success.
pub(crate) fn compare<const N: usize>(
    server: &App,
    routes: [Route<'_>; N],
    plan: &Plan,
) -> Result<[Best; N], String> {
    let load = |route: Route<'_>, duration| Load {
        url: format!("{}{}", server.url(), route.path),
        connections: plan.connections,
        duration,
        headers: plan.headers.iter().chain(route.headers).cloned().collect(),
    };
    for route in routes {
        successful(&wrk::run(&load(route, WARM_UP))?, server)?;
    }
    let mut rounds: [Vec<Round>; N] = std::array::from_fn(|_| Vec::new());
    for round in 0..plan.rounds {
        let mut order: Vec<usize> = (0..N).collect();
        if round % 2 == 1 {
            order.reverse();
        }
        for index in order {
            let before = servers::usage(server)?;
            let run = wrk::run(&load(routes[index], plan.duration))?;
            let used = servers::usage(server)?.since(before);
            rounds[index].push(Round {
                measured: successful(&run, server)?,
                used,
            });
        }
    }
    Ok(rounds.map(|rounds| best(&rounds)))
}

/// The highest resident memory of `server` while `load` runs against it.
///
/// # Errors
///
/// When wrk fails, an answer was not a success, or the memory cannot be read.
pub(crate) fn peak_memory(server: &App, load: &Load) -> Result<u64, String> {
    let mut child = wrk::spawn(load)?;
    let mut peak = servers::resident_bytes(server)?;
    let deadline = Instant::now() + load.duration * 2;
    while Instant::now() < deadline && matches!(child.try_wait(), Ok(None)) {
        peak = peak.max(servers::resident_bytes(server)?);
        thread::sleep(MEMORY_SAMPLE_EVERY);
    }
    successful(&wrk::finish(child, load)?, server)?;
    Ok(peak)
}

/// `run`, when every answer was a success.
fn successful(run: &Measured, server: &App) -> Result<Measured, String> {
    if run.failed_answers == 0 && run.requests > 0 {
        Ok(*run)
    } else {
        Err(format!(
            "{} of {} answers under load were errors; the server's log:\n{}",
            run.failed_answers,
            run.requests,
            server.log()
        ))
    }
}

fn best(rounds: &[Round]) -> Best {
    let fastest = rounds.iter().max_by(|a, b| {
        a.measured
            .requests_per_second
            .total_cmp(&b.measured.requests_per_second)
    });
    let requests = fastest.map_or(0, |round| round.measured.requests).max(1);
    let used = fastest.map(|round| round.used).unwrap_or_default();
    Best {
        requests_per_second: fastest.map_or(0.0, |round| round.measured.requests_per_second),
        p99: rounds
            .iter()
            .map(|round| round.measured.p99)
            .min()
            .unwrap_or(Duration::MAX),
        socket_errors: rounds
            .iter()
            .map(|round| round.measured.socket_errors)
            .sum(),
        cpu_per_request: used.cpu / u32::try_from(requests).unwrap_or(u32::MAX),
        system_per_request: used.system / u32::try_from(requests).unwrap_or(u32::MAX),
        switches_per_request: used.involuntary_switches as f64 / requests as f64,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round(requests_per_second: f64, p99_ms: u64, socket_errors: u64, cpu_ms: u64) -> Round {
        Round {
            measured: Measured {
                requests_per_second,
                p99: Duration::from_millis(p99_ms),
                requests: 1000,
                socket_errors,
                failed_answers: 0,
            },
            used: Usage {
                cpu: Duration::from_millis(cpu_ms),
                system: Duration::from_millis(cpu_ms * 3 / 4),
                involuntary_switches: cpu_ms / 2,
            },
        }
    }

    #[test]
    fn the_best_takes_each_figure_from_its_best_round() {
        let best = best(&[
            round(900.0, 4, 1, 30),
            round(1100.0, 6, 0, 20),
            round(1000.0, 3, 2, 10),
        ]);
        assert_eq!(best.requests_per_second, 1100.0);
        assert_eq!(best.p99, Duration::from_millis(3));
        assert_eq!(best.socket_errors, 3);
        // The usage of the fastest round, 20 ms (15 ms of it system time) and 10 switches over
        // its 1000 requests.
        assert_eq!(best.cpu_per_request, Duration::from_micros(20));
        assert_eq!(best.system_per_request, Duration::from_micros(15));
        assert_eq!(best.switches_per_request, 0.01);
    }
}
