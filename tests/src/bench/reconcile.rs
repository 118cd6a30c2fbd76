//! Figures 3 and 4: what reconciliation costs between two members, A and B, holding the same
//! N items: when nothing changed, and when one item changed while A was away. A dials B through
//! a counting proxy, so the bytes on the wire are measured beside the sync protocol's own.

use std::path::Path;
use std::time::{Duration, Instant};

use chrono::Utc;
use liaison_node::api::PeerStatus;
use liaison_node::api::{Request, Response};
use liaison_protocol::sync::ItemPayload;
use liaison_protocol::{Kind, Label, Role, VisitPatch};

use super::cluster::{self, Node, Proxy, cpu_time, threads_cpu, until};
use super::data;
use super::report::{Row, Verdict, bytes, count, ms};
use super::{Res, log};

const SECOND: Duration = Duration::from_secs(1);
/// How much more process CPU a reconciliation may take at the largest size than at the smallest.
const CPU_GROWTH: u32 = 2;
/// The resolution of the CPU time measured (the kernel's tick, over at least 10 sessions).
const CPU_RESOLUTION: Duration = Duration::from_millis(1);
const NEVER: Duration = Duration::from_secs(24 * 3600);

/// Runs figure 3 at every size of `sizes`, and figure 4 at `big` (which must be among them).
pub(crate) async fn run(root: &Path, sizes: &[usize], big: usize, sessions: u64) -> Res<Vec<Row>> {
    let mut rows = Vec::new();
    let mut four = None;
    // The process CPU of one reconciliation at the smallest size, which the others are judged by.
    let mut smallest: Option<Duration> = None;
    for &n in sizes {
        let root = root.join(format!("pair-{n}"));
        let (a_dir, a_card) = cluster::init(&root, "ohchr-a", "ohchr", Role::Member)?;
        let (b_dir, b_card) = cluster::init(&root, "achpr-b", "achpr", Role::Member)?;
        let seeding = Instant::now();
        let items = tokio::task::spawn_blocking({
            let (a_dir, b_dir, a_card) = (a_dir.clone(), b_dir.clone(), a_card.clone());
            move || -> Res<Vec<ItemPayload>> {
                let items = data::create(&a_dir, 0, 0, n)?;
                data::know(&b_dir, &[a_card])?;
                data::import(&b_dir, &items)?;
                Ok(items)
            }
        })
        .await??;
        let shared = data::allowed(&items, &b_card.peer()).len();
        log(&format!(
            "reconciliation N={n}: pair seeded in {:.1} s",
            seeding.elapsed().as_secs_f64()
        ));
        let b = Node::start(&b_dir, &b_card, NEVER).await?;
        let proxy = Proxy::to(&b.card.addrs[0]).await?;
        let mut b_via_proxy = b.card.clone();
        b_via_proxy.addrs = vec![proxy.multiaddr()];
        let a = Node::start(&a_dir, &a_card, SECOND).await?;
        a.know(&b_via_proxy).await?;
        until(
            Duration::from_secs(120),
            Duration::from_millis(20),
            "first reconciliations",
            || async {
                let (ab, ba) = (a.peer(b.card.key).await?, b.peer(a.card.key).await?);
                Ok((ab.reconciliations >= 1 && ba.reconciliations >= 1).then_some(()))
            },
        )
        .await?;
        let compacting = compacted(Duration::from_secs(300)).await;
        log(&format!(
            "reconciliation N={n}: stores compacted in {:.0} s; measuring {sessions} idle \
             reconciliations",
            compacting.as_secs_f64()
        ));
        let (s0, w0, c0, q0) =
            (a.peer(b.card.key).await?, proxy.bytes(), process_cpu(), sled_cpu());
        until(
            Duration::from_secs(120),
            Duration::from_millis(100),
            "idle reconciliations",
            || async {
                Ok((a.peer(b.card.key).await?.reconciliations >= s0.reconciliations + sessions)
                    .then_some(()))
            },
        )
        .await?;
        let (s1, w1, c1, q1) =
            (a.peer(b.card.key).await?, proxy.bytes(), process_cpu(), sled_cpu());
        let done = (s1.reconciliations - s0.reconciliations).max(1);
        let round_trips =
            (s1.reconcile_round_trips - s0.reconcile_round_trips) as f64 / done as f64;
        let per = (traffic(&s1) - traffic(&s0)) / done;
        let wire = (w1 - w0) / done;
        let cpu = (c1 - c0) / done as u32;
        let sled = q1.saturating_sub(q0) / done as u32;
        let base = *smallest.get_or_insert(cpu);
        let flat = cpu <= CPU_GROWTH * base.max(CPU_RESOLUTION);
        let measured = format!(
            "{round_trips} round trip, {} per reconciliation ({} on the wire with TCP payload of \
             Noise, Yamux, stream negotiation and pings); {:.0} B/s per link at the default 30 s; \
             {} of process CPU per reconciliation, both nodes (of which sled's threads {})",
            bytes(per),
            bytes(wire),
            wire as f64 / 30.0,
            ms(cpu),
            ms(sled),
        );
        rows.push(Row::new(
            format!(
                "3. Idle reconciliation, N = {} ({} shared)",
                count(n as u64),
                count(shared as u64)
            ),
            measured,
            "1 round trip, <= 512 bytes per peer, flat in N (CPU within 2x of the smallest N's)",
            Verdict::of(round_trips <= 1.0 && per <= 512 && flat),
        ));
        if n == big {
            four = Some(one_change(a, &b, &proxy, &items).await?);
        } else {
            a.stop().await?;
        }
        b.stop().await?;
    }
    rows.extend(four);
    Ok(rows)
}

