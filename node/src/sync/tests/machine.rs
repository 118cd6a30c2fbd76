//! Whole machines against each other in memory: each node is a [`Machine`] with a store of
//! numbered items in versions (the newer including the older, as a merged document does), and
//! the network carries their requests and responses, losing, duplicating and reordering them,
//! cutting links and making nodes vanish in the middle of fetches, while owners keep writing.
//! In the end every member holds the newest state of every item and every mirror that of every
//! `clear` one; meanwhile no node is sent an item or offer its label keeps from it, no member
//! takes anything from a mirror, honest nodes refuse nothing of each other, and every machine
//! keeps its bounds.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::time::{Duration, Instant};

use liaison_protocol::sync::{ItemPayload, SyncRequest, SyncResponse};
use liaison_protocol::{ItemId, Label, Peer, Role, SignedHeader};
use proptest::prelude::*;

use super::super::fetch::Limits;
use super::super::{Answer, Catalogue, FetchId, Input, Machine, Output, Taken, takes_from};
use super::{Setup, digest, header, id, setup};

const EVERY: Duration = Duration::from_secs(30);

#[derive(Debug, Clone)]
enum Wire {
    Request { from: usize, to: usize, tag: u64, request: SyncRequest },
    Response { from: usize, to: usize, tag: u64, response: SyncResponse },
}

impl Wire {
    fn ends(&self) -> (usize, usize) {
        match self {
            Wire::Request { from, to, .. } | Wire::Response { from, to, .. } => (*from, *to),
        }
    }
}

#[derive(Debug, Clone)]
enum Op {
    Deliver(usize),
    Lose(usize),
    Duplicate(usize),
    Verify(usize),
    Tick(usize),
    /// Cut a link; `bool`: the requests under way on it fail before the link closes (as the
    /// swarm may report them), or after.
    Cut(usize, usize, bool),
    Heal(usize, usize),
    Vanish(usize, bool),
    Write(usize, u16),
}

struct Node {
    role: Role,
    machine: Machine<usize>,
    /// Item number and version held.
    store: BTreeMap<u16, u8>,
    /// Requests sent and not answered: to whom, and the fetch each carries.
    asked: HashMap<u64, (usize, Option<FetchId>)>,
    /// The fetch answer being verified.
    verifying: Option<(usize, FetchId, Vec<ItemPayload>)>,
}

struct Net {
    nodes: Vec<Node>,
    labels: BTreeMap<u16, Label>,
    links: BTreeSet<(usize, usize)>,
    wire: Vec<Wire>,
    now: Instant,
    next_tag: u64,
    limits: Limits,
    /// Refusals between these honest nodes: none are expected.
    refusals: Vec<(usize, usize, String)>,
    /// Every fetch request sent: by whom, to whom, and the item numbers asked.
    fetched: Vec<(usize, usize, Vec<u16>)>,
}

fn number(i: &ItemId) -> u16 {
    let b = i.as_bytes();
    u16::from_be_bytes([b[0], b[1]])
}

fn payload(n: u16, version: u8) -> ItemPayload {
    let [hi, lo] = n.to_be_bytes();
    let header = SignedHeader { bytes: Vec::new(), signature: [0; 64] };
    ItemPayload { header, doc: vec![hi, lo, version], sigs: Vec::new() }
}

/// The policy's view of node `j`: members by mechanism, mirrors as anonymous ones.
fn view(role: Role, j: usize) -> Peer {
    let mechanism = if role == Role::Member { format!("m{j}") } else { "public".into() };
    Peer { mechanism: mechanism.parse().expect("mechanism"), role }
}

fn may_hold(role: Role, label: Label) -> bool {
    role == Role::Member || label == Label::Clear
}

impl Net {
    /// Nodes of `roles` holding `stores`, every link up.
    fn new(roles: &[Role], stores: Vec<BTreeMap<u16, u8>>, labels: BTreeMap<u16, Label>) -> Net {
        let limits = Limits { batch: 4, in_flight: 2, wanted: 32, queued: 48, holders: 3 };
        Net::with_limits(roles, stores, labels, limits)
    }

