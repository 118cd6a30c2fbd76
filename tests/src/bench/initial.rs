//! Figures 2 and 5: an empty member joins four members holding N items between them, against
//! the in-process floor (load and verify the same items, no network, no disk); the memory and
//! disk of that member once it holds them.

use std::path::Path;
use std::time::{Duration, Instant};

use liaison_protocol::Role;
use liaison_protocol::verify::verify_item;

use super::cluster::{self, Node, Process, Resident, cpu_time, link, until};
use super::data::{self, MECHANISMS};
use super::report::{Row, Verdict, bytes, count, rate, secs};
use super::{Res, log};

/// What one initial sync measured.
#[derive(Debug, Clone)]
pub(crate) struct Sync {
    pub(crate) n: usize,
    /// Items the joining member may hold, and holds at the end.
    pub(crate) items: usize,
    pub(crate) took: Duration,
    /// Sync protocol bytes to and from the joining member until traffic stopped.
    pub(crate) bytes: u64,
    /// Items its peers sent it (duplicates included).
    pub(crate) sent: u64,
    pub(crate) floor: f64,
    pub(crate) peak_rss: u64,
    /// Its memory once the sync is over and traffic stopped.
    pub(crate) idle: Resident,
    pub(crate) disk: u64,
    /// The floor's CPU time, and the CPU time over the sync of the joining member and of
    /// its peers (the four members, in this process).
    pub(crate) cpu: SyncCpu,
}

/// Where the CPU went: figures that load on the machine does not change, unlike times.
#[derive(Debug, Clone, Default)]
pub(crate) struct SyncCpu {
    pub(crate) floor: Duration,
    pub(crate) newcomer: Duration,
    pub(crate) peers: Duration,
}

impl Sync {
    pub(crate) fn rate(&self) -> f64 {
        rate(self.items, self.took)
    }

    /// `cpu` per item held, in microseconds.
    fn per_item(&self, cpu: Duration) -> f64 {
        cpu.as_secs_f64() * 1e6 / self.items.max(1) as f64
    }

    pub(crate) fn row(&self) -> Row {
        let ratio = self.rate() / self.floor;
        let cores = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
        let measured = format!(
            "{} for {} items (of {} in the federation): {:.0} items/s, {} moved ({} per item; \
             peers sent {} items, {:.1}x each); floor {:.0} items/s; ratio {ratio:.2}; CPU \
             per item: the joining member {:.0} us, its peers {:.0} us, the floor {:.0} us, so \
             the {cores} cores allow at most {:.2}x the floor",
            secs(self.took),
            count(self.items as u64),
            count(self.n as u64),
            self.rate(),
            bytes(self.bytes),
            bytes(self.bytes / self.items.max(1) as u64),
            count(self.sent),
            self.sent as f64 / self.items.max(1) as f64,
            self.floor,
            self.per_item(self.cpu.newcomer),
            self.per_item(self.cpu.peers),
            self.per_item(self.cpu.floor),
            cores as f64 * self.cpu.floor.as_secs_f64()
                / (self.cpu.newcomer + self.cpu.peers).as_secs_f64().max(1e-9),
        );
        Row::new(
            format!(
                "2. Initial sync, N = {}: an empty member joins 4 members",
                count(self.n as u64)
            ),
            measured,
            ">= 1.5x the floor's items/s (both cores, signatures in batches)",
            Verdict::of(ratio >= 1.5),
        )
    }

    /// Figure 5 from this run: judged at N >= 300,000, where the joining member holds about
    /// 250,000 items (the rest are labelled for other mechanisms).
    pub(crate) fn memory_row(&self) -> Row {
        let held = self.items.max(1) as u64;
        let measured = format!(
            "peak RSS {}, idle RSS {} ({} anonymous, {} file-backed), holding {} items (of \
             N = {} in the federation): {} per item held at the peak, {} idle; disk {} per item",
            bytes(self.peak_rss),
            bytes(self.idle.now),
            bytes(self.idle.anon),
            bytes(self.idle.file),
            count(self.items as u64),
            count(self.n as u64),
            bytes(self.peak_rss / held),
            bytes(self.idle.now / held),
            bytes(self.disk / held),
        );
        let verdict = if self.n >= 300_000 {
            Verdict::of(self.peak_rss <= 300 * 1024 * 1024)
        } else {
            Verdict::None
        };
        Row::new(
            "5. Memory of a member holding the items of figure 2 (peak during its initial sync)",
            measured,
            "<= 300 MiB at N = 300,000 (the member holds about 250,000)",
            verdict,
        )
    }
}

