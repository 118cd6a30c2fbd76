//! The running node: one event loop owns the libp2p swarm and the [`Repo`]; the local API and
//! tests talk to it through a cloneable [`Handle`] over a bounded channel.
//!
//! Per peer, sync has two steps (see design.md): catalogue reconciliation by ranges over the
//! items both sides may share, then the items that differ, whole and signed, verified on arrival:
//! each side offers what the other lacks, and the other fetches it from whichever peer offered it
//! first. A local write is pushed at once to every connected peer allowed to see it, and what a
//! node receives it offers to its other peers under the same label check.

mod addrs;
mod http;
mod metrics;
pub mod net;
mod sync;
mod trust;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use futures::StreamExt as _;
use liaison_protocol::{Card, PublicKey, Role};
use libp2p::swarm::SwarmEvent;
use libp2p::{Multiaddr, PeerId, Swarm};
use tokio::sync::{mpsc, oneshot};

use crate::api::{PeerStatus, Request, Response, Status};
use crate::{Error, Repo};

pub use http::{ApiError, ROUTE, TOKEN_FILE, read_token, token_path};

/// How a node runs; the rest comes from its data directory.
#[derive(Debug, Clone)]
pub struct Options {
    /// Listen addresses instead of the configured ones.
    pub listen: Vec<String>,
    /// Local API address instead of the configured one.
    pub api: Option<String>,
    /// Serve `clear` items, read only, to peers outside the roster (also when the config says so,
    /// and always on a mirror).
    pub allow_mirrors: bool,
    /// Public site address instead of the configured one.
    pub http: Option<String>,
    /// How often to reconcile with every connected peer even when nothing was pushed.
    pub reconcile_every: Duration,
    /// Serve the operator's Prometheus metrics on this address.
    pub metrics: Option<String>,
    /// A member signs a checkpoint of its public items at least this often, and within
    /// [`CHECKPOINT_AFTER_CHANGE`] (or this, if shorter) of a change to them.
    pub checkpoint_every: Duration,
}

/// How soon after a change to its public items a member signs a new checkpoint, at most: a
/// mirror's copy of a changed item has no proof against the older checkpoint meanwhile.
pub const CHECKPOINT_AFTER_CHANGE: Duration = Duration::from_secs(30);

impl Default for Options {
    fn default() -> Self {
        Self {
            listen: Vec::new(),
            api: None,
            allow_mirrors: false,
            http: None,
            reconcile_every: Duration::from_secs(30),
            checkpoint_every: Duration::from_secs(3600),
            metrics: None,
        }
    }
}

/// What the event loop is asked to do.
#[derive(Debug)]
enum Command {
    Request { request: Request, reply: oneshot::Sender<Result<Response, ApiError>> },
}

/// Talks to a running node's event loop. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Handle {
    commands: mpsc::Sender<Command>,
}

impl Handle {
    /// Carries out `request` on the node.
    ///
    /// # Errors
    /// What the node refuses, or [`ApiError`] saying the node stopped.
    ///
    /// Cancel-safe: dropping the future drops the reply, the request may still be carried out.
    pub async fn request(&self, request: Request) -> Result<Response, ApiError> {
        let (reply, answer) = oneshot::channel();
        self.commands
            .send(Command::Request { request, reply })
            .await
            .map_err(|_| ApiError::stopped())?;
        answer.await.map_err(|_| ApiError::stopped())?
    }
}

/// A node started by [`start`].
#[derive(Debug)]
pub struct Running {
    /// Talks to it.
    pub handle: Handle,
    /// Where it listens for peers.
    pub listening: Vec<Multiaddr>,
    /// Its local API address.
    pub api: SocketAddr,
    /// Its libp2p peer id.
    pub peer_id: PeerId,
    /// Its public key.
    pub key: PublicKey,
    /// Its public site's address, if it serves one.
    pub http: Option<SocketAddr>,
    /// The operator's metrics address, if served.
    pub metrics: Option<SocketAddr>,
    /// The local API and public site servers, stopped with the node.
    servers: Vec<tokio::task::JoinHandle<()>>,
    stop: oneshot::Sender<()>,
    task: tokio::task::JoinHandle<Result<(), Error>>,
}