    /// [`Net::new`], with the schedulers' bounds given.
    fn with_limits(
        roles: &[Role],
        stores: Vec<BTreeMap<u16, u8>>,
        labels: BTreeMap<u16, Label>,
        limits: Limits,
    ) -> Net {
        let now = Instant::now();
        let nodes = roles
            .iter()
            .zip(stores)
            .map(|(role, store)| {
                let catalogue = Catalogue::new(
                    store.iter().map(|(n, v)| (header(*n, labels[n]), digest(*n, *v))),
                );
                Node {
                    role: *role,
                    machine: Machine::with_limits(*role, EVERY, false, catalogue, now, limits),
                    store,
                    asked: HashMap::new(),
                    verifying: None,
                }
            })
            .collect();
        let mut net = Net {
            nodes,
            labels,
            links: BTreeSet::new(),
            wire: Vec::new(),
            now,
            next_tag: 0,
            limits,
            refusals: Vec::new(),
            fetched: Vec::new(),
        };
        net.heal_all();
        net
    }

    fn linked(&self, a: usize, b: usize) -> bool {
        a != b && self.links.contains(&(a.min(b), a.max(b)))
    }

    /// Hands `input` to node `n`'s machine and carries out what it answers, as the event loop
    /// does; returns its answer to the request being handled.
    fn handle(&mut self, n: usize, input: Input<usize>) -> Option<Answer> {
        let roles: Vec<Role> = self.nodes.iter().map(|node| node.role).collect();
        let views = |p: &usize| Some(view(roles[*p], *p));
        let outputs = self.nodes[n].machine.handle(input, self.now, &views);
        self.nodes[n].machine.check(self.nodes.len());
        let mut answer = None;
        for output in outputs {
            if let Some(a) = self.carry_out(n, output) {
                answer = Some(a);
            }
        }
        answer
    }

    fn carry_out(&mut self, n: usize, output: Output<usize>) -> Option<Answer> {
        match output {
            Output::Send { to, request, fetch } => self.send(n, to, request, fetch),
            Output::Push { to, ids } => {
                let items = self.payloads(n, &ids);
                self.send(n, to, SyncRequest::Push(items), None);
            }
            Output::Answer(answer) => return Some(answer),
            Output::Verify { from, fetch, items } => {
                let before = self.nodes[n].verifying.replace((from, fetch, items));
                assert!(before.is_none(), "node {n} verifies two answers at once");
            }
            Output::Store { from, items } => {
                let (taken, refusals) = (self.take(n, from, &items), Vec::new());
                return self.handle(n, Input::Stored { from, fetch: None, taken, refusals });
            }
            Output::Changed { .. } | Output::Synced { .. } => {}
            Output::Disconnect { peer } => panic!("node {n} disconnected honest node {peer}"),
            Output::Refuse { peer, why } | Output::NoteRefusal { peer, why } => {
                self.refusals.push((n, peer, why));
            }
        }
        None
    }

    /// Node `n` sends `request` to `to`, checked against the labels and roles first.
    fn send(&mut self, n: usize, to: usize, request: SyncRequest, fetch: Option<FetchId>) {
        let (role, peer_role) = (self.nodes[n].role, self.nodes[to].role);
        let allowed = |i: &ItemId| may_hold(peer_role, self.labels[&number(i)]);
        match &request {
            SyncRequest::Offer(items) => {
                assert!(
                    items.iter().all(|(i, _)| allowed(i)),
                    "{n} offered {to} a restricted item"
                );
                assert!(!(role == Role::Mirror && peer_role == Role::Member), "a mirror offered");
            }
            SyncRequest::Push(items) => {
                assert!(!(role == Role::Mirror && peer_role == Role::Member), "a mirror pushed");
                for item in items {
                    let i = u16::from_be_bytes([item.doc[0], item.doc[1]]);
                    assert!(may_hold(peer_role, self.labels[&i]), "{n} pushed {to} item {i}");
                }
            }
            SyncRequest::Fetch(ids) => {
                assert!(takes_from(role, peer_role), "{n} fetched from a mirror");
                assert!(ids.len() <= self.limits.batch, "a fetch too large");
                self.fetched.push((n, to, ids.iter().map(number).collect()));
                let under_way =
                    self.nodes[n].asked.values().filter(|(p, f)| *p == to && f.is_some()).count();
                assert!(under_way < self.limits.in_flight, "{n} fetches too much from {to}");
            }
            _ => {}
        }
        if !self.linked(n, to) {
            // The link is down: the request fails at once.
            self.handle(n, Input::Failed { peer: to, fetch, malformed: None });
            return;
        }
        let tag = self.next_tag;
        self.next_tag += 1;
        self.nodes[n].asked.insert(tag, (to, fetch));
        self.wire.push(Wire::Request { from: n, to, tag, request });
    }