/// One initial sync at `n` items.
pub(crate) async fn run(root: &Path, n: usize) -> Res<Sync> {
    let root = root.join(format!("initial-{n}"));
    let mut stopped = Vec::new();
    for (i, code) in MECHANISMS.iter().enumerate() {
        stopped.push(cluster::init(&root, &format!("{code}-{i}"), code, Role::Member)?);
    }
    let (new_dir, new_card) = cluster::init(&root, "ohchr-new", "ohchr", Role::Member)?;
    let seeding = Instant::now();
    let all = tokio::task::spawn_blocking({
        let stopped = stopped.clone();
        move || data::seed_federation(&stopped, n)
    })
    .await??;
    log(&format!("initial sync N={n}: federation seeded in {}", secs(seeding.elapsed())));
    let mut members = Vec::new();
    for (dir, card) in &stopped {
        members.push(Node::start(dir, card, Duration::from_secs(30)).await?);
    }
    for a in 0..members.len() {
        for b in a + 1..members.len() {
            link(&members[a], &members[b]).await?;
        }
    }
    for member in &members {
        member.know(&new_card).await?;
    }
    let cards: Vec<_> = members.iter().map(|m| m.card.clone()).collect();
    data::know(&new_dir, &cards)?;
    let allowed = data::allowed(&all, &new_card.peer());
    let items = allowed.len();
    let (floor, floor_cpu) = floor(&allowed, &cards, &new_card)?;
    log(&format!("initial sync N={n}: floor {floor:.0} items/s; the new member may hold {items}"));
    let peers_before = cpu_time(Path::new("/proc/self"))?;
    let start = Instant::now();
    let newcomer = Process::start(&new_dir).await?;
    let within = Duration::from_secs(120) + Duration::from_millis(50) * n as u32;
    let synced = until(within, Duration::from_millis(20), "initial sync", || async {
        Ok((newcomer.status().await?.items >= items).then_some(()))
    })
    .await;
    let took = start.elapsed();
    let cpu = sync_cpu(&newcomer, peers_before, floor_cpu);
    if let Err(e) = synced {
        let held = newcomer.status().await.map(|s| s.items).unwrap_or(0);
        let _ = newcomer.stop();
        return Err(format!("{e}: the new member holds {held} of {items}").into());
    }
    log(&format!(
        "initial sync N={n}: {items} items in {}; waiting for traffic to stop",
        secs(took)
    ));
    let bytes = settle(&newcomer).await?;
    tokio::time::sleep(Duration::from_secs(3)).await;
    let idle = newcomer.resident()?;
    let mut sent = 0;
    for member in &members {
        sent += member.peer(new_card.key).await?.items_sent;
    }
    newcomer.stop()?;
    let disk = disk_usage(&new_dir.join(liaison_node::identity::STORE_DIR))?;
    for member in members {
        member.stop().await?;
    }
    let cpu = cpu?;
    Ok(Sync { n, items, took, bytes, sent, floor, peak_rss: idle.peak, idle, disk, cpu })
}

/// The CPU the sync took: the joining member's since it started, and this process's (its
/// peers') since `peers_before`; with the floor's.
fn sync_cpu(newcomer: &Process, peers_before: Duration, floor: Duration) -> Res<SyncCpu> {
    Ok(SyncCpu {
        floor,
        newcomer: cpu_time(&Path::new("/proc").join(newcomer.pid().to_string()))?,
        peers: cpu_time(Path::new("/proc/self"))?.saturating_sub(peers_before),
    })
}

/// Waits until the new member's sync traffic stops for 2 s; returns its bytes, both ways.
async fn settle(newcomer: &Process) -> Res<u64> {
    let (mut last, mut since) = (u64::MAX, Instant::now());
    let deadline = Instant::now() + Duration::from_secs(600);
    loop {
        let status = newcomer.status().await?;
        let total: u64 = status.peers.iter().map(|p| p.bytes_sent + p.bytes_received).sum();
        if total != last {
            (last, since) = (total, Instant::now());
        } else if since.elapsed() >= Duration::from_secs(2) || Instant::now() > deadline {
            return Ok(total);
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// The floor: load and verify every item in one thread, no network, no disk; items/s, and
/// the CPU time it took.
fn floor(
    items: &[&liaison_protocol::sync::ItemPayload],
    cards: &[liaison_protocol::Card],
    me: &liaison_protocol::Card,
) -> Res<(f64, Duration)> {
    let mut all = cards.to_vec();
    all.push(me.clone());
    let roster = data::roster(&all);
    let this_thread = Path::new("/proc/thread-self");
    let (start, cpu) = (Instant::now(), cpu_time(this_thread)?);
    for p in items {
        verify_item(&p.header, &p.doc, &p.sigs, &roster, &Default::default())?;
    }
    Ok((rate(items.len(), start.elapsed()), cpu_time(this_thread)?.saturating_sub(cpu)))
}

/// Disk blocks under `dir`, in bytes.
fn disk_usage(dir: &Path) -> Res<u64> {
    use std::os::unix::fs::MetadataExt as _;
    let mut total = 0;
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let meta = entry.metadata()?;
        total += if meta.is_dir() { disk_usage(&entry.path())? } else { meta.blocks() * 512 };
    }
    Ok(total)
}