impl Running {
    /// Stops the node and waits until its store is closed.
    ///
    /// # Errors
    /// What the event loop failed with, if it did.
    pub async fn stop(self) -> Result<(), Error> {
        for server in &self.servers {
            server.abort();
        }
        let _ = self.stop.send(());
        self.task.await.map_err(|e| Error::Store(format!("node task: {e}")))?
    }

    /// Waits until the node stops by itself (it does not, unless it fails).
    ///
    /// # Errors
    /// What the event loop failed with.
    pub async fn wait(&mut self) -> Result<(), Error> {
        (&mut self.task).await.map_err(|e| Error::Store(format!("node task: {e}")))?
    }
}

/// Bounds of the event loop's queues.
const COMMAND_QUEUE: usize = 64;
/// Verified fetch answers waiting to be stored (at most a few fetches per peer are under way).
const CHECKED_QUEUE: usize = 64;

/// Opens the node in `dir`, listens, dials its roster and starts serving.
///
/// # Errors
/// If the node cannot be opened, or an address cannot be listened on.
pub async fn start(dir: PathBuf, options: Options) -> Result<Running, Error> {
    let repo = open_when_free(&dir).await?;
    let config = repo.identity().config.clone();
    let keypair = net::keypair(&repo.identity().key);
    let peer_id = keypair.public().to_peer_id();
    let key = repo.identity().public_key();
    let mut swarm = libp2p::SwarmBuilder::with_existing_identity(keypair)
        .with_tokio()
        .with_tcp(
            libp2p::tcp::Config::default().nodelay(true),
            libp2p::noise::Config::new,
            net::yamux,
        )
        .map_err(|e| Error::Network(e.to_string()))?
        // Host names in cards and rosters (`/dns4/`, `/dns6/`, `/dns/`), resolved as the system
        // resolves them (its hosts file first).
        .with_dns()
        .map_err(|e| Error::Network(format!("reading the system's DNS configuration: {e}")))?
        .with_behaviour(net::Behaviour::new)
        .map_err(|e| Error::Network(e.to_string()))?
        .with_swarm_config(|c| c.with_idle_connection_timeout(Duration::from_secs(24 * 3600)))
        .build();
    let listen =
        if options.listen.is_empty() { config.listen.clone() } else { options.listen.clone() };
    let mut listening = Vec::new();
    for addr in &listen {
        let multiaddr: Multiaddr =
            addr.parse().map_err(|e| Error::Network(format!("listen address {addr}: {e}")))?;
        swarm.listen_on(multiaddr).map_err(|e| Error::Network(format!("listen on {addr}: {e}")))?;
    }
    // Learn the actual addresses (port 0 picks one) before answering.
    while listening.len() < listen.len() {
        match swarm.select_next_some().await {
            SwarmEvent::NewListenAddr { address, .. } => listening.push(address),
            SwarmEvent::ListenerError { error, .. }
            | SwarmEvent::ListenerClosed { reason: Err(error), .. } => {
                return Err(Error::Network(format!("listen: {error}")));
            }
            _ => {}
        }
    }
    let (commands, receiver) = mpsc::channel(COMMAND_QUEUE);
    let handle = Handle { commands };
    let api_addr = options.api.clone().unwrap_or(config.api.clone());
    let token = http::new_token();
    let (api, api_server) = http::serve(&api_addr, token.clone(), handle.clone()).await?;
    let mut servers = vec![api_server];
    http::write_token(&dir, api, &token)?;
    let (status_tx, status_rx) = tokio::sync::watch::channel(None);
    let http = match options.http.clone().or(config.http.clone()) {
        Some(addr) => {
            let site = crate::public::Site::new(
                repo.store().read_only(),
                repo.site_title(),
                status_rx.clone(),
            )
            .reached_at(config.public_url.as_deref())
            .search_in(&dir.join(crate::identity::SEARCH_DIR));
            // The site's indexes follow the store off the event loop's threads.
            servers.push(site.follow_store());
            let (bound, server) = crate::public::serve(&addr, site).await?;
            servers.push(server);
            Some(bound)
        }
        None => None,
    };
    let metrics = match &options.metrics {
        Some(addr) => {
            let app = metrics::router(status_rx.clone());
            let (bound, server) = crate::public::serve_app(addr, app).await?;
            servers.push(server);
            tracing::info!(%bound, "serving metrics");
            Some(bound)
        }
        None => None,
    };
    let mut options = options;
    options.allow_mirrors |= config.allow_mirrors || config.role == Role::Mirror;
    let (stop, stopped) = oneshot::channel();
    let mut event_loop =
        EventLoop::new(repo, swarm, receiver, options, listening.clone(), api, status_tx);
    event_loop.dial_roster();
    tracing::info!(%peer_id, api = %api, listening = ?listening, "node started");
    let task = tokio::spawn(async move { event_loop.run(stopped).await });
    Ok(Running { handle, listening, api, peer_id, key, http, metrics, servers, stop, task })
}

