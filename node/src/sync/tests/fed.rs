//! A federation of members and mirrors in memory, each with the real catalogue, sessions of
//! real reconciliation turns, the scheduler and the relay decisions, over a network that
//! loses, duplicates and reorders offers, fetches and answers and cuts links. Items come in
//! versions, the newer including the older (as a merged document does). In the end every
//! member holds the newest state of every item and every mirror that of every `clear` one, and
//! meanwhile no member takes anything from a mirror and no mirror sees a `green` item.

use std::collections::{BTreeMap, BTreeSet, HashSet};

use liaison_protocol::sync::Reconciler;
use liaison_protocol::{ItemId, Label, Peer, Role};
use proptest::prelude::*;

use super::super::fetch::{FetchId, Scheduler};
use super::super::{Arrived, Catalogue, Digest, offers, relays, takes_from, turn};
use super::{Setup, digest, header, id, setup};

#[derive(Debug, Clone)]
enum Msg {
    Offer { from: usize, to: usize, items: Vec<(ItemId, Digest)> },
    Fetch { from: usize, to: usize, fetch: FetchId, ids: Vec<ItemId> },
    Items { from: usize, to: usize, fetch: FetchId, items: Vec<(ItemId, Digest)> },
}

#[derive(Debug, Clone)]
enum Op {
    Session(usize, usize),
    Deliver(usize),
    Lose(usize),
    Duplicate(usize),
    Cut(usize, usize),
    Heal(usize, usize),
}

struct Node {
    role: Role,
    catalogue: Catalogue,
    scheduler: Scheduler<usize>,
}

struct Fed {
    nodes: Vec<Node>,
    labels: BTreeMap<u16, Label>,
    links: BTreeSet<(usize, usize)>,
    wire: Vec<Msg>,
}

fn version(d: &Digest) -> u8 {
    d[2]
}

fn number(i: &ItemId) -> u16 {
    let b = i.as_bytes();
    u16::from_be_bytes([b[0], b[1]])
}

impl Fed {
    /// The policy's view of node `j`: members by mechanism, mirrors as anonymous ones.
    fn view(&self, j: usize) -> Peer {
        let mechanism =
            if self.nodes[j].role == Role::Member { format!("m{j}") } else { "public".into() };
        Peer { mechanism: mechanism.parse().expect("mechanism"), role: self.nodes[j].role }
    }

    fn linked(&self, a: usize, b: usize) -> bool {
        a != b && self.links.contains(&(a.min(b), a.max(b)))
    }

    fn pump(&mut self, node: usize, peer: usize) {
        if !self.linked(node, peer) {
            return;
        }
        let n = &mut self.nodes[node];
        let catalogue = &n.catalogue;
        for f in n.scheduler.pump(peer, |i, d| catalogue.holds(i, d)) {
            self.wire.push(Msg::Fetch { from: node, to: peer, fetch: f.id, ids: f.ids });
        }
    }

    fn want(&mut self, node: usize, peer: usize, items: Vec<(ItemId, Digest)>) {
        let peer_role = self.nodes[peer].role;
        let n = &mut self.nodes[node];
        assert!(takes_from(n.role, peer_role), "{node} took from a mirror");
        let catalogue = &n.catalogue;
        n.scheduler.want(peer, items, |i, d| catalogue.holds(i, d));
        self.pump(node, peer);
    }

    fn settle(&mut self, node: usize, fetch: FetchId, got: &HashSet<ItemId>) {
        for peer in self.nodes[node].scheduler.fetched(fetch, got).unwrap_or_default() {
            self.pump(node, peer);
        }
    }

    /// A whole session `a` starts with `b`, turn by turn; its offers and fetches go out.
    fn session(&mut self, a: usize, b: usize) {
        let reconciler = Reconciler::default();
        let (view_a, view_b) = (self.view(a), self.view(b));
        let mut request = reconciler.start(self.nodes[a].catalogue.catalog(&view_b));
        for _ in 0..100 {
            let (role_b, role_a) = (self.nodes[b].role, self.nodes[a].role);
            let tb = turn(&reconciler, &mut self.nodes[b].catalogue, role_b, &view_a, &request)
                .expect("turn");
            self.act(b, a, tb.offer, tb.fetch);
            let Some(answer) = tb.reply.filter(|r| !r.ranges.is_empty()) else { return };
            let ta = turn(&reconciler, &mut self.nodes[a].catalogue, role_a, &view_b, &answer)
                .expect("turn");
            self.act(a, b, ta.offer, ta.fetch);
            let Some(next) = ta.reply else { return };
            request = next;
        }
        panic!("a session did not end");
    }

