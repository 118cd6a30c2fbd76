//! The benchmark harness: real nodes on 127.0.0.1, measured against the targets of the
//! benchmarks issue, printed as one markdown table. Benchmarks measure; tests pass or fail:
//! nothing here asserts a time.

mod cluster;
mod data;
mod flood;
mod initial;
mod mirror;
mod peer;
mod propagation;
mod reconcile;
mod recs;
mod report;
mod uhri;

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::OnceLock;
use std::time::Instant;

pub(crate) use cluster::AS_CLI;
use report::Row;

pub(crate) type Res<T> = Result<T, Box<dyn std::error::Error + Send + Sync>>;

const USAGE: &str = "usage: liaison-bench [--n N[,N...]] [--big N] [--writes W] [--quick] \
[--peer] [--peer-n N[,N...]] [--http-secs S] [--recs N] [--only FIGURES] [--dir DIR]

  --n        items for initial sync (figures 2 and 5), comma-separated (default 10000)
  --big      items for figures 3 (at big/100, big/10, big), 4 and 6 (default 100000)
  --writes   writes for propagation (figure 1; default 200)
  --quick    --n 1000 --big 10000 --writes 50 --recs 10000
  --peer     also run the automerge-repo peer (figure 8; needs node and npm)
  --peer-n   documents for the peer, comma-separated (default 1000,10000); Liaison's
             initial sync runs at the same sizes for the comparison
  --http-secs  seconds of load per path and encoding in figure 6, with wrk (default 10)
  --recs     rows of the UHRI-shaped file of figure 9 (default 300000)
  --only     figures to run, comma-separated (default all)
  --dir      where nodes keep their data (default: a temporary directory, removed after)";

/// What to run.
#[derive(Debug, Clone)]
struct Args {
    n: Vec<usize>,
    big: usize,
    writes: usize,
    peer: bool,
    peer_n: Vec<usize>,
    only: Vec<u8>,
    dir: Option<PathBuf>,
    http_secs: u64,
    recs: usize,
}

fn list<T: std::str::FromStr>(flag: &str, value: Option<String>) -> Result<Vec<T>, String> {
    let value = value.ok_or_else(|| format!("{flag} needs a value"))?;
    value
        .split(',')
        .map(|v| {
            v.trim().replace('_', "").parse().map_err(|_| format!("{flag}: not a number: {v}"))
        })
        .collect()
}

fn one<T: std::str::FromStr>(flag: &str, value: Option<String>) -> Result<T, String> {
    let mut all = list(flag, value)?;
    if all.len() == 1 { Ok(all.remove(0)) } else { Err(format!("{flag} takes one number")) }
}

fn parse(mut args: impl Iterator<Item = String>) -> Result<Args, String> {
    let mut a = Args {
        n: vec![10_000],
        big: 100_000,
        writes: 200,
        peer: false,
        peer_n: vec![1_000, 10_000],
        only: Vec::new(),
        dir: None,
        http_secs: 10,
        recs: 300_000,
    };
    while let Some(flag) = args.next() {
        match flag.as_str() {
            "--n" => a.n = list(&flag, args.next())?,
            "--big" => a.big = one(&flag, args.next())?,
            "--writes" => a.writes = one(&flag, args.next())?,
            "--quick" => (a.n, a.big, a.writes, a.recs) = (vec![1_000], 10_000, 50, 10_000),
            "--peer" => a.peer = true,
            "--peer-n" => a.peer_n = list(&flag, args.next())?,
            "--only" => a.only = list(&flag, args.next())?,
            "--http-secs" => a.http_secs = one(&flag, args.next())?,
            "--recs" => a.recs = one(&flag, args.next())?,
            "--dir" => a.dir = Some(args.next().ok_or("--dir needs a value")?.into()),
            "-h" | "--help" => return Err(USAGE.to_owned()),
            other => return Err(format!("unknown argument {other}\n{USAGE}")),
        }
    }
    if a.n.iter().chain([&a.big, &a.recs]).chain(&a.peer_n).any(|&n| n < 8) || a.writes == 0 {
        return Err("sizes must be at least 8, writes at least 1".to_owned());
    }
    Ok(a)
}