    /// The payloads of the items `ids` node `n` holds.
    fn payloads(&self, n: usize, ids: &[ItemId]) -> Vec<ItemPayload> {
        let store = &self.nodes[n].store;
        ids.iter().filter_map(|i| store.get(&number(i)).map(|v| payload(number(i), *v))).collect()
    }

    /// Node `n` merges the items `from` sent into its store.
    fn take(&mut self, n: usize, from: usize, items: &[ItemPayload]) -> Vec<Taken> {
        let (role, from_role) = (self.nodes[n].role, self.nodes[from].role);
        assert!(takes_from(role, from_role), "{n} took items from a mirror");
        let mut taken = Vec::new();
        for item in items {
            let (i, sent) = (u16::from_be_bytes([item.doc[0], item.doc[1]]), item.doc[2]);
            let label = self.labels[&i];
            assert!(may_hold(role, label), "node {n} was sent item {i}, {label:?}");
            let held = self.nodes[n].store.get(&i).copied();
            let merged = held.map_or(sent, |h| h.max(sent));
            self.nodes[n].store.insert(i, merged);
            taken.push(Taken {
                header: header(i, label),
                sent: digest(i, sent),
                digest: digest(i, merged),
                changed: held != Some(merged),
            });
        }
        taken
    }

    fn deliver(&mut self, msg: Wire) {
        match msg {
            Wire::Request { from, to, tag, request } => {
                let response = match self.handle(to, Input::Request { peer: from, request }) {
                    Some(Answer::Message(response)) => response,
                    Some(Answer::Items(ids)) => SyncResponse::Items(self.payloads(to, &ids)),
                    None => panic!("node {to} left a request unanswered"),
                };
                if self.linked(from, to) {
                    self.wire.push(Wire::Response { from: to, to: from, tag, response });
                }
            }
            Wire::Response { from, to, tag, response } => {
                let Some((_, fetch)) = self.nodes[to].asked.remove(&tag) else { return };
                self.handle(to, Input::Response { peer: from, fetch, response });
            }
        }
    }

    /// A request or its response is lost: the asker learns its request failed.
    fn lose(&mut self, msg: &Wire) {
        let (asker, tag) = match msg {
            Wire::Request { from, tag, .. } => (*from, *tag),
            Wire::Response { to, tag, .. } => (*to, *tag),
        };
        if let Some((peer, fetch)) = self.nodes[asker].asked.remove(&tag) {
            self.handle(asker, Input::Failed { peer, fetch, malformed: None });
        }
    }

    /// Node `n` verifies and stores the fetch answer it was verifying.
    fn verify(&mut self, n: usize) {
        let Some((from, fetch, items)) = self.nodes[n].verifying.take() else { return };
        self.handle(n, Input::Verified);
        let taken = self.take(n, from, &items);
        self.handle(n, Input::Stored { from, fetch: Some(fetch), taken, refusals: Vec::new() });
    }

    fn cut(&mut self, a: usize, b: usize, failures_first: bool) {
        if !self.linked(a, b) {
            return;
        }
        self.links.remove(&(a.min(b), a.max(b)));
        let (gone, kept): (Vec<Wire>, Vec<Wire>) =
            std::mem::take(&mut self.wire).into_iter().partition(|m| {
                let (from, to) = m.ends();
                (from.min(to), from.max(to)) == (a.min(b), a.max(b))
            });
        self.wire = kept;
        // Requests under way fail, and the link closes, in either order.
        if failures_first {
            for msg in &gone {
                self.lose(msg);
            }
        }
        for (node, peer) in [(a, b), (b, a)] {
            self.handle(node, Input::Disconnected { peer });
            // As the event loop does, forgets which requests carried the fetches forgotten.
            let node = &mut self.nodes[node];
            for (_, fetch) in node.asked.values_mut() {
                *fetch = fetch.filter(|f| node.machine.is_fetch(*f));
            }
        }
        if !failures_first {
            for msg in &gone {
                self.lose(msg);
            }
        }
    }

    fn heal(&mut self, a: usize, b: usize) {
        if a == b || self.linked(a, b) {
            return;
        }
        self.links.insert((a.min(b), a.max(b)));
        self.handle(a, Input::Connected { peer: b, dialed: true, first: true });
        self.handle(b, Input::Connected { peer: a, dialed: false, first: true });
    }

