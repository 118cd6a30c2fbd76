//! Figure 9: recommendations at the scale of the Universal Human Rights Index. A UHRI-shaped
//! export of N rows ([`super::uhri`]), as CSV and as XLSX, is imported by `liaison
//! recommendation import`, run as a process against a member running as `liaison node` in a
//! process of its own (one member for each file): the first import, then the same file again
//! (nothing changes), with both processes' peak memory. A
//! mirror then syncs the recommendations, and the matrix of the largest country is asked for
//! again and again, uncached: the mirror's page `/countries/CC/recommendations/`, and the
//! member's `liaison recommendations --country CC --format json` run as a process.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use liaison_node::api::Request;
use liaison_protocol::Role;

use super::cluster::{self, AS_CLI, Process, until};
use super::data;
use super::report::{Row, Verdict, bytes, count, ms, percentile, secs};
use super::{Res, log};

const IMPORT_TARGET: &str = ">= 5,000 recommendations/s";
const MATRIX_TARGET: &str = "<= 100 ms uncached";
/// Requests of each matrix measurement.
const ASKED: usize = 40;

/// Runs figure 9 with `n` rows.
pub(crate) async fn run(root: &Path, n: usize) -> Vec<Row> {
    match measure(root, n).await {
        Ok(rows) => rows,
        Err(e) => {
            log(&format!("9. Recommendations failed: {e}"));
            vec![Row::not_measured(figure("import", n), format!("failed: {e}"), IMPORT_TARGET)]
        }
    }
}

fn figure(what: &str, n: usize) -> String {
    format!("9. Recommendations, N = {}: {what}", count(n as u64))
}

/// What one run of `liaison recommendation import` did.
struct Import {
    took: Duration,
    /// Its summary line.
    summary: String,
    /// The command's peak resident memory, sampled every 10 ms.
    peak: u64,
}