/// How long to wait for a CLI command that holds the store to finish.
const STORE_WAIT: Duration = Duration::from_secs(10);

/// Opens the node's store, waiting while a CLI command holds it for a moment.
async fn open_when_free(dir: &std::path::Path) -> Result<Repo, Error> {
    let deadline = Instant::now() + STORE_WAIT;
    loop {
        match Repo::open(dir) {
            Err(Error::StoreBusy(_)) if Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            other => return other,
        }
    }
}

/// Per-peer state the event loop keeps.
#[derive(Debug, Default)]
struct PeerState {
    status: PeerStatus,
    /// Next redial attempt, while the peer is away.
    next_dial: Option<Instant>,
    /// Current redial backoff.
    backoff: Duration,
}

/// Longest wait between redials.
const MAX_BACKOFF: Duration = Duration::from_secs(60);

struct EventLoop {
    repo: Repo,
    swarm: Swarm<net::Behaviour>,
    commands: mpsc::Receiver<Command>,
    options: Options,
    listening: Vec<Multiaddr>,
    api: SocketAddr,
    peers: HashMap<PeerId, PeerState>,
    sync: sync::State,
    /// Fetched items verified off the event loop, back to be stored.
    checked: (mpsc::Sender<sync::Checked>, mpsc::Receiver<sync::Checked>),
    /// The status the public site's `/metrics` reads, refreshed every tick.
    status_tx: tokio::sync::watch::Sender<Option<Status>>,
    /// This node's embargoed items and when each becomes public.
    embargoes: Vec<(DateTime<Utc>, liaison_protocol::ItemId)>,
    /// Nodes outside the roster that connected, and until when they may introduce themselves
    /// by a certificate (at most [`trust::MAX_STRANGERS`]).
    strangers: HashMap<PeerId, Instant>,
    /// When this node last looked whether to sign a checkpoint (none yet), and the store's
    /// generation then.
    checkpointed: (Option<Instant>, u64),
    /// Clock questions under way: to whom, and when they were sent (one per link at most).
    clock_asks: HashMap<libp2p::request_response::OutboundRequestId, (PeerId, DateTime<Utc>)>,
}

impl std::fmt::Debug for EventLoop {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EventLoop").field("peers", &self.peers.len()).finish_non_exhaustive()
    }
}

