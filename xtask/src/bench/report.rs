//! The benchmark's one table: each measure with its absolute figure, what it is compared with,
//! the ratio, the target and PASS or MISS (or DISTURBED, for figures a check of the run found
//! unreliable); rendered as Markdown, with the machine it was measured on, for the terminal,
//! `target/bench/summary.md` and the README.

use std::fmt::Write as _;
use std::process::Command;
use std::thread;
use std::time::Duration;

/// The bound a ratio must keep.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Target {
    /// The ratio is at most this.
    AtMost(f64),
    /// The ratio is at least this.
    AtLeast(f64),
    /// The ratio is strictly below this.
    Below(f64),
    /// No target: a figure that explains the others, such as a control route's.
    Reference,
}

impl Target {
    fn holds(self, ratio: f64) -> bool {
        match self {
            Target::AtMost(bound) => ratio <= bound,
            Target::AtLeast(bound) => ratio >= bound,
            Target::Below(bound) => ratio < bound,
            Target::Reference => true,
        }
    }

    fn describe(self) -> String {
        match self {
            Target::AtMost(bound) => format!("≤ {}×", trimmed(bound)),
            Target::AtLeast(bound) => format!("≥ {}×", trimmed(bound)),
            Target::Below(bound) => format!("< {}×", trimmed(bound)),
            Target::Reference => "none".to_owned(),
        }
    }
}

/// One line of the table.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Row {
    /// What is measured.
    pub(crate) measure: String,
    /// The figure measured, with its unit.
    pub(crate) figure: String,
    /// What it is compared with, and that figure.
    pub(crate) compared_with: String,
    /// `figure / compared_with`.
    pub(crate) ratio: f64,
    /// The bound the ratio must keep.
    pub(crate) target: Target,
}

impl Row {
    /// Whether the row has a target, unlike a reference row.
    fn has_target(&self) -> bool {
        self.target != Target::Reference
    }

    /// Whether the ratio keeps its target; a reference row has none to miss.
    pub(crate) fn passed(&self) -> bool {
        !self.has_target() || (self.ratio.is_finite() && self.target.holds(self.ratio))
    }

    fn result(&self) -> &'static str {
        match (self.target, self.passed()) {
            (Target::Reference, _) => "reference",
            (_, true) => "PASS",
            (_, false) => "MISS",
        }
    }
}

/// A row of the table, and whether a check of the run found its figures disturbed.
#[derive(Debug, Clone)]
struct Entry {
    row: Row,
    disturbed: bool,
}

impl Entry {
    /// Whether the row has a target and was measured in disturbed rounds.
    fn disturbs_target(&self) -> bool {
        self.disturbed && self.row.has_target()
    }

    /// Whether the row's target is met by figures that can be trusted.
    fn met(&self) -> bool {
        self.row.passed() && !self.disturbs_target()
    }

    fn result(&self) -> &'static str {
        match (self.disturbed, self.row.has_target()) {
            (true, false) => "disturbed",
            (true, true) => "DISTURBED",
            (false, _) => self.row.result(),
        }
    }
}

/// The whole table.
#[derive(Debug, Clone, Default)]
pub(crate) struct Table {
    entries: Vec<Entry>,
}

impl Table {
    /// Adds a row.
    pub(crate) fn push(&mut self, row: Row) {
        self.push_from(row, false);
    }

    /// Adds a row from rounds that a check of the run found `disturbed` by other load, or not.
    /// A disturbed row with a target reads DISTURBED and counts as not met, whatever its ratio;
    /// one without reads disturbed.
    pub(crate) fn push_from(&mut self, row: Row, disturbed: bool) {
        self.entries.push(Entry { row, disturbed });
    }

    /// How many rows did not meet their target: missed it, or were measured in disturbed
    /// rounds.
    pub(crate) fn misses(&self) -> usize {
        self.entries.iter().filter(|entry| !entry.met()).count()
    }

    /// How many rows with a target were measured in disturbed rounds.
    pub(crate) fn disturbed(&self) -> usize {
        self.entries
            .iter()
            .filter(|entry| entry.disturbs_target())
            .count()
    }

    /// How many rows have a target.
    pub(crate) fn targets(&self) -> usize {
        self.entries
            .iter()
            .filter(|entry| entry.row.has_target())
            .count()
    }