/// CPU time this process (both nodes of the pair) used so far, at the kernel's tick resolution.
fn process_cpu() -> Duration {
    cpu_time(Path::new("/proc/self")).unwrap_or_default()
}

/// CPU time of this process's sled threads: the flusher, which also compacts the stores'
/// files, and the IO threads that write what it rewrites.
fn sled_cpu() -> Duration {
    let threads = threads_cpu(Path::new("/proc/self")).unwrap_or_default();
    threads.into_iter().filter(|(name, _)| is_sled_thread(name)).map(|(_, cpu)| cpu).sum()
}

/// Whether a thread of this name is sled's: its flusher or one of its IO threads.
fn is_sled_thread(name: &str) -> bool {
    name == "log flusher" || name.starts_with("sled-io-")
}

/// How long sled's threads must stay quiet (at most a tick per 2 s) before the stores count
/// as compacted.
const QUIET_SPANS: u32 = 5;

/// Waits until the stores have compacted what seeding left behind: after a bulk load, sled's
/// flusher spends up to half of every flush interval rewriting pages (and its IO threads
/// writing them), for a time that grows with the store, and pauses between segments. Done
/// when sled's threads used no more than a tick in each of [`QUIET_SPANS`] spans of 2 s in a
/// row; at most `within`. Returns how long it took.
async fn compacted(within: Duration) -> Duration {
    let start = Instant::now();
    let mut quiet = 0;
    loop {
        let before = sled_cpu();
        tokio::time::sleep(Duration::from_secs(2)).await;
        if sled_cpu().saturating_sub(before) <= Duration::from_millis(10) {
            quiet += 1;
        } else {
            quiet = 0;
        }
        if quiet >= QUIET_SPANS || start.elapsed() > within {
            return start.elapsed();
        }
    }
}

fn traffic(p: &PeerStatus) -> u64 {
    p.bytes_sent + p.bytes_received
}

/// Figure 4: A stops, changes one visit offline and comes back; until B has the change. Then,
/// connected, one more change, pushed.
async fn one_change(a: Node, b: &Node, proxy: &Proxy, items: &[ItemPayload]) -> Res<Row> {
    let (a_dir, a_card) = (a.dir.clone(), a.card.clone());
    a.stop().await?;
    let visits: Vec<_> = items
        .iter()
        .filter_map(|p| data::header(p).ok())
        .filter(|h| h.kind == Kind::Visit && matches!(h.label, Label::Green | Label::Clear))
        .map(|h| h.id)
        .take(2)
        .collect();
    let [offline, online] = visits[..] else { return Err("too few visits".into()) };
    let repo = super::data::open_repo(&a_dir)?;
    repo.update(offline, Utc::now(), |f| {
        if let Some(v) = f.visit.as_mut() {
            v.mandate = "SR on torture (changed while away)".into();
        }
        Ok(())
    })?;
    drop(repo);
    let b0 = b.peer(a_card.key).await?;
    let w0 = proxy.bytes();
    let start = Instant::now();
    let a = Node::start(&a_dir, &a_card, NEVER).await?;
    let has =
        until(Duration::from_secs(120), Duration::from_millis(1), "the change arrives", || async {
            Ok((b.peer(a_card.key).await?.items_received > b0.items_received)
                .then(|| start.elapsed()))
        })
        .await?;
    until(Duration::from_secs(120), Duration::from_millis(10), "both sessions end", || async {
        let (ab, ba) = (a.peer(b.card.key).await?, b.peer(a_card.key).await?);
        Ok((ab.reconciliations >= 1 && ba.reconciliations > b0.reconciliations).then_some(()))
    })
    .await?;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let (ab, ba) = (a.peer(b.card.key).await?, b.peer(a_card.key).await?);
    let w1 = proxy.bytes();
    let (rt_a, rt_b) =
        (ab.reconcile_round_trips, ba.reconcile_round_trips - b0.reconcile_round_trips);
    let sync_bytes = traffic(&ab);
    // The item then takes one fetch when the side that settles its range holds the older copy,
    // and three (fetch, offer of the merge back, fetch) when it holds the newer one: count the
    // worst.
    let round_trips = rt_a.max(rt_b) + 3;
    // Connected now: one more change, pushed at once.
    let p0 = a.peer(b.card.key).await?;
    let received = b.peer(a_card.key).await?.items_received;
    let patch = VisitPatch {
        mandate: Some("SR on torture (changed online)".into()),
        ..VisitPatch::default()
    };
    let pushed_at = Instant::now();
    match a.request(Request::UpdateVisit { id: online, patch }).await? {
        Response::Updated(Some(_)) => {}
        other => return Err(format!("update answered {other:?}").into()),
    }
    let pushed =
        until(Duration::from_secs(60), Duration::from_millis(1), "the push arrives", || async {
            Ok((b.peer(a_card.key).await?.items_received > received).then(|| pushed_at.elapsed()))
        })
        .await?;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let p1 = a.peer(b.card.key).await?;
    a.stop().await?;
    let measured = format!(
        "after A was away: at most {round_trips} round trips (reconciliation: A's {rt_a}, B's \
         {rt_b}; then the item: 1 fetch, or fetch, offer back and fetch), {} sync protocol ({} on \
         the wire, reconnection included), B had it {} after A started; connected: pushed in 1 \
         round trip, {}, {}",
        bytes(sync_bytes),
        bytes(w1 - w0),
        ms(has),
        bytes(traffic(&p1) - traffic(&p0)),
        ms(pushed),
    );
    log("one change: measured");
    Ok(Row::new(
        format!("4. One change among N = {} items", count(items.len() as u64)),
        measured,
        "<= 8 round trips, <= 16 KiB",
        Verdict::of(round_trips <= 8 && sync_bytes <= 16 * 1024),
    ))
}