impl EventLoop {
    fn new(
        mut repo: Repo,
        swarm: Swarm<net::Behaviour>,
        commands: mpsc::Receiver<Command>,
        options: Options,
        listening: Vec<Multiaddr>,
        api: SocketAddr,
        status_tx: tokio::sync::watch::Sender<Option<Status>>,
    ) -> Self {
        let sync = sync::State::new(&mut repo, options.reconcile_every, options.allow_mirrors);
        let peers = HashMap::new();
        let embargoes = repo.embargoes().unwrap_or_else(|e| {
            tracing::error!(error = %e, "reading embargoes");
            Vec::new()
        });
        let mut this = Self {
            repo,
            swarm,
            commands,
            options,
            listening,
            api,
            peers,
            sync,
            checked: mpsc::channel(CHECKED_QUEUE),
            status_tx,
            embargoes,
            strangers: HashMap::new(),
            checkpointed: (None, u64::MAX),
            clock_asks: HashMap::new(),
        };
        this.refresh_roster();
        this
    }

    /// Rebuilds peer states from the roster: its pinned cards and the keys its anchored
    /// authorities certify now. New peers are added; removed or revoked ones disconnected.
    fn refresh_roster(&mut self) {
        let own = self.repo.identity().public_key();
        let now = Utc::now();
        let roster = self.repo.roster();
        let mut known = HashMap::new();
        let pinned = roster.iter().cloned();
        let certified = roster.anchors().certificates().map(|c| Card {
            mechanism: c.mechanism.clone(),
            name: c.name.clone(),
            role: c.role,
            key: c.key,
            addrs: Vec::new(),
        });
        for card in pinned.chain(certified) {
            if card.key == own || known.values().any(|k: &Card| k.key == card.key) {
                continue;
            }
            if roster.resolve(&card.key, now).is_err() {
                continue;
            }
            if let Some(id) = net::peer_id(&card.key) {
                known.insert(id, card);
            }
        }
        let removed: Vec<PeerId> =
            self.peers.keys().filter(|id| !known.contains_key(id)).copied().collect();
        for id in removed {
            self.peers.remove(&id);
            let _ = self.swarm.disconnect_peer_id(id);
            tracing::info!(peer = %id, "removed from the roster or revoked: disconnected");
        }
        for (id, card) in known {
            let connected = self.swarm.is_connected(&id);
            let state = self.peers.entry(id).or_default();
            state.status.connected = connected;
            state.status.key = Some(card.key);
            state.status.mechanism = Some(card.mechanism.clone());
            state.status.role = Some(card.role);
            state.status.name = card.name.clone();
        }
    }

    fn card(&self, peer: &PeerId) -> Option<Card> {
        let key = self.peers.get(peer)?.status.key?;
        self.repo.roster().get(&key).cloned()
    }

    fn dial_roster(&mut self) {
        let ids: Vec<PeerId> = self.peers.keys().copied().collect();
        for id in ids {
            self.dial(id);
        }
    }

    fn dial(&mut self, id: PeerId) {
        let Some(card) = self.card(&id) else { return };
        if self.swarm.is_connected(&id) {
            return;
        }
        let addrs: Vec<Multiaddr> = card.addrs.iter().filter_map(|a| a.parse().ok()).collect();
        if addrs.is_empty() {
            return;
        }
        let opts = libp2p::swarm::dial_opts::DialOpts::peer_id(id).addresses(addrs).build();
        if let Err(e) = self.swarm.dial(opts) {
            tracing::debug!(peer = %id, error = %e, "dial");
        }
    }

    fn schedule_redial(&mut self, id: PeerId) {
        if let Some(state) = self.peers.get_mut(&id) {
            state.backoff = (state.backoff * 2).clamp(Duration::from_millis(250), MAX_BACKOFF);
            state.next_dial = Some(Instant::now() + state.backoff);
        }
    }

    async fn run(mut self, mut stopped: oneshot::Receiver<()>) -> Result<(), Error> {
        let mut tick = tokio::time::interval(Duration::from_millis(250));
        loop {
            tokio::select! {
                _ = &mut stopped => break,
                event = self.swarm.select_next_some() => self.on_swarm_event(event),
                Some(command) = self.commands.recv() => self.on_command(command),
                Some(checked) = self.checked.1.recv() => self.on_checked(checked),
                _ = tick.tick() => {
                    self.redial_due();
                    self.drop_strangers();
                    self.checkpoint_due();
                    self.publish_due_embargoes();
                    self.status_tx.send_replace(Some(self.status()));
                    self.run_sync(crate::sync::Input::Tick);
                }
            }
        }
        tracing::info!("node stopping");
        Ok(())
    }

