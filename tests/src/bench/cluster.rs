//! Nodes for the benchmarks: real nodes started in-process on 127.0.0.1, a node in a process of
//! its own (to read its memory, or to load its site), and a TCP proxy that counts the bytes of a
//! link.

use std::future::Future;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use liaison::client::Client;
use liaison_node::api::{PeerStatus, Status};
use liaison_node::api::{Request, Response};
use liaison_node::daemon::{self, Options, Running};
use liaison_node::{InitOptions, Repo};
use liaison_protocol::{Card, PublicKey, Role};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

use super::Res;
use super::data::mechanism;

/// The environment variable that makes `liaison-bench` run as the `liaison` command.
pub(crate) const AS_CLI: &str = "LIAISON_BENCH_AS_CLI";

/// Creates a stopped node `name` of `mechanism` under `root`; its card has no address yet.
pub(crate) fn init(
    root: &Path,
    name: &str,
    mechanism_code: &str,
    role: Role,
) -> Res<(PathBuf, Card)> {
    let dir = root.join(name);
    let repo = Repo::init(
        &dir,
        InitOptions {
            mechanism: mechanism(mechanism_code),
            name: Some(name.to_owned()),
            role,
            listen: vec!["/ip4/127.0.0.1/tcp/0".into()],
            api: Some("127.0.0.1:0".into()),
            http: None,
        },
    )?;
    let mut card = repo.identity().card();
    card.addrs.clear();
    Ok((dir, card))
}

/// Polls `check` every `every` until it gives `Some`, or fails after `within`.
pub(crate) async fn until<T, F, Fut>(
    within: Duration,
    every: Duration,
    what: &str,
    mut check: F,
) -> Res<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Res<Option<T>>>,
{
    let start = Instant::now();
    loop {
        if let Some(value) = check().await? {
            return Ok(value);
        }
        if start.elapsed() > within {
            return Err(format!("{what}: not done after {within:?}").into());
        }
        tokio::time::sleep(every).await;
    }
}

/// A node running in this process.
#[derive(Debug)]
pub(crate) struct Node {
    pub(crate) dir: PathBuf,
    /// Its card, with its listen address.
    pub(crate) card: Card,
    pub(crate) running: Running,
}

impl Node {
    /// Starts the stopped node in `dir`.
    pub(crate) async fn start(dir: &Path, card: &Card, reconcile_every: Duration) -> Res<Node> {
        Node::start_with(dir, card, Options { reconcile_every, ..Options::default() }).await
    }

    /// Starts the stopped node in `dir` with `options`.
    pub(crate) async fn start_with(dir: &Path, card: &Card, options: Options) -> Res<Node> {
        let running = daemon::start(dir.to_owned(), options).await?;
        let mut card = card.clone();
        card.addrs = running.listening.iter().map(ToString::to_string).collect();
        Ok(Node { dir: dir.to_owned(), card, running })
    }

    pub(crate) async fn request(&self, request: Request) -> Res<Response> {
        self.running.handle.request(request).await.map_err(|e| e.message.into())
    }

    /// Puts `card` in the roster (the node dials it when it has an address).
    pub(crate) async fn know(&self, card: &Card) -> Res<()> {
        self.request(Request::RosterAdd { card: card.clone() }).await.map(|_| ())
    }

    pub(crate) async fn status(&self) -> Res<Status> {
        match self.request(Request::Status).await? {
            Response::Status(status) => Ok(*status),
            other => Err(format!("status answered {other:?}").into()),
        }
    }

    /// What this node says about its peer `key`.
    pub(crate) async fn peer(&self, key: PublicKey) -> Res<PeerStatus> {
        peer_of(self.status().await?, key)
    }

    pub(crate) async fn stop(self) -> Res<()> {
        Ok(self.running.stop().await?)
    }
}