    fn heal_all(&mut self) {
        let n = self.nodes.len();
        for a in 0..n {
            for b in a + 1..n {
                self.heal(a, b);
            }
        }
    }

    /// Member `n` writes a new version of item `i`, if it is its owner (the member whose index
    /// is the item's number modulo the members) and holds it.
    fn write(&mut self, n: usize, i: u16) {
        let members = self.nodes.iter().filter(|node| node.role == Role::Member).count();
        if usize::from(i) % members != n || !self.nodes[n].store.contains_key(&i) {
            return;
        }
        let newest = self.nodes.iter().filter_map(|node| node.store.get(&i)).max();
        let version = newest.copied().unwrap_or(0) + 1;
        self.nodes[n].store.insert(i, version);
        let entry = Some((header(i, self.labels[&i]), digest(i, version)));
        self.handle(n, Input::Written { items: vec![(id(i), entry)] });
    }

    fn step(&mut self, op: Op) {
        let n = self.nodes.len();
        match op {
            Op::Deliver(k) if !self.wire.is_empty() => {
                let msg = self.wire.remove(k % self.wire.len());
                self.deliver(msg);
            }
            Op::Lose(k) if !self.wire.is_empty() => {
                let msg = self.wire.remove(k % self.wire.len());
                self.lose(&msg);
            }
            Op::Duplicate(k) if !self.wire.is_empty() => {
                // Offers and pushes may come again, from the same peer or another.
                if let Wire::Request { from, to, request, .. } =
                    self.wire[k % self.wire.len()].clone()
                    && matches!(request, SyncRequest::Offer(_) | SyncRequest::Push(_))
                {
                    self.send(from, to, request, None);
                }
            }
            Op::Verify(a) => self.verify(a % n),
            Op::Tick(a) => {
                self.now += EVERY / 3;
                self.handle(a % n, Input::Tick);
            }
            Op::Cut(a, b, first) => self.cut(a % n, b % n, first),
            Op::Heal(a, b) => self.heal(a % n, b % n),
            Op::Vanish(a, first) => {
                for b in 0..n {
                    self.cut(a % n, b, first);
                }
            }
            Op::Write(a, i) => self.write(a % n, i % 64),
            _ => {}
        }
    }

    /// Delivers everything on the wire and verifies everything fetched, in order.
    fn drain(&mut self) {
        for _ in 0..1_000_000 {
            if let Some(a) = (0..self.nodes.len()).find(|a| self.nodes[*a].verifying.is_some()) {
                self.verify(a);
            } else if self.wire.is_empty() {
                return;
            } else {
                let msg = self.wire.remove(0);
                self.deliver(msg);
            }
        }
        panic!("the network never went quiet");
    }

    /// Heals every link, then lets time pass, each tick starting sessions on every link, until
    /// the stores stop changing.
    fn finish(&mut self) {
        self.heal_all();
        self.drain();
        for _ in 0..40 {
            let before: Vec<BTreeMap<u16, u8>> =
                self.nodes.iter().map(|n| n.store.clone()).collect();
            self.now += EVERY;
            for a in 0..self.nodes.len() {
                self.handle(a, Input::Tick);
            }
            self.drain();
            let after: Vec<BTreeMap<u16, u8>> =
                self.nodes.iter().map(|n| n.store.clone()).collect();
            if before == after {
                return;
            }
        }
    }

    /// The newest version of every item, across all nodes.
    fn newest(&self) -> BTreeMap<u16, u8> {
        let mut newest = BTreeMap::new();
        for node in &self.nodes {
            for (i, v) in &node.store {
                let top = newest.entry(*i).or_insert(*v);
                *top = (*top).max(*v);
            }
        }
        newest
    }

    /// Every node holds the newest state of what it may hold and nothing else, and its
    /// machine's catalogue says so.
    fn assert_converged(&self) {
        let newest = self.newest();
        for (j, node) in self.nodes.iter().enumerate() {
            let expected: BTreeMap<u16, u8> = newest
                .iter()
                .filter(|(i, _)| may_hold(node.role, self.labels[i]))
                .map(|(i, v)| (*i, *v))
                .collect();
            assert_eq!(node.store, expected, "node {j}");
            for (i, v) in &expected {
                assert!(node.machine.catalogue().holds(&id(*i), &digest(*i, *v)), "node {j}");
            }
            assert_eq!(node.machine.len(), expected.len(), "node {j}'s catalogue");
            let q = node.machine.queues();
            assert_eq!((q.wanted, q.fetching, q.to_verify), (0, 0, 0), "node {j} is left waiting");
        }
        assert!(self.refusals.is_empty(), "honest nodes refused: {:?}", self.refusals);
    }
}