    /// The table in Markdown.
    pub(crate) fn markdown(&self) -> String {
        let mut text = String::from(
            "| measure | figure | compared with | ratio | target | result |\n\
             | --- | ---: | ---: | ---: | ---: | --- |\n",
        );
        for entry in &self.entries {
            let row = &entry.row;
            let _ = writeln!(
                text,
                "| {} | {} | {} | {} | {} | {} |",
                row.measure,
                row.figure,
                row.compared_with,
                ratio_against(row.ratio, row.target),
                row.target.describe(),
                entry.result(),
            );
        }
        text
    }
}

/// The summary: the table, the machine, how the figures were taken (`method`), and `notes`.
pub(crate) fn summary(table: &Table, method: &str, notes: &[String]) -> String {
    let mut text = format!("{}\n{}; {method}\n", table.markdown(), machine());
    for note in notes {
        let _ = write!(text, "\n- {note}");
    }
    text
}

/// The machine's 1-minute load average, which shows how much else was running.
pub(crate) fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|text| text.split_whitespace().next().map(str::to_owned))
        .unwrap_or_else(|| "unknown".to_owned())
}

/// `nproc`, the CPU model, wrk's version and the date, as one sentence.
fn machine() -> String {
    let cores = thread::available_parallelism().map_or(0, usize::from);
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find_map(|line| line.strip_prefix("model name"))
                .and_then(|line| line.split_once(':'))
                .map(|(_, model)| model.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".to_owned());
    let first_line = |program: &str, args: &[&str]| {
        Command::new(program)
            .args(args)
            .output()
            .map(|output| {
                let text = String::from_utf8_lossy(&output.stdout);
                text.lines().next().unwrap_or_default().trim().to_owned()
            })
            .unwrap_or_default()
    };
    let wrk = first_line("wrk", &["--version"]);
    let wrk = wrk.split(" [").next().unwrap_or_default().to_owned();
    let date = first_line("date", &["-u", "+%Y-%m-%d %H:%M UTC"]);
    format!("Measured {date} on {cores} cores ({cpu}) with {wrk}")
}

/// A ratio such as `0.93×` or `41.7×`.
fn ratio(value: f64) -> String {
    if !value.is_finite() {
        "n/a".to_owned()
    } else if value >= 10.0 {
        format!("{value:.1}×")
    } else {
        format!("{value:.2}×")
    }
}

/// [`ratio`], with as many more decimals as it takes for the figure shown to fall on the same
/// side of `target`'s bound as the ratio itself: `0.849×` where `0.85×` would read as meeting
/// `≥ 0.85×`.
fn ratio_against(value: f64, target: Target) -> String {
    let shown = ratio(value);
    if !value.is_finite() || value >= 10.0 {
        return shown;
    }
    let holds = target.holds(value);
    let shown_holds = |text: &str| {
        text.trim_end_matches('×')
            .parse::<f64>()
            .is_ok_and(|shown| target.holds(shown) == holds)
    };
    if shown_holds(&shown) {
        return shown;
    }
    (3..=6)
        .map(|decimals| format!("{value:.decimals$}×"))
        .find(|text| shown_holds(text))
        .unwrap_or_else(|| format!("{value}×"))
}

/// A bound without needless decimals: `2`, `0.85`, `1.2`.
fn trimmed(value: f64) -> String {
    let text = format!("{value:.2}");
    text.trim_end_matches('0').trim_end_matches('.').to_owned()
}

/// Requests per second with thousands separators: `61,736 req/s`.
pub(crate) fn rate(requests_per_second: f64) -> String {
    let whole = requests_per_second.round().max(0.0).to_string();
    let mut grouped = String::new();
    for (index, digit) in whole.chars().enumerate() {
        if index > 0 && (whole.len() - index).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    format!("{grouped} req/s")
}

/// A latency: `812 µs`, `1.25 ms`, `2.10 s`.
pub(crate) fn latency(duration: Duration) -> String {
    let micros = duration.as_secs_f64() * 1e6;
    if micros < 1000.0 {
        format!("{micros:.0} µs")
    } else if micros < 1e6 {
        format!("{:.2} ms", micros / 1e3)
    } else {
        format!("{:.2} s", micros / 1e6)
    }
}

/// Nanoseconds: `812 ns`, `1.65 µs`.
pub(crate) fn nanoseconds(ns: f64) -> String {
    if ns < 1000.0 {
        format!("{ns:.0} ns")
    } else {
        format!("{:.2} µs", ns / 1e3)
    }
}

/// Bytes in MiB: `8.4 MiB`.
pub(crate) fn mebibytes(bytes: u64) -> String {
    let mib = bytes as f64 / (1024.0 * 1024.0);
    format!("{mib:.1} MiB")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(ratio: f64, target: Target) -> Row {
        Row {
            measure: "m".to_owned(),
            figure: "f".to_owned(),
            compared_with: "c".to_owned(),
            ratio,
            target,
        }
    }

    #[test]
    fn targets_hold_at_their_bounds_except_strict_ones() {
        assert!(row(2.0, Target::AtMost(2.0)).passed());
        assert!(!row(2.01, Target::AtMost(2.0)).passed());
        assert!(row(0.85, Target::AtLeast(0.85)).passed());
        assert!(!row(0.84, Target::AtLeast(0.85)).passed());
        assert!(!row(1.0, Target::Below(1.0)).passed());
        assert!(!row(f64::NAN, Target::AtLeast(0.0)).passed());
    }

    #[test]
    fn the_table_counts_and_marks_misses() {
        let mut table = Table::default();
        table.push(row(0.9, Target::AtLeast(0.85)));
        table.push(row(1.3, Target::AtMost(1.2)));
        table.push(row(0.5, Target::Reference));
        table.push(row(f64::NAN, Target::Reference));
        assert_eq!((table.targets(), table.misses()), (2, 1));
        let markdown = table.markdown();
        assert!(
            markdown.contains("| m | f | c | 0.90× | ≥ 0.85× | PASS |"),
            "{markdown}"
        );
        assert!(
            markdown.contains("| m | f | c | 1.30× | ≤ 1.2× | MISS |"),
            "{markdown}"
        );
        assert!(
            markdown.contains("| m | f | c | 0.50× | none | reference |"),
            "{markdown}"
        );
    }

    #[test]
    fn disturbed_rows_never_pass() {
        let mut table = Table::default();
        table.push_from(row(0.93, Target::AtLeast(0.85)), true);
        table.push_from(row(0.5, Target::AtMost(1.2)), true);
        table.push_from(row(1.1, Target::Reference), true);
        table.push_from(row(0.9, Target::AtLeast(0.85)), false);
        assert_eq!(
            (table.targets(), table.misses(), table.disturbed()),
            (3, 2, 2)
        );
        // A disturbed row that also misses its target counts once in each.
        table.push_from(row(0.5, Target::AtLeast(0.85)), true);
        assert_eq!(
            (table.targets(), table.misses(), table.disturbed()),
            (4, 3, 3)
        );
        let markdown = table.markdown();
        for line in [
            "| m | f | c | 0.93× | ≥ 0.85× | DISTURBED |",
            "| m | f | c | 0.50× | ≤ 1.2× | DISTURBED |",
            "| m | f | c | 1.10× | none | disturbed |",
            "| m | f | c | 0.90× | ≥ 0.85× | PASS |",
            "| m | f | c | 0.50× | ≥ 0.85× | DISTURBED |",
        ] {
            assert!(markdown.contains(line), "{line} in {markdown}");
        }
    }

    #[test]
    fn figures_read_well() {
        assert_eq!(rate(61735.71), "61,736 req/s");
        assert_eq!(rate(999.4), "999 req/s");
        assert_eq!(rate(1_234_567.0), "1,234,567 req/s");
        assert_eq!(latency(Duration::from_micros(812)), "812 µs");
        assert_eq!(latency(Duration::from_micros(1250)), "1.25 ms");
        assert_eq!(latency(Duration::from_millis(2100)), "2.10 s");
        assert_eq!(nanoseconds(812.4), "812 ns");
        assert_eq!(nanoseconds(1650.0), "1.65 µs");
        assert_eq!(mebibytes(8 * 1024 * 1024 + 400 * 1024), "8.4 MiB");
        assert_eq!(ratio(41.66), "41.7×");
    }

    #[test]
    fn a_ratio_never_reads_as_on_the_other_side_of_its_bound() {
        let at_least = Target::AtLeast(0.85);
        assert_eq!(ratio_against(131_234.0 / 154_543.0, at_least), "0.849×");
        assert_eq!(ratio_against(0.8502, at_least), "0.85×");
        assert_eq!(ratio_against(0.8449, at_least), "0.84×");
        assert_eq!(ratio_against(2.004, Target::AtMost(2.0)), "2.004×");
        assert_eq!(ratio_against(1.996, Target::AtMost(2.0)), "2.00×");
        assert_eq!(ratio_against(0.9996, Target::Below(1.0)), "0.9996×");
        assert_eq!(ratio_against(0.849, Target::Reference), "0.85×");
    }
}