    fn redial_due(&mut self) {
        let now = Instant::now();
        let due: Vec<PeerId> = self
            .peers
            .iter()
            .filter(|(id, s)| s.next_dial.is_some_and(|t| t <= now) && !self.swarm.is_connected(id))
            .map(|(id, _)| *id)
            .collect();
        for id in due {
            if let Some(state) = self.peers.get_mut(&id) {
                state.next_dial = None;
            }
            self.dial(id);
        }
    }

    fn on_swarm_event(&mut self, event: SwarmEvent<net::BehaviourEvent>) {
        match event {
            SwarmEvent::ConnectionEstablished { peer_id, num_established, endpoint, .. } => {
                let first = num_established.get() == 1;
                if !self.peers.contains_key(&peer_id) && !self.options.allow_mirrors {
                    self.admit_stranger(peer_id);
                    // Its link is one like any other: it is synced with once it becomes a peer,
                    // by an introduction or by the operator adding it to the roster.
                    self.connected(peer_id, false, first);
                    return;
                }
                if let Some(state) = self.peers.get_mut(&peer_id) {
                    state.status.connected = true;
                    state.next_dial = None;
                }
                // One reconciliation and one exchange of certificates and revocations per new
                // link are enough: the side that dialed starts them.
                if first && endpoint.is_dialer() {
                    self.present_statements(peer_id);
                }
                self.connected(peer_id, endpoint.is_dialer(), first);
                if first && self.peers.contains_key(&peer_id) {
                    self.ask_clock(peer_id);
                }
            }
            SwarmEvent::ConnectionClosed { peer_id, num_established: 0, .. } => {
                self.strangers.remove(&peer_id);
                self.clock_asks.retain(|_, (p, _)| *p != peer_id);
                if let Some(state) = self.peers.get_mut(&peer_id) {
                    state.status.connected = false;
                }
                self.forget_peer(&peer_id);
                self.schedule_redial(peer_id);
            }
            SwarmEvent::OutgoingConnectionError { peer_id: Some(peer_id), error, .. } => {
                tracing::debug!(peer = %peer_id, %error, "could not connect");
                self.schedule_redial(peer_id);
            }
            SwarmEvent::NewListenAddr { address, .. } if !self.listening.contains(&address) => {
                self.listening.push(address);
            }
            SwarmEvent::Behaviour(net::BehaviourEvent::Sync(event)) => self.on_sync_event(event),
            SwarmEvent::Behaviour(net::BehaviourEvent::Identify(
                libp2p::identify::Event::Received { peer_id, info, .. },
            )) => self.learn_addresses(peer_id, &info.listen_addrs),
            _ => {}
        }
    }

    /// Keeps on a pinned roster card the addresses its peer announced, so that this node dials
    /// it where it listens now, after a restart too (see [`addrs::learned`]).
    fn learn_addresses(&mut self, peer: PeerId, announced: &[Multiaddr]) {
        let Some(mut card) = self.card(&peer) else { return };
        let Some(learned) = addrs::learned(&card.addrs, announced) else { return };
        tracing::info!(%peer, addresses = ?learned, "a roster peer announced new addresses");
        card.addrs = learned;
        if let Err(e) = self.repo.add_peer(card) {
            tracing::error!(%peer, error = %e, "could not keep a peer's new addresses");
        }
    }

    fn on_command(&mut self, command: Command) {
        match command {
            Command::Request { request, reply } => {
                let answer = self.on_request(request);
                let _ = reply.send(answer);
            }
        }
    }