    fn act(
        &mut self,
        node: usize,
        peer: usize,
        offer: Vec<(ItemId, Digest)>,
        fetch: Vec<(ItemId, Digest)>,
    ) {
        if !offer.is_empty() {
            self.wire.push(Msg::Offer { from: node, to: peer, items: offer });
        }
        if !fetch.is_empty() {
            self.want(node, peer, fetch);
        }
    }

    fn deliver(&mut self, msg: Msg) {
        match msg {
            Msg::Offer { from, to, items } => self.want(to, from, items),
            Msg::Fetch { from, to, fetch, ids } => {
                let view = self.view(from);
                let c = &self.nodes[to].catalogue;
                let items = ids
                    .into_iter()
                    .filter(|i| c.may_send(i, &view))
                    .filter_map(|i| c.digest(&i).map(|d| (i, d)))
                    .collect();
                self.wire.push(Msg::Items { from: to, to: from, fetch, items });
            }
            Msg::Items { from, to, fetch, items } => self.store(from, to, fetch, items),
        }
    }

    /// Node `to` merges the items `from` sent, then relays what changed.
    fn store(&mut self, from: usize, to: usize, fetch: FetchId, items: Vec<(ItemId, Digest)>) {
        assert!(takes_from(self.nodes[to].role, self.nodes[from].role), "{to} took from a mirror");
        let mut arrived = Vec::new();
        for (i, sent) in items {
            let n = number(&i);
            let label = self.labels[&n];
            assert!(label == Label::Clear || self.nodes[to].role == Role::Member, "a leak");
            let held = self.nodes[to].catalogue.digest(&i);
            let merged = held.map_or(version(&sent), |h| version(&h).max(version(&sent)));
            let now = digest(n, merged);
            self.nodes[to].catalogue.set(header(n, label), now);
            arrived.push(Arrived { id: i, sent, digest: now, changed: held != Some(now) });
        }
        let got = arrived.iter().map(|a| a.id).collect();
        self.settle(to, fetch, &got);
        let peers: Vec<usize> = (0..self.nodes.len()).filter(|p| self.linked(to, *p)).collect();
        for peer in peers {
            let scheduler = &self.nodes[to].scheduler;
            let relayed = relays(from, peer, &arrived, |i, d, p| scheduler.known_holder(i, d, p));
            let allowed =
                offers(&self.nodes[to].catalogue, self.nodes[to].role, &self.view(peer), relayed);
            if !allowed.is_empty() {
                self.wire.push(Msg::Offer { from: to, to: peer, items: allowed });
            }
        }
    }

    fn step(&mut self, op: Op) {
        let n = self.nodes.len();
        match op {
            Op::Session(a, b) if self.linked(a % n, b % n) => self.session(a % n, b % n),
            Op::Deliver(k) if !self.wire.is_empty() => {
                let msg = self.wire.remove(k % self.wire.len());
                self.deliver(msg);
            }
            Op::Lose(k) if !self.wire.is_empty() => match self.wire.remove(k % self.wire.len()) {
                Msg::Fetch { from: node, fetch, .. } | Msg::Items { to: node, fetch, .. } => {
                    self.settle(node, fetch, &HashSet::new());
                }
                Msg::Offer { .. } => {}
            },
            Op::Duplicate(k) if !self.wire.is_empty() => {
                self.wire.push(self.wire[k % self.wire.len()].clone());
            }
            Op::Cut(a, b) if self.linked(a % n, b % n) => {
                let (a, b) = ((a % n).min(b % n), (a % n).max(b % n));
                self.links.remove(&(a, b));
                self.wire.retain(|m| {
                    let (Msg::Offer { from, to, .. }
                    | Msg::Fetch { from, to, .. }
                    | Msg::Items { from, to, .. }) = m;
                    ((*from).min(*to), (*from).max(*to)) != (a, b)
                });
                for (node, peer) in [(a, b), (b, a)] {
                    for other in self.nodes[node].scheduler.forget(&peer) {
                        self.pump(node, other);
                    }
                }
            }
            Op::Heal(a, b) if a % n != b % n => {
                self.links.insert(((a % n).min(b % n), (a % n).max(b % n)));
                self.session(a % n, b % n);
            }
            _ => {}
        }
        for node in &self.nodes {
            node.scheduler.check();
        }
    }

