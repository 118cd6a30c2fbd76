//! Figure 6: the public site of a mirror holding N `clear` items, running as `liaison node` in
//! a process of its own, loaded by `wrk` (Debian's `wrk` package), a load generator in another
//! process: the JSON API filtered by country, and the calendar feed of a country.

use std::net::SocketAddr;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use liaison_protocol::Role;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

use super::cluster::{self, Process};
use super::data;
use super::report::{Row, Verdict, bytes, count, ms};
use super::{Res, log};

const TARGET: &str = ">= 5,000 req/s, p99 <= 20 ms";
/// The country asked for: one of the benchmark data's 24, so about 1/24 of the items.
const COUNTRY: &str = "TN";
/// wrk's threads and connections: one thread leaves the other core to the site.
const THREADS: u32 = 1;
const CONNECTIONS: u32 = 16;
/// Load before each measurement, so connections are open and the answer is kept.
const WARM_UP_SECS: u64 = 1;
/// What browsers, calendar clients and feed readers send.
const GZIP: &str = "Accept-Encoding: gzip";

/// Runs figure 6 with `n` items, `secs` seconds of load per path and encoding.
pub(crate) async fn run(root: &Path, n: usize, secs: u64) -> Vec<Row> {
    let paths = [
        ("`/api/v1/items?country=`", format!("/api/v1/items?country={COUNTRY}")),
        ("`/calendar.ics?country=`", format!("/calendar.ics?country={COUNTRY}")),
    ];
    let figure = |what: &str| format!("6. Mirror HTTP: {what}, N = {}", count(n as u64));
    let not_measured = |why: &str| {
        paths.iter().map(|(what, _)| Row::not_measured(figure(what), why, TARGET)).collect()
    };
    if Command::new("wrk").arg("--version").output().is_err() {
        return not_measured("not measured: wrk not found (apt-get install wrk)");
    }
    match measure(root, n, secs, &paths).await {
        Ok(results) => paths
            .iter()
            .zip(results)
            .map(|((what, _), path)| path.row(figure(what), secs))
            .collect(),
        Err(e) => {
            log(&format!("6. Mirror HTTP failed: {e}"));
            not_measured(&format!("failed: {e}"))
        }
    }
}

/// What was measured on one path.
#[derive(Debug)]
struct PathLoad {
    /// With `Accept-Encoding: gzip`.
    gzip: Load,
    /// Without it.
    plain: Load,
    /// The size of an answer with gzip asked for, and whether it came gzipped (answers under
    /// 1 KiB are not).
    gzip_bytes: u64,
    gzipped: bool,
    plain_bytes: u64,
    /// The first request, answered from the store (then kept).
    first: Duration,
}

impl PathLoad {
    fn row(&self, figure: String, secs: u64) -> Row {
        let Self { gzip, plain, .. } = self;
        let measured = format!(
            "{:.0} req/s, p50 {} / p99 {}, {} per answer {} ({} plain), site CPU {} per \
             request ({} requests); clients not accepting gzip: {:.0} req/s, p99 {}, site CPU {} \
             per request. `wrk -t{THREADS} -c{CONNECTIONS} -d{secs}s --latency -H '{GZIP}'` \
             and without `-H`, keep-alive, after {WARM_UP_SECS} s of warm-up; the first answer, \
             made from the store before it is kept: {}",
            gzip.rate,
            ms(gzip.p50),
            ms(gzip.p99),
            bytes(self.gzip_bytes),
            if self.gzipped { "gzipped" } else { "(not gzipped)" },
            bytes(self.plain_bytes),
            micros(gzip.cpu_per_request),
            count(gzip.requests),
            plain.rate,
            ms(plain.p99),
            micros(plain.cpu_per_request),
            ms(self.first),
        );
        let pass = gzip.rate >= 5_000.0 && gzip.p99 <= Duration::from_millis(20);
        Row::new(figure, measured, TARGET, Verdict::of(pass))
    }
}

/// What wrk measured on one path with one encoding, and the site's CPU meanwhile.
#[derive(Debug)]
struct Load {
    rate: f64,
    requests: u64,
    p50: Duration,
    p99: Duration,
    cpu_per_request: Duration,
}

async fn measure(root: &Path, n: usize, secs: u64, paths: &[(&str, String)]) -> Res<Vec<PathLoad>> {
    let dir = root.join("http");
    let (member_dir, member_card) = cluster::init(&dir, "http-ohchr", "ohchr", Role::Member)?;
    let (mirror_dir, _) = cluster::init(&dir, "http-mirror", "ngo-watch", Role::Mirror)?;
    let store_dir = mirror_dir.clone();
    let items = tokio::task::spawn_blocking(move || -> Res<usize> {
        let items = data::create_with(&member_dir, 0..n, data::public_draft)?;
        data::know(&store_dir, &[member_card])?;
        data::import(&store_dir, &items)
    })
    .await??;
    log(&format!("mirror HTTP: a mirror holds {items} clear items"));
    let mirror = Process::start_with(&mirror_dir, &["--http", "127.0.0.1:0"]).await?;
    let measured = async {
        let addr = site_addr(&mirror_dir).await?;
        let mut results = Vec::new();
        for (_, path) in paths {
            let started = Instant::now();
            let (plain_bytes, _) = check(addr, path, None).await?;
            let first = started.elapsed();
            let (gzip_bytes, gzipped) = check(addr, path, Some(GZIP)).await?;
            let url = format!("http://{addr}{path}");
            let gzip = load(&mirror, &url, Some(GZIP), secs).await?;
            let plain = load(&mirror, &url, None, secs).await?;
            log(&format!(
                "mirror HTTP: {path}: {:.0} req/s, p99 {} gzipped; {:.0} req/s, p99 {} plain",
                gzip.rate,
                ms(gzip.p99),
                plain.rate,
                ms(plain.p99)
            ));
            results.push(PathLoad { gzip, plain, gzip_bytes, gzipped, plain_bytes, first });
        }
        Ok(results)
    }
    .await;
    mirror.stop()?;
    measured
}

