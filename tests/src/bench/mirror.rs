//! Figure 6: the public site of a mirror holding N `clear` items, running as `liaison node` in
//! a process of its own, loaded by `wrk` (Debian's `wrk` package), a load generator in another
//! process: the JSON API filtered by country, and the calendar feed of a country.

use std::net::SocketAddr;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use liaison_protocol::Role;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

use super::cluster::{self, Process, Resident, until};
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
        Ok((results, uncached, memory)) => paths
            .iter()
            .zip(results)
            .map(|((what, _), path)| path.row(figure(what), secs))
            .chain(uncached.into_iter().map(|(what, load)| uncached_row(&what, n, secs, &load)))
            .chain([memory.row(n)])
            .collect(),
        Err(e) => {
            log(&format!("6. Mirror HTTP failed: {e}"));
            not_measured(&format!("failed: {e}"))
        }
    }
}

const UNCACHED_TARGET: &str = "p99 <= 50 ms";

/// The mirror's resident memory: once it made its indexes (of public items, and for search)
/// and answered, and after every load of the figure (its answers kept).
#[derive(Debug)]
struct Memory {
    serving: Resident,
    after: Resident,
}

impl Memory {
    fn row(&self, n: usize) -> Row {
        let per_item = |b: u64| bytes(b / n.max(1) as u64);
        let measured = format!(
            "serving, its indexes made: RSS {} ({} per item; {} anonymous, {} file-backed); \
             after the loads above (answers kept): RSS {} ({} per item; {} anonymous, {} \
             file-backed), peak {}",
            bytes(self.serving.now),
            per_item(self.serving.now),
            bytes(self.serving.anon),
            bytes(self.serving.file),
            bytes(self.after.now),
            per_item(self.after.now),
            bytes(self.after.anon),
            bytes(self.after.file),
            bytes(self.after.peak),
        );
        // The target is set for 300,000 items; smaller runs say what they measured. It counts
        // the anonymous memory: the search index's file-backed pages are the kernel's cache.
        let verdict = if n >= 300_000 {
            Verdict::of(self.after.anon.max(self.serving.anon) <= 300 * 1024 * 1024)
        } else {
            Verdict::None
        };
        Row::new(
            format!("6. Mirror memory, N = {}", count(n as u64)),
            measured,
            "<= 300 MiB with 300,000 items",
            verdict,
        )
    }
}

/// The row of one path of the uncached answers.
fn uncached_row(what: &str, n: usize, secs: u64, load: &Load) -> Row {
    let measured = format!(
        "p50 {} / p99 {} ({} requests, {:.0} req/s, site CPU {} per request); `wrk -t1 -c1 \
         -d{secs}s --latency`, one request at a time, each asking what no request before it \
         asked, so no answer is kept",
        ms(load.p50),
        ms(load.p99),
        count(load.requests),
        load.rate,
        micros(load.cpu_per_request),
    );
    let pass = load.p99 <= Duration::from_millis(50);
    Row::new(
        format!("6. Mirror HTTP, uncached: {what}, N = {}", count(n as u64)),
        measured,
        UNCACHED_TARGET,
        Verdict::of(pass),
    )
}