pub(crate) fn peer_of(status: Status, key: PublicKey) -> Res<PeerStatus> {
    status.peers.into_iter().find(|p| p.key == Some(key)).ok_or_else(|| "no such peer".into())
}

/// Links two running nodes both ways, with addresses.
pub(crate) async fn link(a: &Node, b: &Node) -> Res<()> {
    a.know(&b.card).await?;
    b.know(&a.card).await
}

/// A process's resident memory in bytes, from `/proc/PID/status`.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Resident {
    /// `VmHWM`: the most it was, anonymous and file-backed together.
    pub(crate) peak: u64,
    /// `VmRSS`: what it is now, the sum of the two below (and shared memory).
    pub(crate) now: u64,
    /// `RssAnon`: memory only the process holds (its heap, stacks): the kernel cannot take it
    /// back without swap.
    pub(crate) anon: u64,
    /// `RssFile`: pages of files mapped into the process (its program, a search index's
    /// files), part of the kernel's page cache, which it takes back when it needs the memory.
    pub(crate) file: u64,
}

/// A node running as `liaison node` in a process of its own: this binary, run as the command.
#[derive(Debug)]
pub(crate) struct Process {
    child: Child,
    client: Arc<Client>,
}

impl Process {
    /// Starts the stopped node in `dir`, logging to `dir/node.log`, and waits for its API.
    pub(crate) async fn start(dir: &Path) -> Res<Process> {
        Process::start_with(dir, &[]).await
    }

    /// [`Process::start`] with more arguments to `liaison node`.
    pub(crate) async fn start_with(dir: &Path, args: &[&str]) -> Res<Process> {
        let log = std::fs::File::create(dir.join("node.log"))?;
        let child = Command::new(std::env::current_exe()?)
            .env(AS_CLI, "1")
            .arg("--data-dir")
            .arg(dir)
            .arg("node")
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()?;
        let client =
            until(Duration::from_secs(30), Duration::from_millis(5), "node API", || async {
                let Ok(client) = Client::for_dir(dir) else { return Ok(None) };
                Ok(client.call(&Request::Identity).is_ok().then_some(client))
            })
            .await?;
        Ok(Process { child, client: Arc::new(client) })
    }

    pub(crate) async fn request(&self, request: Request) -> Res<Response> {
        let client = Arc::clone(&self.client);
        let answer = tokio::task::spawn_blocking(move || client.call(&request)).await?;
        answer.map_err(|e| e.message.into())
    }

    pub(crate) async fn status(&self) -> Res<Status> {
        match self.request(Request::Status).await? {
            Response::Status(status) => Ok(*status),
            other => Err(format!("status answered {other:?}").into()),
        }
    }

    /// The process id, to read its `/proc` entries.
    pub(crate) fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Peak and current resident memory in bytes (`VmHWM`, `VmRSS`).
    pub(crate) fn memory(&self) -> Res<(u64, u64)> {
        let resident = self.resident()?;
        Ok((resident.peak, resident.now))
    }

    /// Its resident memory now, with the peak, and what of it is anonymous and file-backed.
    pub(crate) fn resident(&self) -> Res<Resident> {
        let text = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))?;
        let field = |name: &str| {
            text.lines()
                .find_map(|l| l.strip_prefix(name))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
                .map(|kib| kib * 1024)
                .ok_or_else(|| format!("no {name} in /proc/PID/status"))
        };
        Ok(Resident {
            peak: field("VmHWM:")?,
            now: field("VmRSS:")?,
            anon: field("RssAnon:")?,
            file: field("RssFile:")?,
        })
    }

    /// Stops the node with SIGTERM, as a service manager would, and waits for it.
    pub(crate) fn stop(mut self) -> Res<()> {
        let _ = Command::new("kill").arg("-TERM").arg(self.child.id().to_string()).status();
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if self.child.try_wait()?.is_some() {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        self.child.kill()?;
        self.child.wait()?;
        Ok(())
    }
}

