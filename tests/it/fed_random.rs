//! Random federations (proptest): members and mirrors of three mechanisms, random links and
//! writes under every label; each node ends holding exactly what the policy lets reach it.

use std::collections::{BTreeMap, BTreeSet};

use liaison_node::Entry;
use liaison_node::api::Request;
use liaison_protocol::{ItemId, Label, Role, VisitPatch, may_receive};
use proptest::prelude::*;

use crate::fed_support::*;

/// The mechanisms of the random federations.
const CODES: [&str; 3] = ["ohchr", "achpr", "coe"];

/// One write in a random federation: a new item, or an edit of an earlier one.
#[derive(Debug, Clone)]
struct Write {
    node: usize,
    label: Label,
    /// Bits over [`CODES`]; at least one is set (amber needs an audience).
    audience: u8,
    co_owners: u8,
    /// Edit (or, one time in four, withdraw) the n-th item written so far (modulo) instead of
    /// writing a new one.
    edit: Option<usize>,
}

#[derive(Debug, Clone)]
struct Federation {
    /// Each node's mechanism (index in [`CODES`]) and whether it is a mirror.
    nodes: Vec<(usize, bool)>,
    /// Links: a random tree over the members, so that they are connected without relying on
    /// a mirror to pass anything on; each mirror linked to a member; plus a few more links.
    links: BTreeSet<(usize, usize)>,
    writes: Vec<Write>,
}

fn federation() -> impl Strategy<Value = Federation> {
    (3usize..=5).prop_flat_map(|n| {
        let write = (
            any::<usize>(),
            prop::sample::select(Label::ALL.to_vec()),
            1u8..8,
            0u8..8,
            prop::option::weighted(0.3, any::<usize>()),
        )
            .prop_map(|(node, label, audience, co_owners, edit)| Write {
                node,
                label,
                audience,
                co_owners,
                edit,
            });
        (
            prop::collection::vec((0..CODES.len(), prop::bool::weighted(0.2)), n),
            prop::collection::vec(any::<usize>(), n),
            prop::collection::vec((0..n, 0..n), 0..3),
            prop::collection::vec(write, 3..8),
        )
            .prop_map(move |(mut nodes, parents, extra, writes)| {
                nodes[0].1 = false; // someone writes
                let members: Vec<usize> = (0..n).filter(|i| !nodes[*i].1).collect();
                let mut links = BTreeSet::new();
                for (k, &node) in members.iter().enumerate().skip(1) {
                    links.insert((members[parents[k] % k], node));
                }
                for mirror in (0..n).filter(|i| nodes[*i].1) {
                    let member = members[parents[mirror] % members.len()];
                    links.insert((member.min(mirror), member.max(mirror)));
                }
                links.extend(extra.into_iter().filter(|(a, b)| a < b));
                Federation { nodes, links, writes }
            })
    })
}

fn codes(bits: u8, except: Option<&str>) -> Vec<&'static str> {
    CODES
        .iter()
        .enumerate()
        .filter(|(i, c)| bits & (1 << i) != 0 && Some(**c) != except)
        .map(|(_, c)| *c)
        .collect()
}

/// The nodes an item reaches: from its creator along links, through nodes that may hold it;
/// a mirror holds what it may but passes nothing on (members being connected among themselves,
/// a mirror passing clear items on would change nothing).
fn reach(
    net: &TestNet,
    links: &BTreeSet<(usize, usize)>,
    creator: usize,
    item: &Entry,
) -> Vec<bool> {
    let mut holds = vec![false; net.nodes.len()];
    holds[creator] = true;
    let mut queue = vec![creator];
    while let Some(from) = queue.pop() {
        if net[from].peer().role == Role::Mirror {
            continue;
        }
        for &(a, b) in links {
            let to = if a == from {
                b
            } else if b == from {
                a
            } else {
                continue;
            };
            if !holds[to] && may_receive(&item.header, &net[to].peer()) {
                holds[to] = true;
                queue.push(to);
            }
        }
    }
    holds
}

