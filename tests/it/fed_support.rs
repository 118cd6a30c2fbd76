//! Support for the federation tests: real nodes started in-process on 127.0.0.1 (random ports,
//! one temp data dir each), links between them, what they hold and whether they converged,
//! items and changes made by hand, and `eventually` to poll to a deadline (proxies and a raw
//! wire peer are in `wire_support`).
#![allow(dead_code)] // Not every test uses every helper.

use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;
use std::path::Path;
use std::time::Duration;

use chrono::{DateTime, Utc};
use ed25519_dalek::SigningKey;
use liaison_node::api::{PeerStatus, Request, Response, Status};
use liaison_node::daemon::{self, Options, Running};
use liaison_node::{Draft, Entry, InitOptions, ItemView, Query, Record, Repo};
use liaison_protocol::sync::{ItemPayload, SyncRequest, heads_digest};
use liaison_protocol::{
    Card, Consent, Edit, Fields, ItemDoc, ItemId, Kind, Label, LangTag, Mechanism, Peer, PublicKey,
    Role, Text, Visit, VisitCountry, VisitStatus,
};

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

pub(crate) const MEMBER: Role = Role::Member;

pub(crate) const MIRROR: Role = Role::Mirror;

/// The ids among `among` that node `i` holds now.
pub(crate) async fn held(net: &TestNet, i: usize, among: &[ItemId]) -> BTreeSet<ItemId> {
    net[i].ids().await.into_iter().filter(|id| among.contains(id)).collect()
}

pub(crate) fn set(ids: &[ItemId]) -> BTreeSet<ItemId> {
    ids.iter().copied().collect()
}

/// Waits until every running node of `nodes` holds every item of `ids`, all copies identical;
/// returns the records of one copy.
pub(crate) async fn converged(
    net: &TestNet,
    nodes: &[usize],
    ids: &[ItemId],
) -> BTreeMap<ItemId, Record> {
    eventually(DEADLINE, || async {
        let mut first: Option<BTreeMap<ItemId, Record>> = None;
        for &i in nodes {
            let entries = net[i].entries().await;
            let mut records = BTreeMap::new();
            for id in ids {
                let entry = entries.get(id).ok_or(format!("{} lacks {id}", net[i].name))?;
                records.insert(*id, entry.record.clone());
            }
            match &first {
                None => first = Some(records),
                Some(f) => {
                    for id in ids {
                        if f[id].digest != records[id].digest || f[id].state != records[id].state {
                            return Err(format!("{} holds another state of {id}", net[i].name));
                        }
                    }
                }
            }
        }
        Ok(first.unwrap_or_default())
    })
    .await
}

/// A test peer with coe's key, in the target's roster as a coe member.
pub(crate) fn coe_key() -> SigningKey {
    SigningKey::from_bytes(&[7; 32])
}

pub(crate) fn card_of(key: &SigningKey, mechanism: &str) -> Card {
    Card {
        mechanism: mech(mechanism),
        name: None,
        role: MEMBER,
        key: (&key.verifying_key()).into(),
        addrs: Vec::new(),
    }
}

/// The payload of `entry` with one more change to its title, made and signed with `key`.
pub(crate) fn with_change(entry: &Entry, key: &SigningKey, title: &str) -> ItemPayload {
    let mut doc = ItemDoc::load(&entry.record.doc).expect("load");
    let mut fields = entry.record.state.fields.clone();
    fields.title.value = title.to_owned();
    let edit = Edit { fields: Some(&fields), withdraw: false, now: Utc::now(), session: [3; 8] };
    let sig = doc.write(key, entry.header.id, edit).expect("write").expect("a change");
    let mut sigs = entry.record.sigs.clone();
    sigs.push(sig);
    ItemPayload { header: entry.record.header.clone(), doc: doc.save(), sigs }
}

pub(crate) fn records(entries: &BTreeMap<ItemId, Entry>) -> BTreeMap<ItemId, Record> {
    entries.iter().map(|(id, e)| (*id, e.record.clone())).collect()
}

/// A green visit written on `node` (stopped), as it travels, with its id and heads digest.
pub(crate) fn green_visit_of(node: &TestNode, title: &str) -> (ItemPayload, ItemId, [u8; 32]) {
    let payload = node.offline(|repo| {
        let id = repo.create(visit(title, Label::Green, &[], &[]), Utc::now());
        repo.payload(id.expect("create")).expect("payload").expect("stored")
    });
    let id = payload.header.verify().expect("header").id;
    let digest = heads_digest(&ItemDoc::load(&payload.doc).expect("doc").heads());
    (payload, id, digest)
}

/// The ids of the items `sent` pushes, offers or asks for.
pub(crate) fn moved(sent: &[SyncRequest]) -> BTreeSet<ItemId> {
    let mut moved = BTreeSet::new();
    for request in sent {
        match request {
            SyncRequest::Push(items) => {
                moved.extend(items.iter().map(|p| p.header.verify().expect("header").id));
            }
            SyncRequest::Fetch(ids) => moved.extend(ids.iter().copied()),
            SyncRequest::Offer(offered) => moved.extend(offered.iter().map(|(id, _)| *id)),
            SyncRequest::Reconcile(_) | SyncRequest::Statements(_) | SyncRequest::Clock => {}
        }
    }
    moved
}