/// Prints a progress line on stderr.
pub(crate) fn log(line: &str) {
    static START: OnceLock<Instant> = OnceLock::new();
    let start = START.get_or_init(Instant::now);
    eprintln!("[liaison-bench {:>6.1}s] {line}", start.elapsed().as_secs_f64());
}

/// Runs the harness with the process's arguments.
pub(crate) fn main() -> ExitCode {
    log("starting");
    let args = match parse(std::env::args().skip(1)) {
        Ok(args) => args,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    let command = std::iter::once("liaison-bench".to_owned())
        .chain(std::env::args().skip(1))
        .collect::<Vec<_>>()
        .join(" ");
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(1);
        }
    };
    let load = report::load();
    let rows = runtime.block_on(run(&args));
    println!("{}", report::render(&rows, &command, &load));
    ExitCode::SUCCESS
}

/// A row saying a figure failed, so the table still has every row.
fn failed(figure: &str, e: &dyn std::fmt::Display) -> Row {
    log(&format!("{figure} failed: {e}"));
    Row::not_measured(figure.to_owned(), format!("failed: {e}"), "")
}

async fn run(args: &Args) -> Vec<Row> {
    let temp = match &args.dir {
        Some(dir) => {
            let _ = std::fs::create_dir_all(dir);
            tempfile::tempdir_in(dir)
        }
        None => tempfile::tempdir(),
    };
    let temp = match temp {
        Ok(t) => t,
        Err(e) => return vec![failed("all", &e)],
    };
    let root = temp.path();
    let wanted = |figure: u8| args.only.is_empty() || args.only.contains(&figure);
    let mut rows = Vec::new();
    if wanted(1) || wanted(7) {
        match propagation::run(root, args.writes).await {
            Ok(r) => rows.extend(r),
            Err(e) => rows.extend([failed("1. Propagation", &e), failed("7. Publish", &e)]),
        }
    }
    if wanted(1) {
        let n = args.n.iter().copied().max().unwrap_or(1_000);
        rows.push(flood::run(root, args.writes, n).await);
    }
    let mut syncs = Vec::new();
    if wanted(2) || wanted(5) || wanted(8) {
        let mut sizes = args.n.clone();
        if args.peer && wanted(8) {
            sizes.extend(&args.peer_n);
        }
        sizes.sort_unstable();
        sizes.dedup();
        for n in sizes {
            match initial::run(root, n).await {
                Ok(sync) => {
                    rows.push(sync.row());
                    syncs.push(sync);
                }
                Err(e) => rows.push(failed(&format!("2. Initial sync, N = {n}"), &e)),
            }
        }
        if let Some(largest) = syncs.last() {
            rows.push(largest.memory_row());
        }
    }
    if wanted(3) || wanted(4) {
        let mut sizes = vec![args.big / 100, args.big / 10, args.big];
        sizes.retain(|&n| n >= 1);
        sizes.dedup();
        match reconcile::run(root, &sizes, args.big, if args.big <= 1_000 { 2 } else { 10 }).await {
            Ok(r) => rows.extend(r),
            Err(e) => rows.push(failed("3-4. Reconciliation", &e)),
        }
    }
    if wanted(6) {
        rows.extend(mirror::run(root, args.big, args.http_secs).await);
    }
    if wanted(9) {
        rows.extend(recs::run(root, args.recs).await);
    }
    if wanted(8) {
        rows.extend(peer::run(root, args.peer, &args.peer_n, &syncs).await);
    }
    rows.sort_by_key(|r| r.figure.chars().next().and_then(|c| c.to_digit(10)).unwrap_or(9));
    if args.dir.is_some() {
        log(&format!("data kept in {}", temp.keep().display()));
    }
    rows
}