async fn measure(root: &Path, n: usize) -> Res<Vec<Row>> {
    let dir = root.join("recs");
    std::fs::create_dir_all(&dir)?;
    let file = dir.join("uhri-export.csv");
    let workbook = dir.join("uhri-export.xlsx");
    let started = Instant::now();
    let (path, book) = (file.clone(), workbook.clone());
    let (countries, per_country) =
        tokio::task::spawn_blocking(move || super::uhri::write_export(&path, &book, n)).await??;
    let size = std::fs::metadata(&file)?.len();
    let book_size = std::fs::metadata(&workbook)?.len();
    log(&format!(
        "recommendations: wrote {} ({}) and {} ({}) in {}",
        file.display(),
        bytes(size),
        workbook.display(),
        bytes(book_size),
        secs(started.elapsed())
    ));
    let (largest, most) = per_country
        .iter()
        .enumerate()
        .max_by_key(|(_, k)| **k)
        .map(|(i, k)| (countries.codes[i], *k))
        .ok_or("no countries")?;

    // The workbook, into a member of its own, so that its first import starts empty too.
    let (book_dir, _) = cluster::init(&dir, "recs-ohchr-xlsx", "ohchr", Role::Member)?;
    let book_member = Process::start(&book_dir).await?;
    let book = first_and_again(&book_member, &book_dir, &workbook, "XLSX").await?;
    book_member.stop()?;
    // Its store is as large as the other member's (about 3 KB an item): not kept for nothing.
    std::fs::remove_dir_all(&book_dir)?;

    let (member_dir, member_card) = cluster::init(&dir, "recs-ohchr", "ohchr", Role::Member)?;
    let member = Process::start(&member_dir).await?;
    let csv = first_and_again(&member, &member_dir, &file, "CSV").await?;
    let (_, member_rss) = member.memory()?;
    let mut rows = Vec::new();
    for ((format, size), imports) in [(("CSV", size), &csv), (("XLSX", book_size), &book)] {
        for ((import, node_peak), what) in imports.iter().zip(IMPORTS) {
            rows.push(import_row(n, what, (format, size), import, *node_peak));
        }
    }

    // The member's matrix of the largest country, as a focal point asks for it.
    let cli = time_cli(&member_dir, largest.as_str()).await?;
    rows.push(cli_row(n, largest.as_str(), most, &cli));
    log(&format!(
        "recommendations: liaison recommendations: p50 {} / p99 {}",
        ms(cli.0),
        ms(cli.1)
    ));

    // A mirror syncs the recommendations; its page of the largest country's matrix.
    let (mirror_dir, mirror_card) = cluster::init(&dir, "recs-mirror", "ngo-watch", Role::Mirror)?;
    let status = member.status().await?;
    let mut card = member_card.clone();
    card.addrs = status.listening.clone();
    data::know(&mirror_dir, &[card])?;
    member.request(Request::RosterAdd { card: mirror_card }).await?;
    let syncing = Instant::now();
    let mirror = Process::start_with(&mirror_dir, &["--http", "127.0.0.1:0"]).await?;
    let held =
        until(Duration::from_secs(3600), Duration::from_millis(500), "mirror sync", || async {
            let items = mirror.status().await?.items;
            Ok((items >= n).then_some(items))
        })
        .await;
    let synced = syncing.elapsed();
    let page = match held {
        Ok(_) => {
            log(&format!("recommendations: the mirror holds {n} after {}", secs(synced)));
            let addr = super::mirror::site_addr(&mirror_dir).await?;
            let path = format!("/countries/{largest}/recommendations/");
            let (p50, p99, size) = time_page(addr, &path).await?;
            let (peak, rss) = mirror.memory()?;
            Some((p50, p99, size, peak, rss))
        }
        Err(e) => {
            log(&format!("recommendations: {e}"));
            None
        }
    };
    let _ = mirror.stop();
    member.stop()?;
    rows.push(match page {
        Some((p50, p99, size, peak, rss)) => Row::new(
            figure(&format!("the mirror's page `/countries/{largest}/recommendations/`"), n),
            format!(
                "p50 {} / p99 {} over {ASKED} requests one at a time, {} per page; the largest \
                 country, {largest}, has {} recommendations; the mirror synced them in {} and \
                 holds them in {} (peak {}); the member {} after both imports",
                ms(p50),
                ms(p99),
                bytes(size),
                count(most as u64),
                secs(synced),
                bytes(rss),
                bytes(peak),
                bytes(member_rss),
            ),
            MATRIX_TARGET,
            Verdict::of(p99 <= Duration::from_millis(100)),
        ),
        None => Row::not_measured(
            figure("the mirror's page", n),
            format!("the mirror did not sync within an hour ({})", secs(synced)),
            MATRIX_TARGET,
        ),
    });
    Ok(rows)
}

/// What [`first_and_again`] does, as its rows say it.
const IMPORTS: [&str; 2] = ["first import", "the same file again (nothing changes)"];

/// Imports `file` into the running `member` in `dir` twice, first into its store as it is,
/// then again (nothing changes), logging each: each import with the node's peak memory after.
async fn first_and_again(
    member: &Process,
    dir: &Path,
    file: &Path,
    format: &str,
) -> Res<Vec<(Import, u64)>> {
    let mut done = Vec::new();
    for what in IMPORTS {
        let import = import(dir, file).await?;
        log(&format!("recommendations: {format} {what}: {}", import.summary));
        done.push((import, member.memory()?.0));
    }
    Ok(done)
}

fn import_row(
    n: usize,
    what: &str,
    (format, size): (&str, u64),
    import: &Import,
    node_peak: u64,
) -> Row {
    let rate = n as f64 / import.took.as_secs_f64().max(1e-9);
    Row::new(
        figure(&format!("`liaison recommendation import` of the {format}, {what}"), n),
        format!(
            "{:.0} rows/s: {} for a {} {format}, process start to exit ({}); peak memory: the \
             command {}, the node {}",
            rate,
            secs(import.took),
            bytes(size),
            import.summary,
            bytes(import.peak),
            bytes(node_peak),
        ),
        IMPORT_TARGET,
        Verdict::of(rate >= 5_000.0),
    )
}

