//! Several nodes' schedulers exchanging fetches and answers in memory, over a network that
//! loses, reorders and duplicates messages and whose links are cut mid-fetch. Reconciliation
//! and relaying are modelled as offers of everything a node holds. Every node ends up with
//! every item; without faults (loss, duplicates, cuts), each node receives each item it lacked
//! exactly once.

use std::collections::{BTreeMap, BTreeSet, HashSet};

use liaison_protocol::ItemId;
use proptest::prelude::*;

use super::super::fetch::{FetchId, Scheduler};
use super::{Digest, digest, id};

/// A message under way between two nodes.
#[derive(Debug, Clone)]
enum Msg {
    Fetch { from: usize, to: usize, fetch: FetchId, ids: Vec<ItemId> },
    Items { from: usize, to: usize, fetch: FetchId, items: Vec<(ItemId, Digest)> },
}

impl Msg {
    fn link(&self) -> (usize, usize) {
        let (Msg::Fetch { from, to, .. } | Msg::Items { from, to, .. }) = self;
        ((*from).min(*to), (*from).max(*to))
    }
}

#[derive(Debug, Default)]
struct Node {
    holds: BTreeMap<ItemId, Digest>,
    scheduler: Scheduler<usize>,
}

/// What the script does next.
#[derive(Debug, Clone)]
enum Op {
    /// Nodes `a` and `b` reconcile: each offers the other everything it holds.
    Reconcile(usize, usize),
    /// The `k`-th message under way arrives (so messages arrive in any order).
    Deliver(usize),
    /// The `k`-th message under way is lost; its sender learns the request failed.
    Lose(usize),
    /// The `k`-th message under way is sent twice.
    Duplicate(usize),
    /// The link between `a` and `b` goes down: each forgets the other, messages are lost.
    Cut(usize, usize),
    /// The link comes back, and is reconciled.
    Heal(usize, usize),
}

#[derive(Debug)]
struct Net {
    nodes: Vec<Node>,
    links: BTreeSet<(usize, usize)>,
    wire: Vec<Msg>,
    /// How many times each node received each item.
    received: BTreeMap<(usize, ItemId), u32>,
}

impl Net {
    fn new(held: &[Vec<u16>]) -> Net {
        let nodes: Vec<Node> = held
            .iter()
            .map(|ns| Node {
                holds: ns.iter().map(|n| (id(*n), digest(*n, 0))).collect(),
                ..Node::default()
            })
            .collect();
        let n = nodes.len();
        let links = (0..n).flat_map(|a| (a + 1..n).map(move |b| (a, b))).collect();
        Net { nodes, links, wire: Vec::new(), received: BTreeMap::new() }
    }

    fn linked(&self, a: usize, b: usize) -> bool {
        self.links.contains(&(a.min(b), a.max(b)))
    }

    /// `from` offers `to` everything it holds, as a reconciliation or relay would.
    fn offer(&mut self, from: usize, to: usize) {
        let offered: Vec<(ItemId, Digest)> =
            self.nodes[from].holds.iter().map(|(i, d)| (*i, *d)).collect();
        let node = &mut self.nodes[to];
        let holds = &node.holds;
        node.scheduler.want(from, offered, |i, d| holds.get(i) == Some(d));
        self.pump(to, from);
    }

    fn pump(&mut self, node: usize, peer: usize) {
        if !self.linked(node, peer) {
            return;
        }
        let n = &mut self.nodes[node];
        let holds = &n.holds;
        for fetch in n.scheduler.pump(peer, |i, d| holds.get(i) == Some(d)) {
            self.wire.push(Msg::Fetch { from: node, to: peer, fetch: fetch.id, ids: fetch.ids });
        }
    }

    /// `node`'s fetch `fetch` ended with `got`: pump the peers the scheduler names.
    fn settle(&mut self, node: usize, fetch: FetchId, got: &HashSet<ItemId>) {
        for peer in self.nodes[node].scheduler.fetched(fetch, got).unwrap_or_default() {
            self.pump(node, peer);
        }
    }

    fn deliver(&mut self, msg: Msg) {
        match msg {
            Msg::Fetch { from, to, fetch, ids } => {
                let holds = &self.nodes[to].holds;
                let items = ids.iter().filter_map(|i| holds.get(i).map(|d| (*i, *d))).collect();
                self.wire.push(Msg::Items { from: to, to: from, fetch, items });
            }
            Msg::Items { from, to, fetch, items } => {
                let mut got = HashSet::new();
                for (item, d) in items {
                    *self.received.entry((to, item)).or_default() += 1;
                    self.nodes[to].holds.insert(item, d);
                    got.insert(item);
                }
                self.settle(to, fetch, &got);
                // What arrived is relayed to the node's other peers.
                let peers: Vec<usize> = (0..self.nodes.len())
                    .filter(|p| *p != to && *p != from && self.linked(to, *p))
                    .collect();
                for peer in peers {
                    self.offer(to, peer);
                }
            }
        }
    }