/// The public site's address, which the node prints once it serves it.
async fn site_addr(dir: &Path) -> Res<SocketAddr> {
    let log = dir.join("node.log");
    cluster::until(Duration::from_secs(30), Duration::from_millis(20), "public site", || async {
        let text = std::fs::read_to_string(&log)?;
        let addr = text.lines().find_map(|l| l.strip_prefix("public site on http://"));
        Ok(addr.and_then(|a| a.trim_end_matches('/').parse().ok()))
    })
    .await
}

/// Warms up, then runs wrk on `url` for `secs` seconds, reading the site's CPU time around it.
async fn load(site: &Process, url: &str, header: Option<&str>, secs: u64) -> Res<Load> {
    let (url, header) = (url.to_owned(), header.map(str::to_owned));
    let pid = site.pid();
    tokio::task::spawn_blocking(move || {
        wrk(&url, header.as_deref(), WARM_UP_SECS)?;
        let before = cpu_time(pid)?;
        let (rate, requests, p50, p99) = wrk(&url, header.as_deref(), secs)?;
        let cpu = cpu_time(pid)?.saturating_sub(before);
        let cpu_per_request = cpu / u32::try_from(requests.max(1)).unwrap_or(u32::MAX);
        Ok(Load { rate, requests, p50, p99, cpu_per_request })
    })
    .await?
}

/// Fetches `path` once, with `header` if given: it must answer 200 with a body. Returns the
/// body's size and whether it came gzipped.
async fn check(addr: SocketAddr, path: &str, header: Option<&str>) -> Res<(u64, bool)> {
    let mut stream = tokio::net::TcpStream::connect(addr).await?;
    let extra = header.map(|h| format!("{h}\r\n")).unwrap_or_default();
    let request =
        format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\n{extra}Connection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await?;
    let mut answer = Vec::new();
    tokio::time::timeout(Duration::from_secs(60), stream.read_to_end(&mut answer)).await??;
    let split = answer.windows(4).position(|w| w == b"\r\n\r\n").unwrap_or(answer.len());
    let head = String::from_utf8_lossy(&answer[..split]).to_ascii_lowercase();
    let body = answer.len().saturating_sub(split + 4);
    if !head.starts_with("http/1.1 200") || body == 0 {
        let first = head.lines().next().unwrap_or_default();
        return Err(format!("GET {path} ({extra:?}) answered {first:?} with {body} bytes").into());
    }
    let gzipped = head.lines().any(|l| l.starts_with("content-encoding: gzip"));
    Ok((body as u64, gzipped))
}

/// Runs wrk on `url` for `secs` seconds; returns requests/s, requests, p50 and p99. Any
/// answer other than 2xx, or any socket error, fails the measurement.
fn wrk(url: &str, header: Option<&str>, secs: u64) -> Res<(f64, u64, Duration, Duration)> {
    let mut command = Command::new("wrk");
    command.args([&format!("-t{THREADS}"), &format!("-c{CONNECTIONS}"), &format!("-d{secs}s")]);
    if let Some(header) = header {
        command.args(["-H", header]);
    }
    let out = command.args(["--latency", url]).output()?;
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
    let duration = |label: &str| -> Res<Duration> {
        let value = field(label)?;
        Ok(parse_duration(&value).ok_or_else(|| format!("wrk's {label} {value:?}"))?)
    };
    let rate: f64 = field("Requests/sec:")?.parse()?;
    let requests: u64 = text
        .lines()
        .find_map(|l| l.trim().split_once(" requests in ").map(|(n, _)| n.trim().to_owned()))
        .ok_or("no request count in wrk's report")?
        .parse()?;
    Ok((rate, requests, duration("50%")?, duration("99%")?))
}

/// A wrk duration ("812.00us", "3.41ms", "1.02s", "1.50m").
fn parse_duration(text: &str) -> Option<Duration> {
    let split = text.find(|c: char| c.is_ascii_alphabetic())?;
    let (number, unit) = text.split_at(split);
    let number: f64 = number.parse().ok()?;
    let secs = match unit {
        "us" => number / 1e6,
        "ms" => number / 1e3,
        "s" => number,
        "m" => number * 60.0,
        _ => return None,
    };
    Duration::try_from_secs_f64(secs).ok()
}

/// The user and system CPU time of process `pid` so far.
fn cpu_time(pid: u32) -> Res<Duration> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))?;
    // The fields after the command name, which is in parentheses and may hold spaces.
    let rest = stat.rsplit_once(") ").map(|(_, rest)| rest).ok_or("no ')' in /proc/PID/stat")?;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // utime and stime, fields 14 and 15 of the line (12 and 13 after the name), in ticks.
    let field =
        |i: usize| -> Res<u64> { Ok(fields.get(i).ok_or("short /proc/PID/stat")?.parse()?) };
    let ticks = field(11)? + field(12)?;
    // Linux reports 100 ticks per second to user space (USER_HZ) on every architecture.
    Ok(Duration::from_millis(ticks * 10))
}

fn micros(d: Duration) -> String {
    format!("{} us", d.as_micros())
}
