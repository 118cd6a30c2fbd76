//! Figures 1 and 7: a write on one member until it is durable and queryable on the three other
//! members and a mirror; and `liaison visit forecast`, as a process, to its acknowledgement.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use liaison_node::api::{Request, Response};
use liaison_node::daemon::Handle;
use liaison_protocol::Role;

use super::cluster::{self, AS_CLI, Node, link, until};
use super::data::{MECHANISMS, forecast};
use super::report::{Row, Verdict, ms, percentile};
use super::{Res, log};

const DEFAULT_RECONCILE: Duration = Duration::from_secs(30);

/// Runs both figures on a fresh federation of four members and a mirror.
pub(crate) async fn run(root: &Path, writes: usize) -> Res<Vec<Row>> {
    let root = root.join("propagation");
    let mut nodes = Vec::new();
    for (i, code) in MECHANISMS.iter().chain(&["ngo"]).enumerate() {
        let role = if i < MECHANISMS.len() { Role::Member } else { Role::Mirror };
        let (dir, card) = cluster::init(&root, &format!("{code}-{i}"), code, role)?;
        nodes.push(Node::start(&dir, &card, DEFAULT_RECONCILE).await?);
    }
    for a in 0..nodes.len() {
        for b in a + 1..nodes.len() {
            link(&nodes[a], &nodes[b]).await?;
        }
    }
    for node in &nodes {
        until(
            Duration::from_secs(30),
            Duration::from_millis(20),
            "federation connects",
            || async { Ok(node.status().await?.peers.iter().all(|p| p.connected).then_some(())) },
        )
        .await?;
    }
    log(&format!("propagation: 4 members and a mirror connected; {writes} writes"));
    let receivers: Vec<Handle> = nodes[1..].iter().map(|n| n.running.handle.clone()).collect();
    let writer = &nodes[0];
    let Timings { all, members, acks } = write_and_time(writer, &receivers, 3, writes).await?;
    let (p50, p99) = (percentile(&all, 50.0), percentile(&all, 99.0));
    let measured = format!(
        "p50 {} / p99 {} over {} writes (3 members alone: p50 {} / p99 {}; the writer's own \
         durable ack: p50 {})",
        ms(p50),
        ms(p99),
        all.len(),
        ms(percentile(&members, 50.0)),
        ms(percentile(&members, 99.0)),
        ms(percentile(&acks, 50.0)),
    );
    let pass = p50 <= Duration::from_millis(5) && p99 <= Duration::from_millis(50);
    let mut rows = vec![Row::new(
        "1. Propagation of a clear write to 3 members and a mirror, durable and queryable, p50 / p99",
        measured,
        "<= 5 ms / <= 50 ms",
        Verdict::of(pass),
    )];
    rows.push(publish(writer, writes.clamp(5, 50), &acks).await?);
    for node in nodes {
        node.stop().await?;
    }
    Ok(rows)
}

/// What [`write_and_time`] measured, per write.
#[derive(Debug, Default)]
pub(crate) struct Timings {
    /// Until every receiver held it.
    pub(crate) all: Vec<Duration>,
    /// Until the first three receivers held it.
    pub(crate) members: Vec<Duration>,
    /// Until the writer acknowledged it, durable.
    pub(crate) acks: Vec<Duration>,
}

/// Writes `warm_up` and then `writes` clear forecasts on `writer`, one at a time, each once the
/// last reached every receiver; times the `writes`.
pub(crate) async fn write_and_time(
    writer: &Node,
    receivers: &[Handle],
    warm_up: usize,
    writes: usize,
) -> Res<Timings> {
    let mut held = Vec::new();
    for handle in receivers {
        held.push(items_held(handle).await?);
    }
    let mut timings = Timings::default();
    for i in 0..warm_up + writes {
        let start = Instant::now();
        let poller = tokio::task::spawn_blocking({
            let receivers = receivers.to_vec();
            let targets: Vec<usize> = held.iter().map(|h| h + i + 1).collect();
            move || arrivals(&receivers, &targets, start)
        });
        let draft = Box::new(forecast(i));
        writer.request(Request::Create { draft }).await?;
        let ack = start.elapsed();
        let arrived = poller.await??;
        if i >= warm_up {
            timings.acks.push(ack);
            timings.all.push(arrived.iter().copied().max().unwrap_or_default());
            let first = &arrived[..arrived.len().min(3)];
            timings.members.push(first.iter().copied().max().unwrap_or_default());
        }
        // Let the relays of this write die down before the next.
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    Ok(timings)
}

async fn items_held(handle: &Handle) -> Res<usize> {
    match handle.request(Request::Status).await.map_err(|e| e.message)? {
        Response::Status(status) => Ok(status.items),
        other => Err(format!("status answered {other:?}").into()),
    }
}

/// Polls the receivers on this (blocking) thread until each holds its number of `targets`
/// items; returns when each got there, from `start`. Polling every 0.1 ms keeps the error under
/// a few tenths of a ms.
fn arrivals(receivers: &[Handle], targets: &[usize], start: Instant) -> Res<Vec<Duration>> {
    let runtime = tokio::runtime::Handle::current();
    let mut arrived: Vec<Option<Duration>> = vec![None; receivers.len()];
    while arrived.iter().any(Option::is_none) {
        if start.elapsed() > Duration::from_secs(60) {
            return Err(format!("a write did not propagate in 60 s: {arrived:?}").into());
        }
        for ((handle, slot), items) in receivers.iter().zip(arrived.iter_mut()).zip(targets) {
            if slot.is_some() {
                continue;
            }
            let held = match runtime.block_on(handle.request(Request::Status)) {
                Ok(Response::Status(status)) => status.items,
                Ok(other) => return Err(format!("status answered {other:?}").into()),
                Err(e) => return Err(e.message.into()),
            };
            if held >= *items {
                *slot = Some(start.elapsed());
            }
        }
        std::thread::sleep(Duration::from_micros(100));
    }
    Ok(arrived.into_iter().flatten().collect())
}

/// Figure 7: `liaison visit forecast` run as a process against the running `writer`, from
/// process start to exit (it exits once the node acknowledged the durable write).
async fn publish(writer: &Node, runs: usize, acks: &[Duration]) -> Res<Row> {
    let exe = std::env::current_exe()?;
    let mut times = Vec::new();
    for i in 0..runs + 1 {
        let start = Instant::now();
        let out = Command::new(&exe)
            .env(AS_CLI, "1")
            .arg("--data-dir")
            .arg(&writer.dir)
            .args(["visit", "forecast", "--mandate", "SR on torture", "--country", "TN"])
            .args(["--planned", "2027-Q2", "--label", "clear"])
            .stdin(Stdio::null())
            .output()?;
        let took = start.elapsed();
        if !out.status.success() {
            let err = String::from_utf8_lossy(&out.stderr);
            return Err(format!("liaison visit forecast failed: {err}").into());
        }
        if i > 0 {
            times.push(took);
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let measured = format!(
        "p50 {} per command, process start to exit, over {runs} runs (of which the node's write \
         to durable ack, in process: p50 {})",
        ms(percentile(&times, 50.0)),
        ms(percentile(acks, 50.0)),
    );
    Ok(Row::new(
        "7. Publish: `liaison visit forecast` to durable acknowledgement, p50",
        measured,
        "none set",
        Verdict::None,
    ))
}
