//! Figure 1 under load: a clear write's propagation among four members while the public site
//! of one of them is flooded by `wrk` with uncached requests (a Lua script varies the query
//! strings, so the kept answers rarely serve them), next to the same federation's quiet figure.
//!
//! The flooded site is a receiving member's, in the same process as every node: its requests
//! compete with that member's event loop (and the others') for the same runtime, so a site that
//! did store work on the async workers would show here as slower propagation.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use liaison_node::daemon::{Handle, Options};
use liaison_protocol::{Card, Role};

use super::cluster::{self, Node, link, until};
use super::data::{self, MECHANISMS};
use super::propagation::{Timings, write_and_time};
use super::report::{Row, Verdict, count, ms, percentile};
use super::{Res, log};

const FIGURE: &str = "1. Propagation to 3 members while one member's public site is flooded \
(wrk, uncached requests), p99 next to quiet";
const TARGET: &str = "p99 <= 50 ms, as when quiet";
/// wrk's threads and connections.
const THREADS: u32 = 1;
const CONNECTIONS: u32 = 64;

/// The requests of the flood: lists, pages, feeds and metrics, with query strings that vary per
/// request (limits, countries, dates), so few of them are answers the site keeps.
pub(crate) const FLOOD_LUA: &str = include_str!("flood.lua");
/// Runs the figure with `writes` writes in each phase on members holding `n` items in all.
pub(crate) async fn run(root: &Path, writes: usize, n: usize) -> Row {
    if Command::new("wrk").arg("--version").output().is_err() {
        return Row::not_measured(
            FIGURE,
            "not measured: wrk not found (apt-get install wrk)",
            TARGET,
        );
    }
    match measure(&root.join("flood"), writes, n).await {
        Ok(row) => row,
        Err(e) => {
            log(&format!("propagation under a flood failed: {e}"));
            Row::not_measured(FIGURE, format!("failed: {e}"), TARGET)
        }
    }
}

async fn measure(root: &Path, writes: usize, n: usize) -> Res<Row> {
    let mut members: Vec<(PathBuf, Card)> = Vec::new();
    for (i, code) in MECHANISMS.iter().enumerate() {
        members.push(cluster::init(root, &format!("{code}-{i}"), code, Role::Member)?);
    }
    let seeded = members.clone();
    tokio::task::spawn_blocking(move || data::seed_federation(&seeded, n)).await??;
    let mut nodes = Vec::new();
    for (i, (dir, card)) in members.iter().enumerate() {
        let http = (i == 1).then(|| "127.0.0.1:0".to_owned());
        let options =
            Options { http, reconcile_every: Duration::from_secs(30), ..Options::default() };
        nodes.push(Node::start_with(dir, card, options).await?);
    }
    for a in 0..nodes.len() {
        for b in a + 1..nodes.len() {
            link(&nodes[a], &nodes[b]).await?;
        }
    }
    for node in &nodes {
        until(Duration::from_secs(60), Duration::from_millis(20), "members connect", || async {
            Ok(node.status().await?.peers.iter().all(|p| p.connected).then_some(()))
        })
        .await?;
    }
    let site = nodes[1].running.http.ok_or("the flooded member serves no site")?;
    log(&format!("flood: 4 members holding {n} items in all; {writes} writes quiet, then flooded"));
    let receivers: Vec<Handle> = nodes[1..].iter().map(|n| n.running.handle.clone()).collect();
    let measured = async {
        let quiet = write_and_time(&nodes[0], &receivers, 3, writes).await?;
        let script = root.join("flood.lua");
        std::fs::write(&script, FLOOD_LUA)?;
        let wrk = Flood::start(&script, &format!("http://{site}/"))?;
        tokio::time::sleep(Duration::from_secs(1)).await;
        let flooded = write_and_time(&nodes[0], &receivers, 0, writes).await;
        let report = wrk.stop()?;
        Ok::<_, Box<dyn std::error::Error + Send + Sync>>((quiet, flooded?, report))
    }
    .await;
    for node in nodes {
        node.stop().await?;
    }
    let (quiet, flooded, report) = measured?;
    Ok(row(&quiet, &flooded, &report, n))
}

fn row(quiet: &Timings, flooded: &Timings, report: &WrkReport, n: usize) -> Row {
    let p99 = percentile(&flooded.all, 99.0);
    let measured = format!(
        "during the flood: p50 {} / p99 {}; quiet, same federation: p50 {} / p99 {} (over {} \
         writes each; 4 members holding {} items in all). The site answered {:.0} req/s, {} \
         requests, of which {} not 2xx (503 when its readers stay busy); `wrk -t{THREADS} \
         -c{CONNECTIONS}` with a script varying the query strings",
        ms(percentile(&flooded.all, 50.0)),
        ms(p99),
        ms(percentile(&quiet.all, 50.0)),
        ms(percentile(&quiet.all, 99.0)),
        flooded.all.len(),
        count(n as u64),
        report.rate,
        count(report.requests),
        count(report.not_2xx),
    );
    Row::new(FIGURE, measured, TARGET, Verdict::of(p99 <= Duration::from_millis(50)))
}

/// A wrk process loading a site until it is stopped.
#[derive(Debug)]
pub(crate) struct Flood {
    child: Child,
}

/// What wrk reported when it was stopped.
#[derive(Debug, Default)]
pub(crate) struct WrkReport {
    pub(crate) rate: f64,
    pub(crate) requests: u64,
    pub(crate) not_2xx: u64,
}

impl Flood {
    /// Starts wrk on `url` with the Lua `script`, for up to ten minutes.
    pub(crate) fn start(script: &Path, url: &str) -> Res<Flood> {
        let child = Command::new("wrk")
            .args([&format!("-t{THREADS}"), &format!("-c{CONNECTIONS}"), "-d600s", "-s"])
            .arg(script)
            .arg(url)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()?;
        Ok(Flood { child })
    }

    /// Stops wrk the way Ctrl-C does, so it prints its report, and reads it.
    pub(crate) fn stop(self) -> Res<WrkReport> {
        let pid = self.child.id().to_string();
        Command::new("kill").args(["-INT", &pid]).status()?;
        let out = self.child.wait_with_output()?;
        let text = String::from_utf8_lossy(&out.stdout);
        let number = |label: &str| -> Option<f64> {
            text.lines().find_map(|l| l.trim().strip_prefix(label)?.trim().parse().ok())
        };
        let requests = text
            .lines()
            .find_map(|l| l.trim().split_once(" requests in ")?.0.trim().parse().ok())
            .ok_or_else(|| format!("no request count in wrk's report: {text}"))?;
        Ok(WrkReport {
            rate: number("Requests/sec:").unwrap_or_default(),
            requests,
            not_2xx: number("Non-2xx or 3xx responses:").map_or(0, |n| n as u64),
        })
    }
}