fn cli_row(
    n: usize,
    country: &str,
    most: usize,
    (p50, p99, size): &(Duration, Duration, u64),
) -> Row {
    Row::new(
        figure(&format!("`liaison recommendations --country {country} --format json`"), n),
        format!(
            "p50 {} / p99 {} over {ASKED} runs, process start to exit, {} of JSON for {} \
             recommendations",
            ms(*p50),
            ms(*p99),
            bytes(*size),
            count(most as u64)
        ),
        MATRIX_TARGET,
        Verdict::of(*p99 <= Duration::from_millis(100)),
    )
}

/// This binary run as the `liaison` command on the node in `dir`.
fn liaison(dir: &Path) -> Res<Command> {
    let mut command = Command::new(std::env::current_exe()?);
    command.env(AS_CLI, "1").arg("--data-dir").arg(dir);
    Ok(command)
}

/// Runs `liaison recommendation import FILE --label clear` and samples its memory.
async fn import(dir: &Path, file: &Path) -> Res<Import> {
    let mut command = liaison(dir)?;
    command
        .args(["recommendation", "import"])
        .arg(file)
        .args(["--label", "clear"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    tokio::task::spawn_blocking(move || -> Res<Import> {
        let started = Instant::now();
        let mut child = command.spawn()?;
        let status = format!("/proc/{}/status", child.id());
        let mut peak = 0;
        while child.try_wait()?.is_none() {
            if let Ok(text) = std::fs::read_to_string(&status) {
                let hwm = text
                    .lines()
                    .find_map(|l| l.strip_prefix("VmHWM:"))
                    .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok());
                peak = peak.max(hwm.unwrap_or(0) * 1024);
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        let took = started.elapsed();
        let out = child.wait_with_output()?;
        let stderr = String::from_utf8_lossy(&out.stderr);
        if !out.status.success() {
            return Err(format!("import failed: {stderr}").into());
        }
        let summary = stderr
            .lines()
            .find_map(|l| l.split_once(" rows in ").map(|(_, rest)| rest.to_owned()))
            .map(|rest| rest.split_once("): ").map_or(rest.clone(), |(_, r)| r.to_owned()))
            .unwrap_or_default();
        Ok(Import { took, summary, peak })
    })
    .await?
}

/// Runs `liaison recommendations --country CC --format json` [`ASKED`] times; returns p50,
/// p99 and the size of its output.
async fn time_cli(dir: &Path, country: &str) -> Res<(Duration, Duration, u64)> {
    let mut command = liaison(dir)?;
    command.args(["recommendations", "--country", country, "--format", "json"]);
    tokio::task::spawn_blocking(move || -> Res<(Duration, Duration, u64)> {
        let mut times = Vec::with_capacity(ASKED);
        let mut size = 0;
        for _ in 0..ASKED {
            let started = Instant::now();
            let out = command.output()?;
            times.push(started.elapsed());
            if !out.status.success() {
                return Err(format!(
                    "liaison recommendations failed: {}",
                    String::from_utf8_lossy(&out.stderr)
                )
                .into());
            }
            size = out.stdout.len() as u64;
        }
        Ok((percentile(&times, 50.0), percentile(&times, 99.0), size))
    })
    .await?
}

/// Asks for `path` [`ASKED`] times, one request at a time; returns p50, p99 and its size.
async fn time_page(addr: std::net::SocketAddr, path: &str) -> Res<(Duration, Duration, u64)> {
    super::mirror::fetch(addr, path, None).await?;
    let mut times = Vec::with_capacity(ASKED);
    let mut size = 0;
    for _ in 0..ASKED {
        let started = Instant::now();
        let (_, _, body) = super::mirror::fetch(addr, path, None).await?;
        times.push(started.elapsed());
        size = body.len() as u64;
    }
    Ok((percentile(&times, 50.0), percentile(&times, 99.0), size))
}
