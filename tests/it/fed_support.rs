//! Support for the federation tests: real nodes started in-process on 127.0.0.1 (random ports,
//! one temp data dir each), links between them, TCP proxies to cut the network, a bare libp2p
//! peer that speaks the sync protocol by hand, and `eventually` to poll to a deadline.
#![allow(dead_code)] // Not every test uses every helper.

use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;
use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use chrono::{DateTime, Utc};
use futures::StreamExt as _;
use liaison_node::api::{Request, Response};
use liaison_node::daemon::net::{Behaviour, BehaviourEvent, Frame};
use liaison_node::daemon::{self, Options, PeerStatus, Running, Status};
use liaison_node::{Draft, Entry, InitOptions, ItemView, Query, Repo};
use liaison_protocol::sync::{ItemPayload, Reconcile, SyncRequest, SyncResponse};
use liaison_protocol::{
    Card, Consent, Fields, ItemId, Kind, Label, LangTag, Mechanism, Peer, PublicKey, Role, Text,
    Visit, VisitCountry, VisitStatus,
};
use libp2p::request_response::{Event, Message, OutboundRequestId};
use libp2p::swarm::SwarmEvent;
use libp2p::{Multiaddr, PeerId, Swarm};
use tokio::io::AsyncWriteExt as _;
use tokio::sync::watch;

/// How long `eventually` waits by default: generous, tests share the machine with builds.
pub(crate) const DEADLINE: Duration = Duration::from_secs(60);

/// How often test nodes reconcile with every connected peer unprompted.
pub(crate) const RECONCILE_EVERY: Duration = Duration::from_millis(500);