    fn on_request(&mut self, request: Request) -> Result<Response, ApiError> {
        if matches!(request, Request::Status) {
            return Ok(Response::Status(Box::new(self.status())));
        }
        let roster_change =
            matches!(request, Request::RosterAdd { .. } | Request::RosterRemove { .. });
        let trust_change =
            matches!(request, Request::RosterAddAuthority { .. } | Request::AddStatements { .. });
        let handled = self.repo.handle(request, Utc::now()).map_err(ApiError::from)?;
        if roster_change {
            self.roster_changed();
            self.refresh_roster();
            self.dial_roster();
        }
        if trust_change {
            self.trust_changed();
            self.present_statements_to_all();
        }
        if handled.written.is_empty() {
            for id in &handled.changed {
                self.note_embargo(*id);
            }
            if !handled.changed.is_empty() {
                self.wrote(&handled.changed);
            }
        } else {
            let mut items = Vec::with_capacity(handled.written.len());
            for w in handled.written {
                self.embargoes.retain(|(_, e)| *e != w.header.id);
                if let Some(until) = w.embargo_until {
                    self.embargoes.push((until, w.header.id));
                }
                items.push((w.header.id, Some((w.header, w.digest))));
            }
            self.wrote_known(items);
        }
        Ok(handled.response)
    }

    /// Keeps the embargo list current after item `id` was written.
    fn note_embargo(&mut self, id: liaison_protocol::ItemId) {
        self.embargoes.retain(|(_, e)| *e != id);
        if let Ok(Some(entry)) = self.repo.store().get(id)
            && entry.header.creator == self.repo.identity().public_key()
            && !entry.record.state.withdrawn
            && let Some(until) = entry.record.state.fields.embargo_until
        {
            self.embargoes.push((until, id));
        }
    }

    /// Reissues as `clear` every embargoed item whose time has come, including those whose
    /// time came while the node was down, and pushes the result.
    fn publish_due_embargoes(&mut self) {
        let now = Utc::now();
        let due: Vec<_> =
            self.embargoes.iter().filter(|(t, _)| *t <= now).map(|(_, id)| *id).collect();
        for id in due {
            self.embargoes.retain(|(_, e)| *e != id);
            match self.repo.publish_embargoed(id, now) {
                Ok(Some(new)) => self.wrote(&[id, new]),
                Ok(None) => {}
                Err(e) => {
                    tracing::error!(item = %id, error = %e, "could not publish an embargoed item")
                }
            }
        }
    }

    fn status(&self) -> Status {
        let mut peers: Vec<PeerStatus> = self.peers.values().map(|p| p.status.clone()).collect();
        peers.sort_by(|a, b| (&a.mechanism, &a.key).cmp(&(&b.mechanism, &b.key)));
        Status {
            card: self.repo.identity().card(),
            listening: self.listening.iter().map(ToString::to_string).collect(),
            api: self.api.to_string(),
            items: self.sync.len(),
            peers,
            store_bytes: self.repo.store().size_on_disk().unwrap_or(0),
            queues: self.sync.queues(),
        }
    }

    /// Counts a refusal that says nothing about the peer's intent (an item signed by a node not
    /// in this node's roster): shown in `liaison peers`, never grounds to disconnect.
    fn note_refusal(&mut self, peer: PeerId, why: String) {
        tracing::info!(%peer, reason = %why, "refused an item");
        if let Some(state) = self.peers.get_mut(&peer) {
            state.status.refused += 1;
            state.status.last_refusal = Some(why);
        }
    }

    /// Refuses what `peer` sent outside sync: the sync machine counts it with its own, and
    /// disconnects a peer whose refusals persist.
    fn refuse(&mut self, peer: PeerId, why: String) {
        self.run_sync(crate::sync::Input::Refused { peer, why });
    }

    /// Counts and shows a refusal of what `peer` sent.
    fn count_refusal(&mut self, peer: PeerId, why: String) {
        tracing::warn!(%peer, reason = %why, "refused");
        if let Some(state) = self.peers.get_mut(&peer) {
            state.status.refused += 1;
            state.status.last_refusal = Some(why);
        }
    }
}