    /// Heals every link, then runs sessions on every link and delivers everything, until a round
    /// changes nothing. The later node of each pair starts each session, so mirrors start theirs
    /// with members: a stale mirror must be brought up to date by a member that answers.
    fn finish(&mut self) {
        let n = self.nodes.len();
        self.links = (0..n).flat_map(|a| (a + 1..n).map(move |b| (a, b))).collect();
        for _ in 0..20 {
            let before: Vec<usize> = self.nodes.iter().map(|n| n.catalogue.len()).collect();
            let links: Vec<_> = self.links.iter().copied().collect();
            for (a, b) in links {
                self.session(b, a);
                while !self.wire.is_empty() {
                    self.step(Op::Deliver(0));
                }
            }
            let after: Vec<usize> = self.nodes.iter().map(|n| n.catalogue.len()).collect();
            if before == after && self.quiet() {
                return;
            }
        }
    }

    /// Whether one more round of sessions would move nothing.
    fn quiet(&mut self) -> bool {
        let links: Vec<_> = self.links.iter().copied().collect();
        for (a, b) in links {
            self.session(b, a);
            if !self.wire.is_empty() {
                while !self.wire.is_empty() {
                    self.step(Op::Deliver(0));
                }
                return false;
            }
        }
        true
    }
}

impl Setup {
    /// The federation, every link up, and the newest state of each item with its label.
    fn start(&self) -> (Fed, BTreeMap<ItemId, (Label, Digest)>) {
        let mut nodes: Vec<Node> = self
            .roles
            .iter()
            .map(|r| Node {
                role: *r,
                catalogue: Catalogue::default(),
                scheduler: Scheduler::default(),
            })
            .collect();
        let mut labels = BTreeMap::new();
        let mut newest = BTreeMap::new();
        for (n, (label, versions)) in (0u16..).zip(&self.items) {
            labels.insert(n, *label);
            for (m, v) in versions.iter().enumerate().filter(|(_, v)| **v > 0) {
                nodes[m].catalogue.set(header(n, *label), digest(n, *v));
            }
            let top = versions.iter().copied().max().unwrap_or(0);
            if top == 0 {
                continue;
            }
            newest.insert(id(n), (*label, digest(n, top)));
            for (i, mirror) in self.stale.iter().enumerate() {
                if *label == Label::Clear && mirror[usize::from(n)] {
                    nodes[versions.len() + i].catalogue.set(header(n, *label), digest(n, 1));
                }
            }
        }
        let count = nodes.len();
        let links = (0..count).flat_map(|a| (a + 1..count).map(move |b| (a, b))).collect();
        (Fed { nodes, labels, links, wire: Vec::new() }, newest)
    }
}

fn op() -> impl Strategy<Value = Op> {
    let (k, a, b) = (0usize..64, 0usize..5, 0usize..5);
    prop_oneof![
        2 => (a.clone(), b.clone()).prop_map(|(a, b)| Op::Session(a, b)),
        8 => k.clone().prop_map(Op::Deliver),
        2 => k.clone().prop_map(Op::Lose),
        1 => k.prop_map(Op::Duplicate),
        1 => (a.clone(), b.clone()).prop_map(|(a, b)| Op::Cut(a, b)),
        1 => (a, b).prop_map(|(a, b)| Op::Heal(a, b)),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn members_and_mirrors_converge_on_what_each_may_hold(
        setup in setup(),
        ops in prop::collection::vec(op(), 0..200),
    ) {
        let (mut fed, newest) = setup.start();
        for op in ops {
            fed.step(op);
        }
        fed.finish();
        for (j, node) in fed.nodes.iter().enumerate() {
            let may = |l: &Label| node.role == Role::Member || *l == Label::Clear;
            for (i, (label, d)) in &newest {
                let held = node.catalogue.digest(i);
                prop_assert_eq!(held, may(label).then_some(*d), "node {} item {}", j, i);
            }
        }
    }
}