    fn step(&mut self, op: Op) {
        let n = self.nodes.len();
        match op {
            Op::Reconcile(a, b) | Op::Heal(a, b) if a % n == b % n => {}
            Op::Reconcile(a, b) => {
                let (a, b) = (a % n, b % n);
                if self.linked(a, b) {
                    self.offer(a, b);
                    self.offer(b, a);
                }
            }
            Op::Deliver(_) | Op::Lose(_) | Op::Duplicate(_) if self.wire.is_empty() => {}
            Op::Duplicate(k) => self.wire.push(self.wire[k % self.wire.len()].clone()),
            Op::Deliver(k) => {
                let msg = self.wire.remove(k % self.wire.len());
                self.deliver(msg);
            }
            Op::Lose(k) => match self.wire.remove(k % self.wire.len()) {
                Msg::Fetch { from: node, fetch, .. } | Msg::Items { to: node, fetch, .. } => {
                    self.settle(node, fetch, &HashSet::new());
                }
            },
            Op::Cut(a, b) => {
                let (a, b) = (a % n, b % n);
                if self.links.remove(&(a.min(b), a.max(b))) {
                    self.wire.retain(|m| m.link() != (a.min(b), a.max(b)));
                    for (node, peer) in [(a, b), (b, a)] {
                        for other in self.nodes[node].scheduler.forget(&peer) {
                            self.pump(node, other);
                        }
                    }
                }
            }
            Op::Heal(a, b) => {
                let (a, b) = (a % n, b % n);
                self.links.insert((a.min(b), a.max(b)));
                self.step(Op::Reconcile(a, b));
            }
        }
        for node in &self.nodes {
            node.scheduler.check();
        }
    }

    /// Heals every link and reconciles and delivers until nothing is under way.
    fn finish(&mut self) {
        let n = self.nodes.len();
        for a in 0..n {
            for b in a + 1..n {
                self.step(Op::Heal(a, b));
            }
        }
        for _ in 0..100_000 {
            if self.wire.is_empty() {
                break;
            }
            self.step(Op::Deliver(0));
        }
        assert!(self.wire.is_empty(), "messages still under way");
    }

    fn all(&self) -> BTreeMap<ItemId, Digest> {
        self.nodes.iter().flat_map(|n| n.holds.iter().map(|(i, d)| (*i, *d))).collect()
    }
}

fn held() -> impl Strategy<Value = Vec<Vec<u16>>> {
    prop::collection::vec(prop::collection::vec(0u16..40, 0..25), 2..6)
}

fn op(lossy: bool) -> impl Strategy<Value = Op> {
    let (k, a, b) = (0usize..64, 0usize..6, 0usize..6);
    let faults = if lossy { 1 } else { 0 };
    prop_oneof![
        3 => (a.clone(), b.clone()).prop_map(|(a, b)| Op::Reconcile(a, b)),
        8 => k.clone().prop_map(Op::Deliver),
        2 * faults => k.clone().prop_map(Op::Lose),
        faults => k.prop_map(Op::Duplicate),
        faults => (a.clone(), b.clone()).prop_map(|(a, b)| Op::Cut(a, b)),
        faults => (a, b).prop_map(|(a, b)| Op::Heal(a, b)),
    ]
}

/// Runs `ops` on nodes holding `held`, then heals and settles everything; fails unless every
/// node holds every item. Returns the network, for what else to check.
fn converged(held: &[Vec<u16>], ops: Vec<Op>) -> Result<Net, TestCaseError> {
    let mut net = Net::new(held);
    let all = net.all();
    for op in ops {
        net.step(op);
    }
    net.finish();
    for (i, node) in net.nodes.iter().enumerate() {
        prop_assert_eq!(&node.holds, &all, "node {} lacks items", i);
    }
    Ok(net)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn nodes_converge_despite_loss_reordering_duplicates_and_cuts(
        held in held(),
        ops in prop::collection::vec(op(true), 0..300),
    ) {
        converged(&held, ops)?;
    }

    #[test]
    fn without_faults_each_item_arrives_once(
        held in held(),
        ops in prop::collection::vec(op(false), 0..300),
    ) {
        let net = converged(&held, ops)?;
        let twice: Vec<_> = net.received.iter().filter(|(_, n)| **n > 1).collect();
        prop_assert!(twice.is_empty(), "received more than once: {:?}", twice);
    }
}