async fn run_federation(f: Federation) {
    let specs: Vec<(&str, Role)> = f
        .nodes
        .iter()
        .map(|(code, mirror)| if *mirror { ("ngo-watch", MIRROR) } else { (CODES[*code], MEMBER) })
        .collect();
    let mut net = TestNet::start(&specs).await;
    // Everyone knows every key (to verify signatures); only linked nodes know addresses.
    for a in 0..net.nodes.len() {
        for b in 0..net.nodes.len() {
            if a != b && !f.links.contains(&(a.min(b), a.max(b))) {
                net.introduce(a, b).await;
            }
        }
    }
    for &(a, b) in &f.links {
        net.link(a, b).await;
    }
    let members: Vec<usize> = (0..net.nodes.len()).filter(|i| !f.nodes[*i].1).collect();
    // Each item: its creator's entry and the nodes it must reach.
    let mut items: Vec<(ItemId, Entry, Vec<bool>)> = Vec::new();
    for (k, w) in f.writes.iter().enumerate() {
        match (w.edit, items.is_empty()) {
            (Some(n), false) => {
                let (id, entry, holders) = items[n % items.len()].clone();
                let header = &entry.header;
                let writers: Vec<usize> = members
                    .iter()
                    .copied()
                    .filter(|i| holders[*i] && liaison_protocol::may_write(header, &net[*i].peer()))
                    .collect();
                let writer = writers[w.node % writers.len()];
                net.holds(writer, &[id], &[id]).await;
                let request = if n / 7 % 4 == 0 {
                    Request::Withdraw { id }
                } else {
                    let patch =
                        VisitPatch { title: Some(format!("Edit {k}")), ..Default::default() };
                    Request::UpdateVisit { id, patch }
                };
                // An edit of an item the writer already knows is withdrawn is refused.
                if let Err(e) = net[writer].try_request(request).await {
                    assert!(e.contains("withdrawn"), "{}: {e}", net[writer].name);
                }
            }
            _ => {
                let creator = members[w.node % members.len()];
                let owner = CODES[f.nodes[creator].0];
                let audience =
                    if w.label == Label::Amber { codes(w.audience, None) } else { vec![] };
                let co_owners =
                    if w.label == Label::Red { vec![] } else { codes(w.co_owners, Some(owner)) };
                // Each co-owner with a member node here consents through its first one.
                let consenting: Vec<&TestNode> = co_owners
                    .iter()
                    .filter_map(|c| members.iter().find(|&&i| CODES[f.nodes[i].0] == *c))
                    .map(|&i| &net[i])
                    .collect();
                let draft = visit(&format!("Item {k}"), w.label, &audience, &[]);
                let id = net[creator].create_co_owned(draft, &consenting).await;
                let entry = net[creator].entries().await.remove(&id).expect("created");
                let holders = reach(&net, &f.links, creator, &entry);
                items.push((id, entry, holders));
            }
        }
    }
    let all: Vec<ItemId> = items.iter().map(|(id, ..)| *id).collect();
    let expected = |i: usize| -> BTreeSet<ItemId> {
        items.iter().filter(|(_, _, holders)| holders[i]).map(|(id, ..)| *id).collect()
    };
    let check = || async {
        let mut copies: BTreeMap<ItemId, (Vec<u8>, String)> = BTreeMap::new();
        for i in 0..net.nodes.len() {
            let entries = net[i].entries().await;
            let held: BTreeSet<ItemId> = entries.keys().copied().collect();
            if held != expected(i) {
                return Err(format!("{} holds {held:?}, expected {:?}", net[i].name, expected(i)));
            }
            for (id, e) in entries {
                let copy = (e.record.digest.clone(), format!("{:?}", e.record.state));
                if let Some(other) = copies.get(&id)
                    && *other != copy
                {
                    return Err(format!("{} holds another copy of {id}", net[i].name));
                }
                copies.insert(id, copy);
            }
        }
        Ok(())
    };
    eventually(DEADLINE, check).await;
    net.quiesce().await;
    check().await.unwrap_or_else(|e| panic!("after quiescence: {e} (items {all:?})"));
    assert_eq!(net.refusals().await, Vec::<String>::new(), "honest nodes refused each other");
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 6,
        max_shrink_iters: 4,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]
    /// After quiescence, every node of a random federation holds exactly what the policy lets
    /// reach it (its own items, and what may travel to it along links), every copy identical.
    #[test]
    fn every_node_holds_exactly_what_its_policy_allows(f in federation()) {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime");
        runtime.block_on(run_federation(f));
    }
}