/// Distinct requests for each path of the uncached measurement, more than the site keeps
/// answers (1,024), made from `ids` (public item ids) and the benchmark data's countries.
fn uncached_paths(ids: &[String]) -> Vec<(String, Vec<String>)> {
    const MANY: usize = 5_000;
    let countries = data::COUNTRIES;
    let day = |k: usize| {
        let start = chrono::NaiveDate::from_ymd_opt(2019, 1, 1).unwrap_or_default();
        start + chrono::Days::new((k * 7 % 2500) as u64)
    };
    // A cursor anywhere in the data: a day and an id that need not exist.
    let cursor = |k: usize| format!("{}_{k:08x}-0000-4000-8000-000000000000", day(k));
    // A value the site trims, padded so that each request is asked once.
    let padded = |k: usize, value: &str| format!("{}{value}", "%20".repeat(k / countries.len()));
    vec![
        ("home page `/`".to_owned(), vec!["/".to_owned()]),
        (
            "a list deep in its pages, `/visits/?cursor=`".to_owned(),
            (0..MANY).map(|k| format!("/visits/?cursor={}", cursor(k))).collect(),
        ),
        (
            "a country's page, `/countries/CC/`".to_owned(),
            countries.iter().map(|c| format!("/countries/{c}/")).collect(),
        ),
        (
            "an item's page, `/items/ID/`".to_owned(),
            ids.iter().map(|id| format!("/items/{id}/")).collect(),
        ),
        (
            "a country's Atom feed, `/reports.atom?country=`".to_owned(),
            (0..MANY)
                .map(|k| {
                    format!("/reports.atom?country={}", padded(k, countries[k % countries.len()]))
                })
                .collect(),
        ),
        (
            "search, a common word, `/search?q=detention`".to_owned(),
            vec!["/search?q=detention".to_owned()],
        ),
        ("search, a rare word, `/search?q=800`".to_owned(), vec!["/search?q=800".to_owned()]),
        (
            "JSON API list, `/api/v1/items?kind=visit&cursor=`".to_owned(),
            (0..MANY).map(|k| format!("/api/v1/items?kind=visit&cursor={}", cursor(k))).collect(),
        ),
        (
            "a country's calendar, `/calendar.ics?country=`".to_owned(),
            (0..MANY)
                .map(|k| {
                    format!("/calendar.ics?country={}", padded(k, countries[k % countries.len()]))
                })
                .collect(),
        ),
    ]
}

/// Public item ids of the site at `addr`, a few pages of the API from several places.
async fn some_ids(addr: SocketAddr) -> Res<Vec<String>> {
    let mut ids = Vec::new();
    for year in 2017..2027 {
        let path = format!(
            "/api/v1/items?limit=500&cursor={year}-03-01_00000000-0000-0000-0000-000000000000"
        );
        let body = fetch(addr, &path, None).await?.2;
        let json: serde_json::Value = serde_json::from_slice(&body)?;
        for item in json["items"].as_array().ok_or("no items in the API's answer")? {
            ids.extend(item["id"].as_str().map(str::to_owned));
        }
    }
    if ids.is_empty() {
        return Err("the API lists no items".into());
    }
    Ok(ids)
}

/// Loads each of `paths` for `secs` seconds, one request at a time, each request asking the
/// next of its requests in turn.
async fn uncached(
    site: &Process,
    dir: &Path,
    addr: SocketAddr,
    secs: u64,
) -> Res<Vec<(String, Load)>> {
    let ids = some_ids(addr).await?;
    let mut out = Vec::new();
    for (i, (what, requests)) in uncached_paths(&ids).into_iter().enumerate() {
        for request in requests.iter().take(3) {
            fetch(addr, request, None).await?;
        }
        let list = dir.join(format!("uncached-{i}.txt"));
        std::fs::write(&list, requests.join("\n") + "\n")?;
        let script = dir.join(format!("uncached-{i}.lua"));
        std::fs::write(&script, UNCACHED_LUA.replace("PATHS", &list.display().to_string()))?;
        let url = format!("http://{addr}/");
        let pid = site.pid();
        let load = tokio::task::spawn_blocking(move || -> Res<Load> {
            let before = cpu_time(pid)?;
            let (rate, requests, p50, p99) = wrk_with(&url, None, secs, 1, Some(&script))?;
            let cpu = cpu_time(pid)?.saturating_sub(before);
            let cpu_per_request = cpu / u32::try_from(requests.max(1)).unwrap_or(u32::MAX);
            Ok(Load { rate, requests, p50, p99, cpu_per_request })
        })
        .await??;
        log(&format!("mirror HTTP uncached: {what}: p50 {} / p99 {}", ms(load.p50), ms(load.p99)));
        out.push((what, load));
    }
    Ok(out)
}