impl Setup {
    fn machines(&self) -> Net {
        let mut stores = vec![BTreeMap::new(); self.roles.len()];
        let mut labels = BTreeMap::new();
        for (i, (label, versions)) in (0u16..).zip(&self.items) {
            labels.insert(i, *label);
            for (m, v) in versions.iter().enumerate().filter(|(_, v)| **v > 0) {
                stores[m].insert(i, *v);
            }
            let held = versions.iter().any(|v| *v > 0);
            for (k, mirror) in self.stale.iter().enumerate() {
                if held && *label == Label::Clear && mirror[usize::from(i)] {
                    stores[versions.len() + k].insert(i, 1);
                }
            }
        }
        // Items numbered past those given exist nowhere; writes name them too.
        for i in 0..64 {
            labels.entry(i).or_insert(Label::Green);
        }
        Net::new(&self.roles, stores, labels)
    }
}

fn op() -> impl Strategy<Value = Op> {
    let (k, a, b) = (0usize..64, 0usize..5, 0usize..5);
    prop_oneof![
        10 => k.clone().prop_map(Op::Deliver),
        2 => k.clone().prop_map(Op::Lose),
        2 => k.prop_map(Op::Duplicate),
        3 => a.clone().prop_map(Op::Verify),
        2 => a.clone().prop_map(Op::Tick),
        1 => (a.clone(), b.clone(), any::<bool>()).prop_map(|(a, b, f)| Op::Cut(a, b, f)),
        1 => (a.clone(), b).prop_map(|(a, b)| Op::Heal(a, b)),
        1 => (a.clone(), any::<bool>()).prop_map(|(a, f)| Op::Vanish(a, f)),
        1 => (a, 0u16..64).prop_map(|(a, i)| Op::Write(a, i)),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn machines_converge_on_what_each_may_hold_over_a_faulty_network(
        setup in setup(),
        ops in prop::collection::vec(op(), 0..300),
    ) {
        let mut net = setup.machines();
        for op in ops {
            net.step(op);
        }
        net.finish();
        net.assert_converged();
    }
}

/// Three members hold the same 40 items; an empty member joins them all.
fn joining() -> Net {
    let labels: BTreeMap<u16, Label> = (0..40).map(|i| (i, Label::Green)).collect();
    let full: BTreeMap<u16, u8> = (0..40).map(|i| (i, 1)).collect();
    let stores = vec![full.clone(), full.clone(), full, BTreeMap::new()];
    Net::new(&[Role::Member; 4], stores, labels)
}

#[test]
fn a_joining_node_fetches_each_item_once_however_many_peers_offer_it() {
    let mut net = joining();
    net.finish();
    net.assert_converged();
    let mut asked: Vec<u16> =
        net.fetched.iter().filter(|(n, ..)| *n == 3).flat_map(|(.., ids)| ids.clone()).collect();
    asked.sort_unstable();
    assert_eq!(asked, (0..40).collect::<Vec<u16>>(), "each item fetched once");
}

#[test]
fn a_peer_that_vanishes_mid_fetch_leaves_its_fetches_to_the_others() {
    let mut net = joining();
    // Deliver until node 3 has fetches under way, then the peer it fetches from vanishes.
    let from = loop {
        let busy = net.nodes[3].asked.values().find(|(_, f)| f.is_some()).map(|(p, _)| *p);
        if let Some(peer) = busy {
            break peer;
        }
        let msg = net.wire.remove(0);
        net.deliver(msg);
    };
    let asked: Vec<u16> = net
        .fetched
        .iter()
        .filter(|(n, to, _)| *n == 3 && *to == from)
        .flat_map(|(.., ids)| ids.clone())
        .collect();
    net.step(Op::Vanish(from, false));
    net.drain();
    assert!(!net.linked(3, from));
    for i in &asked {
        assert!(net.nodes[3].store.contains_key(i), "item {i} came from another peer");
    }
    net.finish();
    net.assert_converged();
}

#[test]
fn a_node_outside_the_roster_is_an_anonymous_mirror_only_where_allowed() {
    let catalogue = || {
        Catalogue::new([
            (header(1, Label::Clear), digest(1, 1)),
            (header(2, Label::Green), digest(2, 1)),
        ])
    };
    let unlisted = |_: &usize| None;
    let fetch = || Input::Request { peer: 9, request: SyncRequest::Fetch(vec![id(1), id(2)]) };
    let now = Instant::now();
    let mut serving = Machine::new(Role::Member, EVERY, true, catalogue(), now);
    let answer = serving.handle(fetch(), now, &unlisted);
    assert_eq!(answer, vec![Output::Answer(Answer::Items(vec![id(1)]))], "clear items only");
    let mut closed = Machine::new(Role::Member, EVERY, false, catalogue(), now);
    assert!(closed.handle(fetch(), now, &unlisted).is_empty(), "not a peer: nothing answered");
    // A request that does not decode is refused and counted, whoever sent it.
    let out = closed.handle(Input::Malformed { peer: 9, why: "truncated".into() }, now, &unlisted);
    let why = "malformed request: truncated".to_owned();
    let answer = Output::Answer(Answer::Message(SyncResponse::Refused(why.clone())));
    let disconnect = Output::Disconnect { peer: 9 };
    assert_eq!(out, vec![Output::Refuse { peer: 9, why }, disconnect, answer], "no peer: at once");
}

#[test]
fn a_peer_is_disconnected_past_three_refusals_since_it_connected() {
    let now = Instant::now();
    let listed = |p: &usize| Some(view(Role::Member, *p));
    let mut m = Machine::new(Role::Member, EVERY, false, Catalogue::default(), now);
    let connect = Input::Connected { peer: 1, dialed: false, first: true };
    assert!(m.handle(connect, now, &listed).is_empty());
    let too_many = || Input::Request { peer: 1, request: SyncRequest::Fetch(vec![id(0); 4097]) };
    let disconnects = |out: &[Output<usize>]| out.contains(&Output::Disconnect { peer: 1 });
    for _ in 0..3 {
        let out = m.handle(too_many(), now, &listed);
        assert!(matches!(out[0], Output::Refuse { peer: 1, .. }) && !disconnects(&out));
    }
    let refused = Input::Refused { peer: 1, why: "1025 certificates at once".into() };
    assert!(disconnects(&m.handle(refused, now, &listed)), "the fourth, from outside sync too");
    // A new connection starts the count afresh.
    let again = Input::Connected { peer: 1, dialed: false, first: false };
    m.handle(again, now, &listed);
    assert!(!disconnects(&m.handle(too_many(), now, &listed)));
}

#[test]
fn what_a_lost_exchange_carried_arrives_within_seconds_not_at_the_next_round() {
    // Nodes 0 and 1 hold every item (as many as node 2 may want at once); node 2 joins, and
    // every offer the first round makes to it is lost (a peer out of room, a connection
    // closing under it).
    let labels: BTreeMap<u16, Label> = (0..64).map(|i| (i, Label::Green)).collect();
    let full: BTreeMap<u16, u8> = (0..64).map(|i| (i, 1)).collect();
    let limits = Limits { batch: 4, in_flight: 2, wanted: 64, queued: 96, holders: 3 };
    let stores = vec![full.clone(), full, BTreeMap::new()];
    let mut net = Net::with_limits(&[Role::Member; 3], stores, labels, limits);
    let mut lost = 0;
    for _ in 0..10_000 {
        if let Some(a) = (0..3).find(|a| net.nodes[*a].verifying.is_some()) {
            net.verify(a);
            continue;
        }
        if net.wire.is_empty() {
            break;
        }
        let msg = net.wire.remove(0);
        if matches!(&msg, Wire::Request { to: 2, request: SyncRequest::Offer(_), .. }) {
            lost += 1;
            net.lose(&msg);
        } else {
            net.deliver(msg);
        }
    }
    assert!(lost > 0, "the first round offers node 2 what it lacks");
    let missing = |net: &Net| 64 - net.nodes[2].store.len();
    assert!(missing(&net) > 0, "node 2 relies on those offers");
    // A few seconds later, well within the 30 s interval, the link is reconciled again.
    for _ in 0..3 {
        net.now += Duration::from_secs(1);
        for a in 0..3 {
            net.handle(a, Input::Tick);
        }
        net.drain();
    }
    assert_eq!(missing(&net), 0, "node 2 holds every item before the next round");
    net.assert_converged();
}
