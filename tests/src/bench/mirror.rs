//! Figure 6: the public site of a mirror holding N `clear` items, loaded by `wrk` (Debian's
//! `wrk` package), a load generator in a process of its own: the JSON API filtered by country,
//! and the calendar feed of a country.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use liaison_node::daemon::{self, Options};
use liaison_protocol::Role;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

use super::cluster;
use super::data;
use super::report::{Row, Verdict, count, ms};
use super::{Res, log};

const TARGET: &str = ">= 5,000 req/s, p99 <= 20 ms";
/// The country asked for: one of the benchmark data's 24, so about 1/24 of the items.
const COUNTRY: &str = "TN";
/// wrk's threads and connections: one thread leaves the other core to the site.
const THREADS: u32 = 1;
const CONNECTIONS: u32 = 16;

/// Runs figure 6 with `n` items, `secs` seconds of load per path.
pub(crate) async fn run(root: &Path, n: usize, secs: u64) -> Vec<Row> {
    let paths = [
        ("`/api/v1/items?country=`", format!("/api/v1/items?country={COUNTRY}")),
        ("`/calendar.ics?country=`", format!("/calendar.ics?country={COUNTRY}")),
    ];
    let figure = |what: &str| format!("6. Mirror HTTP: {what}, N = {}", count(n as u64));
    if Command::new("wrk").arg("--version").output().is_err() {
        return paths
            .iter()
            .map(|(what, _)| {
                Row::not_measured(
                    figure(what),
                    "not measured: wrk not found (apt-get install wrk)",
                    TARGET,
                )
            })
            .collect();
    }
    match measure(root, n, secs, &paths).await {
        Ok(results) => paths
            .iter()
            .zip(results)
            .map(|((what, _), load)| {
                Row::new(
                    figure(what),
                    format!(
                        "{:.0} req/s, p50 {} / p99 {}, {} per answer ({} requests in {secs} s, \
                         wrk -t{THREADS} -c{CONNECTIONS}, keep-alive); the first answer, made \
                         from the store before it is kept: {}",
                        load.rate,
                        load.p50,
                        load.p99,
                        super::report::bytes(load.answer_bytes),
                        count(load.requests),
                        ms(load.first),
                    ),
                    TARGET,
                    Verdict::of(load.rate >= 5_000.0 && load.p99_ms <= 20.0),
                )
            })
            .collect(),
        Err(e) => paths
            .iter()
            .map(|(what, _)| Row::not_measured(figure(what), format!("failed: {e}"), TARGET))
            .collect(),
    }
}

/// What wrk measured on one path.
#[derive(Debug)]
struct Load {
    rate: f64,
    requests: u64,
    p50: String,
    p99: String,
    p99_ms: f64,
    answer_bytes: u64,
    /// The first request, answered from the store.
    first: Duration,
}

async fn measure(root: &Path, n: usize, secs: u64, paths: &[(&str, String)]) -> Res<Vec<Load>> {
    let dir = root.join("http");
    let (member_dir, member_card) = cluster::init(&dir, "http-ohchr", "ohchr", Role::Member)?;
    let (mirror_dir, _) = cluster::init(&dir, "http-mirror", "ngo-watch", Role::Mirror)?;
    let items = tokio::task::spawn_blocking(move || -> Res<usize> {
        let items = data::create_with(&member_dir, 0..n, data::public_draft)?;
        data::know(&mirror_dir, &[member_card])?;
        data::import(&mirror_dir, &items)
    })
    .await??;
    log(&format!("mirror HTTP: a mirror holds {items} clear items"));
    let options = Options { http: Some("127.0.0.1:0".into()), ..Options::default() };
    let mirror = daemon::start(dir.join("http-mirror"), options).await?;
    let addr = mirror.http.ok_or("the mirror serves no site")?;
    let mut results = Vec::new();
    for (_, path) in paths {
        let started = std::time::Instant::now();
        let answer_bytes = check(addr, path).await?;
        let first = started.elapsed();
        let url = format!("http://{addr}{path}");
        wrk(&url, 1)?;
        let load = Load { answer_bytes, first, ..wrk(&url, secs)? };
        log(&format!("mirror HTTP: {path}: {:.0} req/s, p99 {}", load.rate, load.p99));
        results.push(load);
    }
    mirror.stop().await?;
    Ok(results)
}

/// Fetches `path` once: it must answer 200 with a body. Returns the body's size.
async fn check(addr: std::net::SocketAddr, path: &str) -> Res<u64> {
    let mut stream = tokio::net::TcpStream::connect(addr).await?;
    let request = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await?;
    let mut answer = Vec::new();
    tokio::time::timeout(Duration::from_secs(60), stream.read_to_end(&mut answer)).await??;
    let text = String::from_utf8_lossy(&answer);
    let body = text.split_once("\r\n\r\n").map_or("", |(_, body)| body);
    if !text.starts_with("HTTP/1.1 200") || body.len() < 100 {
        let first = text.lines().next().unwrap_or_default();
        return Err(format!("GET {path} answered {first} with {} bytes", body.len()).into());
    }
    Ok(body.len() as u64)
}

/// Runs wrk on `url` for `secs` seconds and reads its report.
fn wrk(url: &str, secs: u64) -> Res<Load> {
    let out = Command::new("wrk")
        .args([&format!("-t{THREADS}"), &format!("-c{CONNECTIONS}"), &format!("-d{secs}s")])
        .args(["--latency", url])
        .output()?;
    let text = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        return Err(format!("wrk failed: {text}{}", String::from_utf8_lossy(&out.stderr)).into());
    }
    if let Some(line) = text.lines().find(|l| l.contains("Non-2xx") || l.contains("Socket errors"))
    {
        return Err(format!("wrk: {}", line.trim()).into());
    }
    let field = |label: &str| {
        text.lines()
            .find_map(|l| l.trim().strip_prefix(label).map(|rest| rest.trim().to_owned()))
            .ok_or_else(|| format!("no {label:?} in wrk's report: {text}"))
    };
    let rate: f64 = field("Requests/sec:")?.parse()?;
    let requests: u64 = text
        .lines()
        .find_map(|l| l.trim().split_once(" requests in ").map(|(n, _)| n.trim().to_owned()))
        .ok_or("no request count in wrk's report")?
        .parse()?;
    let (p50, p99) = (field("50%")?, field("99%")?);
    let p99_ms = millis(&p99).ok_or_else(|| format!("wrk's p99 {p99:?} is not a duration"))?;
    Ok(Load { rate, requests, p50, p99, p99_ms, answer_bytes: 0, first: Duration::ZERO })
}

/// A wrk duration ("812.00us", "3.41ms", "1.02s") in milliseconds.
fn millis(text: &str) -> Option<f64> {
    let split = text.find(|c: char| c.is_ascii_alphabetic())?;
    let (number, unit) = text.split_at(split);
    let number: f64 = number.parse().ok()?;
    match unit {
        "us" => Some(number / 1000.0),
        "ms" => Some(number),
        "s" => Some(number * 1000.0),
        "m" => Some(number * 60_000.0),
        _ => None,
    }
}