/// wrk script: each request asks the next line of the file PATHS, in turn.
const UNCACHED_LUA: &str = r#"
local paths = {}
for line in io.lines("PATHS") do paths[#paths + 1] = line end
local i = 0
request = function()
  i = i + 1
  return wrk.format("GET", paths[(i - 1) % #paths + 1])
end
"#;

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

/// The kept answers' loads of `paths`, then the uncached answers' of [`uncached_paths`], and
/// the mirror's memory.
type Measured = (Vec<PathLoad>, Vec<(String, Load)>, Memory);

async fn measure(root: &Path, n: usize, secs: u64, paths: &[(&str, String)]) -> Res<Measured> {
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
        let mut serving = None;
        for (_, path) in paths {
            let started = Instant::now();
            let (plain_bytes, _) = check(addr, path, None).await?;
            let first = started.elapsed();
            if serving.is_none() {
                // A search waits for the search index the site makes at start, at most a
                // request's timeout (then 408): at 300,000 items, or on a loaded machine, it
                // takes longer, so ask again until the index is made.
                let search = "/search?q=detention";
                until(Duration::from_secs(1800), Duration::from_millis(500), search, || async {
                    Ok(check(addr, search, None).await.ok())
                })
                .await?;
                serving = Some(mirror.resident()?);
            }
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
        let uncached = uncached(&mirror, &dir, addr, secs).await?;
        let after = mirror.resident()?;
        let memory = Memory { serving: serving.unwrap_or_default(), after };
        log(&format!(
            "mirror HTTP: RSS {} serving ({} anonymous), {} after ({} anonymous), peak {}",
            bytes(memory.serving.now),
            bytes(memory.serving.anon),
            bytes(after.now),
            bytes(after.anon),
            bytes(after.peak)
        ));
        Ok((results, uncached, memory))
    }
    .await;
    mirror.stop()?;
    measured
}

/// The public site's address, which the node prints once it serves it.
pub(crate) async fn site_addr(dir: &Path) -> Res<SocketAddr> {
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
    let (_, gzipped, body) = fetch(addr, path, header).await?;
    Ok((body.len() as u64, gzipped))
}

/// Fetches `path` once, with `header` if given: it must answer 200 with a body. Returns the
/// head in lower case, whether the body came gzipped, and the body.
pub(crate) async fn fetch(
    addr: SocketAddr,
    path: &str,
    header: Option<&str>,
) -> Res<(String, bool, Vec<u8>)> {
    let mut stream = tokio::net::TcpStream::connect(addr).await?;
    let extra = header.map(|h| format!("{h}\r\n")).unwrap_or_default();
    let request =
        format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\n{extra}Connection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await?;
    let mut answer = Vec::new();
    tokio::time::timeout(Duration::from_secs(60), stream.read_to_end(&mut answer)).await??;
    let split = answer.windows(4).position(|w| w == b"\r\n\r\n").unwrap_or(answer.len());
    let head = String::from_utf8_lossy(&answer[..split]).to_ascii_lowercase();
    let body = answer.get(split + 4..).unwrap_or_default().to_vec();
    if !head.starts_with("http/1.1 200") || body.is_empty() {
        let first = head.lines().next().unwrap_or_default();
        return Err(
            format!("GET {path} ({extra:?}) answered {first:?} with {} bytes", body.len()).into()
        );
    }
    let gzipped = head.lines().any(|l| l.starts_with("content-encoding: gzip"));
    Ok((head, gzipped, body))
}

/// Runs wrk on `url` for `secs` seconds; returns requests/s, requests, p50 and p99. Any
/// answer other than 2xx, or any socket error, fails the measurement.
fn wrk(url: &str, header: Option<&str>, secs: u64) -> Res<(f64, u64, Duration, Duration)> {
    wrk_with(url, header, secs, CONNECTIONS, None)
}

/// [`wrk`] with `connections` and a Lua `script` that makes the requests.
fn wrk_with(
    url: &str,
    header: Option<&str>,
    secs: u64,
    connections: u32,
    script: Option<&Path>,
) -> Res<(f64, u64, Duration, Duration)> {
    let mut command = Command::new("wrk");
    command.args([&format!("-t{THREADS}"), &format!("-c{connections}"), &format!("-d{secs}s")]);
    if let Some(header) = header {
        command.args(["-H", header]);
    }
    if let Some(script) = script {
        command.arg("-s").arg(script);
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
    cluster::cpu_time(&Path::new("/proc").join(pid.to_string()))
}

fn micros(d: Duration) -> String {
    format!("{} us", d.as_micros())
}