/// Polls `check` until it gives `Ok`, or panics with its last `Err` after `within`.
pub(crate) async fn eventually<T, F, Fut>(within: Duration, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, String>>,
{
    let start = tokio::time::Instant::now();
    loop {
        match check().await {
            Ok(value) => return value,
            Err(why) if start.elapsed() >= within => {
                panic!("not so after {within:?}: {why}")
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
        }
    }
}

/// A mechanism code.
pub(crate) fn mech(code: &str) -> Mechanism {
    code.parse().expect("mechanism code")
}

/// A country visit with `title`, ready to publish.
pub(crate) fn visit(title: &str, label: Label, audience: &[&str], co_owners: &[&str]) -> Draft {
    let mut fields = Fields::new(Text { value: title.to_owned(), lang: LangTag::default() });
    let country = VisitCountry::Code("TN".parse().expect("country"));
    fields.visit = Some(Visit::new("SR on torture", country, VisitStatus::Requested));
    Draft {
        kind: Kind::Visit,
        fields,
        label,
        audience: audience.iter().map(|a| mech(a)).collect(),
        co_owners: co_owners.iter().map(|a| mech(a)).collect(),
        supersedes: None,
    }
}

/// Options of every test node: reconcile often so that "nothing more arrives" is quick to see.
pub(crate) fn options() -> Options {
    Options { reconcile_every: RECONCILE_EVERY, ..Options::default() }
}

/// One node in its own temp data directory, running or not.
#[derive(Debug)]
pub(crate) struct TestNode {
    /// A name for messages ("ohchr#0").
    pub(crate) name: String,
    pub(crate) dir: tempfile::TempDir,
    /// Its card, with its actual listen address once it has run.
    pub(crate) card: Card,
    pub(crate) running: Option<Running>,
}

impl TestNode {
    /// Creates a node of `mechanism` with `role`; it is not started.
    pub(crate) fn init(name: &str, mechanism: &str, role: Role) -> TestNode {
        let dir = tempfile::tempdir().expect("tempdir");
        let repo = Repo::init(
            dir.path(),
            InitOptions {
                mechanism: mech(mechanism),
                name: Some(format!("{name} test node")),
                role,
                listen: vec!["/ip4/127.0.0.1/tcp/0".into()],
                api: Some("127.0.0.1:0".into()),
                http: None,
            },
        )
        .expect("init");
        let mut card = repo.identity().card();
        card.addrs.clear();
        TestNode { name: name.to_owned(), dir, card, running: None }
    }

    pub(crate) fn path(&self) -> &Path {
        self.dir.path()
    }

    pub(crate) fn key(&self) -> PublicKey {
        self.card.key
    }

    /// The policy's view of this node.
    pub(crate) fn peer(&self) -> Peer {
        self.card.peer()
    }

    pub(crate) fn is_running(&self) -> bool {
        self.running.is_some()
    }

    /// Starts the node; after a first run it listens on the same address again, as a node
    /// with a configured address does, so its peers' rosters stay right.
    pub(crate) async fn start(&mut self) {
        self.start_with(options()).await;
    }

    /// [`TestNode::start`] with other options (the listen address is always set here).
    pub(crate) async fn start_with(&mut self, mut options: Options) {
        assert!(self.running.is_none(), "{} runs already", self.name);
        options.listen = self.card.addrs.clone();
        // The store of a node that just stopped may take a moment to be released.
        let dir = self.path().to_owned();
        let running = eventually(DEADLINE, || {
            let (dir, options) = (dir.clone(), options.clone());
            async move { daemon::start(dir, options).await.map_err(|e| e.to_string()) }
        })
        .await;
        self.card.addrs = running.listening.iter().map(ToString::to_string).collect();
        self.running = Some(running);
    }

    /// Stops the node and waits until its store is closed.
    pub(crate) async fn stop(&mut self) {
        let running = self.running.take().unwrap_or_else(|| panic!("{} is not running", self.name));
        running.stop().await.expect("stop");
    }

    /// Carries out `request` on the running node.
    pub(crate) async fn try_request(&self, request: Request) -> Result<Response, String> {
        let running =
            self.running.as_ref().unwrap_or_else(|| panic!("{} is not running", self.name));
        running.handle.request(request).await.map_err(|e| e.message)
    }

    pub(crate) async fn request(&self, request: Request) -> Response {
        let what = format!("{request:?}");
        self.try_request(request)
            .await
            .unwrap_or_else(|e| panic!("{}: {what} failed: {e}", self.name))
    }

    /// Publishes `draft` on the running node.
    pub(crate) async fn create(&self, draft: Draft) -> ItemId {
        match self.request(Request::Create { draft: Box::new(draft) }).await {
            Response::Id(id) => id,
            other => panic!("create answered {other:?}"),
        }
    }

    /// The node's signing key, read from its data directory.
    pub(crate) fn signing_key(&self) -> ed25519_dalek::SigningKey {
        liaison_node::Identity::load(self.path()).expect("the node's identity").key
    }

    /// Publishes `draft`, co-owned by the mechanisms of `consenting`, on the running node: each
    /// of those nodes signs its consent for the new item's id, as a joint-visit proposal does.
    pub(crate) async fn create_co_owned(&self, draft: Draft, consenting: &[&TestNode]) -> ItemId {
        let keys: Vec<_> =
            consenting.iter().map(|n| (n.signing_key(), n.card.mechanism.clone())).collect();
        self.create_consented(draft, &keys).await
    }

    /// Publishes `draft` on the running node, co-owned by the mechanism of each
    /// `(key, mechanism)` pair, with the consent that key signs for it.
    pub(crate) async fn create_consented(
        &self,
        mut draft: Draft,
        consenting: &[(ed25519_dalek::SigningKey, Mechanism)],
    ) -> ItemId {
        static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let mut bytes = [0; 16];
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        bytes[..8].copy_from_slice(&n.to_be_bytes());
        bytes[8..].copy_from_slice(&Utc::now().timestamp_nanos_opt().unwrap_or(0).to_be_bytes());
        let id = ItemId::from_random_bytes(bytes);
        draft.co_owners = consenting.iter().map(|(_, m)| m.clone()).collect();
        let consents = consenting
            .iter()
            .map(|(key, m)| Consent::sign(key, id, draft.kind, &self.card.mechanism, m))
            .collect();
        let request = Request::CreateConsented { draft: Box::new(draft), id, consents };
        match self.request(request).await {
            Response::Id(id) => id,
            other => panic!("create answered {other:?}"),
        }
    }

    /// Adds `card` to the running node's roster (it dials the node when the card has addresses).
    pub(crate) async fn knows(&self, card: &Card) {
        self.request(Request::RosterAdd { card: card.clone() }).await;
    }

    /// Every item on the node, withdrawn ones included, by id: through the running node, or
    /// from its store when it does not run.
    pub(crate) async fn entries(&self) -> BTreeMap<ItemId, Entry> {
        let query = Query { withdrawn: true, ..Query::default() };
        let list = if self.is_running() {
            match self.request(Request::List { query }).await {
                Response::Entries(list) => list,
                other => panic!("list answered {other:?}"),
            }
        } else {
            self.offline(|repo| repo.list(&query).expect("list"))
        };
        list.into_iter().map(|e| (e.header.id, e)).collect()
    }

    pub(crate) async fn ids(&self) -> BTreeSet<ItemId> {
        self.entries().await.into_keys().collect()
    }

    /// One item with its history.
    pub(crate) async fn view(&self, id: ItemId) -> ItemView {
        match self.request(Request::View { id }).await {
            Response::View(view) => *view,
            other => panic!("view answered {other:?}"),
        }
    }

    pub(crate) async fn status(&self) -> Status {
        match self.request(Request::Status).await {
            Response::Status(status) => *status,
            other => panic!("status answered {other:?}"),
        }
    }

    /// What the running node says about `key`.
    pub(crate) async fn peer_status(&self, key: PublicKey) -> Option<PeerStatus> {
        self.status().await.peers.into_iter().find(|p| p.key == Some(key))
    }

    /// Works on the store of the stopped node directly, as the CLI does without a node.
    pub(crate) fn offline<T>(&self, work: impl FnOnce(&mut Repo) -> T) -> T {
        assert!(!self.is_running(), "{} runs: its store is the node's", self.name);
        let mut repo = Repo::open(self.path()).expect("open a stopped node's store");
        work(&mut repo)
    }
}

/// Nodes and the links between them.
#[derive(Debug, Default)]
pub(crate) struct TestNet {
    pub(crate) nodes: Vec<TestNode>,
    /// Pairs of nodes that know each other's addresses, lower index first.
    pub(crate) links: BTreeSet<(usize, usize)>,
}

impl std::ops::Index<usize> for TestNet {
    type Output = TestNode;
    fn index(&self, i: usize) -> &TestNode {
        &self.nodes[i]
    }
}

impl std::ops::IndexMut<usize> for TestNet {
    fn index_mut(&mut self, i: usize) -> &mut TestNode {
        &mut self.nodes[i]
    }
}

impl TestNet {
    /// Creates and starts one node per `(mechanism, role)`, with empty rosters.
    pub(crate) async fn start(specs: &[(&str, Role)]) -> TestNet {
        TestNet::start_with(specs, options()).await
    }

    /// [`TestNet::start`] with other options.
    pub(crate) async fn start_with(specs: &[(&str, Role)], options: Options) -> TestNet {
        let mut net = TestNet::default();
        for (i, (mechanism, role)) in specs.iter().enumerate() {
            let mut node = TestNode::init(&format!("{mechanism}#{i}"), mechanism, *role);
            node.start_with(options.clone()).await;
            net.nodes.push(node);
        }
        net
    }

    /// `a` and `b` put each other in their rosters with addresses, so they connect.
    pub(crate) async fn link(&mut self, a: usize, b: usize) {
        let (card_a, card_b) = (self.nodes[a].card.clone(), self.nodes[b].card.clone());
        self.nodes[a].knows(&card_b).await;
        self.nodes[b].knows(&card_a).await;
        self.links.insert((a.min(b), a.max(b)));
    }

    /// `a` learns `b`'s card without an address: it verifies what `b` signs, never dials it.
    pub(crate) async fn introduce(&self, a: usize, b: usize) {
        let mut card = self.nodes[b].card.clone();
        card.addrs.clear();
        self.nodes[a].knows(&card).await;
    }

    /// Links every pair.
    pub(crate) async fn mesh(&mut self) {
        for a in 0..self.nodes.len() {
            for b in a + 1..self.nodes.len() {
                self.link(a, b).await;
            }
        }
    }

    /// Waits until, on every link whose two ends run, both ends are connected and have each
    /// completed a reconciliation that started after this call. Called twice in a row, it
    /// means that whatever either end could send the other has been offered and answered.
    pub(crate) async fn settle(&self) {
        let since = Utc::now();
        eventually(DEADLINE, || self.synced_since(since)).await;
    }

    /// [`TestNet::settle`], twice.
    pub(crate) async fn quiesce(&self) {
        self.settle().await;
        self.settle().await;
    }

    async fn synced_since(&self, since: DateTime<Utc>) -> Result<(), String> {
        for &(a, b) in &self.links {
            if !self.nodes[a].is_running() || !self.nodes[b].is_running() {
                continue;
            }
            for (x, y) in [(a, b), (b, a)] {
                let status = self.nodes[x].peer_status(self.nodes[y].key()).await;
                let ok = status
                    .as_ref()
                    .is_some_and(|p| p.connected && p.last_sync.is_some_and(|t| t > since));
                if !ok {
                    return Err(format!(
                        "{} has not reconciled with {} since {since}: {status:?}",
                        self.nodes[x].name, self.nodes[y].name
                    ));
                }
            }
        }
        Ok(())
    }

    /// Every refusal any running node counted against a peer: in a federation of honest nodes
    /// with consistent rosters there is none (a refusal is how a node sees misbehaviour).
    pub(crate) async fn refusals(&self) -> Vec<String> {
        let mut out = Vec::new();
        for node in self.nodes.iter().filter(|n| n.is_running()) {
            for p in node.status().await.peers.into_iter().filter(|p| p.refused > 0) {
                let name = p.name.as_deref().unwrap_or("?");
                out.push(format!(
                    "{} refused {} from {name}: {:?}",
                    node.name, p.refused, p.last_refusal
                ));
            }
        }
        out
    }

    /// Waits until node `i` holds exactly `expected` among `among` (other items are ignored).
    pub(crate) async fn holds(&self, i: usize, among: &[ItemId], expected: &[ItemId]) {
        let node = &self.nodes[i];
        let expected: BTreeSet<ItemId> = expected.iter().copied().collect();
        eventually(DEADLINE, || async {
            let held: BTreeSet<ItemId> =
                node.ids().await.into_iter().filter(|id| among.contains(id)).collect();
            if held == expected {
                Ok(())
            } else {
                Err(format!("{} holds {held:?} of {among:?}, expected {expected:?}", node.name))
            }
        })
        .await;
    }
}

/// A TCP proxy to a node's listen address that can cut the link: the network between two
/// groups of nodes, split and healed without the nodes knowing.
#[derive(Debug)]
pub(crate) struct Proxy {
    /// Where to dial instead of the node.
    pub(crate) addr: SocketAddr,
    up: watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
}

impl Proxy {
    /// A proxy to the node listening on the multiaddress `target` (`/ip4/127.0.0.1/tcp/PORT`).
    pub(crate) async fn to(target: &str) -> Proxy {
        let port: u16 = target.rsplit('/').next().and_then(|p| p.parse().ok()).expect("port");
        let target = SocketAddr::from(([127, 0, 0, 1], port));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind proxy");
        let addr = listener.local_addr().expect("proxy address");
        let (up, watching) = watch::channel(true);
        let task = tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                let mut watching = watching.clone();
                if !*watching.borrow_and_update() {
                    let _ = inbound.shutdown().await;
                    continue;
                }
                tokio::spawn(async move {
                    let Ok(mut outbound) = tokio::net::TcpStream::connect(target).await else {
                        return;
                    };
                    tokio::select! {
                        _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound) => {}
                        _ = watching.wait_for(|up| !*up) => {}
                    }
                });
            }
        });
        Proxy { addr, up, task }
    }

    /// The proxy as a libp2p multiaddress.
    pub(crate) fn multiaddr(&self) -> String {
        format!("/ip4/127.0.0.1/tcp/{}", self.addr.port())
    }

    /// Drops every connection through the proxy and refuses new ones.
    pub(crate) fn cut(&self) {
        self.up.send_replace(false);
    }

    /// Lets connections through again.
    pub(crate) fn heal(&self) {
        self.up.send_replace(true);
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// A bare libp2p peer speaking the sync protocol by hand, with any key: what a hostile or
/// buggy node could send. It answers requests from the node with empty answers, and keeps the
/// pushes and fetches it was sent.
#[allow(missing_debug_implementations)] // The swarm has no Debug.
pub(crate) struct RawPeer {
    pub(crate) swarm: Swarm<Behaviour>,
    /// The pushes, offers and fetches the node sent, in order.
    pub(crate) received: Vec<SyncRequest>,
    /// What this peer answers fetches from: the items asked for that it holds here.
    pub(crate) serves: Vec<ItemPayload>,
}

impl RawPeer {
    /// A peer with the libp2p identity of `key`.
    pub(crate) fn new(key: &ed25519_dalek::SigningKey) -> RawPeer {
        let swarm = libp2p::SwarmBuilder::with_existing_identity(daemon::net::keypair(key))
            .with_tokio()
            .with_tcp(
                libp2p::tcp::Config::default().nodelay(true),
                libp2p::noise::Config::new,
                libp2p::yamux::Config::default,
            )
            .expect("tcp")
            .with_behaviour(Behaviour::new)
            .expect("behaviour")
            .with_swarm_config(|c| c.with_idle_connection_timeout(Duration::from_secs(60)))
            .build();
        RawPeer { swarm, received: Vec::new(), serves: Vec::new() }
    }

    /// The peer id and first listen address of a running node.
    pub(crate) fn addr_of(node: &TestNode) -> (PeerId, Multiaddr) {
        let running = node.running.as_ref().expect("running");
        (running.peer_id, running.listening[0].clone())
    }

    /// Listens on a random port of 127.0.0.1; returns the address.
    pub(crate) async fn listen(&mut self) -> Multiaddr {
        self.swarm.listen_on("/ip4/127.0.0.1/tcp/0".parse().expect("multiaddr")).expect("listen");
        loop {
            if let SwarmEvent::NewListenAddr { address, .. } = self.swarm.select_next_some().await {
                return address;
            }
        }
    }

    /// Waits for the next connection a node opens to this peer, drops it at once (as a node
    /// that does not know the caller does), and returns when it came.
    pub(crate) async fn drop_next_connection(&mut self) -> tokio::time::Instant {
        let wait = async {
            loop {
                if let SwarmEvent::ConnectionEstablished { peer_id, .. } =
                    self.swarm.select_next_some().await
                {
                    let _ = self.swarm.disconnect_peer_id(peer_id);
                    return tokio::time::Instant::now();
                }
            }
        };
        tokio::time::timeout(DEADLINE, wait).await.expect("a connection")
    }

    /// Sends `request` to the node `peer` at `addr` (dialling if need be) and waits for the
    /// answer; `Err` when the request fails (refused connection, closed stream).
    pub(crate) async fn request(
        &mut self,
        peer: PeerId,
        addr: &Multiaddr,
        request: SyncRequest,
    ) -> Result<SyncResponse, String> {
        self.swarm.add_peer_address(peer, addr.clone());
        let id = self.swarm.behaviour_mut().sync.send_request(&peer, Frame::Message(request));
        let wait = async {
            loop {
                if let Some(answer) = self.on_event(Some(id)).await {
                    return answer;
                }
            }
        };
        tokio::time::timeout(DEADLINE, wait).await.unwrap_or_else(|_| Err("timed out".to_owned()))
    }

    /// Serves the node until what it sent satisfies `done`.
    pub(crate) async fn until(&mut self, done: impl Fn(&[SyncRequest]) -> bool) {
        let wait = async {
            while !done(&self.received) {
                self.on_event(None).await;
            }
        };
        if tokio::time::timeout(DEADLINE, wait).await.is_err() {
            panic!("the node did not send what was expected; it sent {:?}", self.received);
        }
    }

    /// Handles one event; the answer to request `id` if this was it.
    async fn on_event(
        &mut self,
        id: Option<OutboundRequestId>,
    ) -> Option<Result<SyncResponse, String>> {
        let SwarmEvent::Behaviour(BehaviourEvent::Sync(event)) =
            self.swarm.select_next_some().await
        else {
            return None;
        };
        match event {
            Event::Message { message: Message::Response { request_id, response }, .. }
                if Some(request_id) == id =>
            {
                Some(match response {
                    Frame::Message(response) => Ok(response),
                    Frame::Malformed(why) => Err(format!("malformed response: {why}")),
                })
            }
            Event::Message {
                message: Message::Request { request: Frame::Message(request), channel, .. },
                ..
            } => {
                let answer = match &request {
                    SyncRequest::Reconcile(_) => {
                        SyncResponse::Reconcile(Reconcile { ranges: Vec::new() })
                    }
                    SyncRequest::Push(_) | SyncRequest::Offer(_) => {
                        SyncResponse::Ack { accepted: 0, refused: Vec::new() }
                    }
                    SyncRequest::Fetch(ids) => SyncResponse::Items(
                        self.serves
                            .iter()
                            .filter(|p| p.header.verify().is_ok_and(|h| ids.contains(&h.id)))
                            .cloned()
                            .collect(),
                    ),
                };
                if !matches!(request, SyncRequest::Reconcile(_)) {
                    self.received.push(request);
                }
                let _ =
                    self.swarm.behaviour_mut().sync.send_response(channel, Frame::Message(answer));
                None
            }
            Event::OutboundFailure { request_id, error, .. } if Some(request_id) == id => {
                Some(Err(error.to_string()))
            }
            _ => None,
        }
    }
}