/// A node process the harness did not stop (a figure failed partway) is killed, so that it
/// does not outlive the run holding its deleted files.
impl Drop for Process {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// CPU time (user and system) of a process, `/proc/PID` (`/proc/self` for this one), or of one
/// of its threads, `/proc/PID/task/TID`, from its `stat` file, at the kernel's tick resolution.
pub(crate) fn cpu_time(proc_dir: &Path) -> Res<Duration> {
    let stat = std::fs::read_to_string(proc_dir.join("stat"))?;
    // The fields after the command name, which is in parentheses and may hold spaces.
    let rest = stat.rsplit_once(") ").map(|(_, rest)| rest).ok_or("no ')' in a /proc stat")?;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // utime and stime, fields 14 and 15 of the line (12 and 13 after the name), in ticks.
    let field = |i: usize| -> Res<u64> { Ok(fields.get(i).ok_or("short /proc stat")?.parse()?) };
    let ticks = field(11)? + field(12)?;
    // Linux reports 100 ticks per second to user space (USER_HZ) on every architecture.
    Ok(Duration::from_millis(ticks * 10))
}

/// Each thread of the process in `proc_dir` (as [`cpu_time`]'s): its name and CPU time so far.
/// Threads that end while it reads are left out.
pub(crate) fn threads_cpu(proc_dir: &Path) -> Res<Vec<(String, Duration)>> {
    let mut threads = Vec::new();
    for task in std::fs::read_dir(proc_dir.join("task"))?.flatten() {
        let (Ok(name), Ok(cpu)) =
            (std::fs::read_to_string(task.path().join("comm")), cpu_time(&task.path()))
        else {
            continue;
        };
        threads.push((name.trim().to_owned(), cpu));
    }
    Ok(threads)
}

/// A TCP proxy to a node's listen address that counts the bytes through it, both ways.
#[derive(Debug)]
pub(crate) struct Proxy {
    port: u16,
    bytes: Arc<AtomicU64>,
    task: tokio::task::JoinHandle<()>,
}

impl Proxy {
    /// A proxy to the node listening on the multiaddress `target` (`/ip4/127.0.0.1/tcp/PORT`).
    pub(crate) async fn to(target: &str) -> Res<Proxy> {
        let port: u16 = target.rsplit('/').next().and_then(|p| p.parse().ok()).ok_or("port")?;
        let target = std::net::SocketAddr::from(([127, 0, 0, 1], port));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let port = listener.local_addr()?.port();
        let bytes = Arc::new(AtomicU64::new(0));
        let counter = Arc::clone(&bytes);
        let task = tokio::spawn(async move {
            while let Ok((inbound, _)) = listener.accept().await {
                let counter = Arc::clone(&counter);
                tokio::spawn(async move {
                    let Ok(outbound) = tokio::net::TcpStream::connect(target).await else { return };
                    let _ = (inbound.set_nodelay(true), outbound.set_nodelay(true));
                    let (ri, wi) = inbound.into_split();
                    let (ro, wo) = outbound.into_split();
                    tokio::join!(pump(ri, wo, &counter), pump(ro, wi, &counter));
                });
            }
        });
        Ok(Proxy { port, bytes, task })
    }

    /// The proxy as a libp2p multiaddress.
    pub(crate) fn multiaddr(&self) -> String {
        format!("/ip4/127.0.0.1/tcp/{}", self.port)
    }

    /// Bytes through the proxy so far, both ways.
    pub(crate) fn bytes(&self) -> u64 {
        self.bytes.load(Ordering::Relaxed)
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn pump(
    mut from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    counter: &AtomicU64,
) {
    let mut buf = vec![0; 64 * 1024];
    while let Ok(n) = from.read(&mut buf).await {
        if n == 0 {
            break;
        }
        counter.fetch_add(n as u64, Ordering::Relaxed);
        if to.write_all(&buf[..n]).await.is_err() {
            break;
        }
    }
    let _ = to.shutdown().await;
}
