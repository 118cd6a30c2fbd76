//! The table the harness prints, the machine it ran on, and number formatting.

use std::fmt::Write as _;
use std::time::Duration;

/// Whether a figure meets its target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Verdict {
    Pass,
    Miss,
    /// No target, or nothing measured.
    None,
}

impl Verdict {
    pub(crate) fn of(pass: bool) -> Verdict {
        if pass { Verdict::Pass } else { Verdict::Miss }
    }
}

/// One row of the table.
#[derive(Debug, Clone)]
pub(crate) struct Row {
    pub(crate) figure: String,
    pub(crate) measured: String,
    pub(crate) target: String,
    pub(crate) verdict: Verdict,
}

impl Row {
    pub(crate) fn new(
        figure: impl Into<String>,
        measured: impl Into<String>,
        target: &str,
        verdict: Verdict,
    ) -> Row {
        Row { figure: figure.into(), measured: measured.into(), target: target.to_owned(), verdict }
    }

    /// A row whose figure could not be measured, saying why.
    pub(crate) fn not_measured(
        figure: impl Into<String>,
        why: impl Into<String>,
        target: &str,
    ) -> Row {
        Row::new(figure, why, target, Verdict::None)
    }
}

/// The machine: CPU model, cores, memory.
pub(crate) fn machine() -> String {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find_map(|l| {
            l.strip_prefix("model name").and_then(|r| r.split_once(':')).map(|(_, m)| m.trim())
        })
        .unwrap_or("unknown CPU")
        .to_owned();
    let cores = std::thread::available_parallelism().map_or(0, usize::from);
    let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let mem_kib: u64 = meminfo
        .lines()
        .find_map(|l| l.strip_prefix("MemTotal:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0);
    format!("{model}, {cores} cores, {:.1} GiB RAM", mem_kib as f64 / 1024.0 / 1024.0)
}

/// The 1-minute load average, which tells whether something else shared the machine.
pub(crate) fn load() -> String {
    let text = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    text.split_whitespace().next().unwrap_or("?").to_owned()
}

/// The markdown table, with the machine and date above it.
pub(crate) fn render(rows: &[Row], command: &str, load_before: &str) -> String {
    let mut out = String::new();
    let date = chrono::Utc::now().format("%Y-%m-%d %H:%M UTC");
    let _ = writeln!(out, "Liaison benchmarks, {date}, on {}", machine());
    let _ = writeln!(
        out,
        "Command: `{command}`; load average {load_before} before, {} after\n",
        load()
    );
    let _ = writeln!(out, "| figure | measured | target | result |");
    let _ = writeln!(out, "|---|---|---|---|");
    for row in rows {
        let verdict = match row.verdict {
            Verdict::Pass => "pass",
            Verdict::Miss => "**miss**",
            Verdict::None => "-",
        };
        let cell = |s: &str| s.replace('|', "\\|").replace('\n', " ");
        let _ = writeln!(
            out,
            "| {} | {} | {} | {verdict} |",
            cell(&row.figure),
            cell(&row.measured),
            cell(&row.target)
        );
    }
    out
}

/// The `p`-th percentile (0 to 100) of `samples`, nearest rank.
pub(crate) fn percentile(samples: &[Duration], p: f64) -> Duration {
    let mut sorted = samples.to_vec();
    sorted.sort();
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

pub(crate) fn ms(d: Duration) -> String {
    let ms = d.as_secs_f64() * 1000.0;
    if ms < 10.0 { format!("{ms:.2} ms") } else { format!("{ms:.0} ms") }
}

pub(crate) fn secs(d: Duration) -> String {
    format!("{:.1} s", d.as_secs_f64())
}

/// Bytes, with binary units.
pub(crate) fn bytes(n: u64) -> String {
    let n = n as f64;
    if n < 10_000.0 {
        format!("{n:.0} B")
    } else if n < 10.0 * 1024.0 * 1024.0 {
        format!("{:.1} KiB", n / 1024.0)
    } else {
        format!("{:.1} MiB", n / 1024.0 / 1024.0)
    }
}

/// A count with thousands separators.
pub(crate) fn count(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A rate per second.
pub(crate) fn rate(n: usize, d: Duration) -> f64 {
    n as f64 / d.as_secs_f64().max(1e-9)
}
