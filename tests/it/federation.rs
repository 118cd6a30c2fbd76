//! Federations of real nodes on 127.0.0.1 (support in `fed_support`): labels decide who
//! receives what, on every way out (pushes, relays, reconciliation, fetches) and for mirrors;
//! reissues do not leak old history; co-owners' concurrent edits merge; a removed peer gets
//! nothing more; a split federation heals by itself and survives a restart; forged changes and
//! strangers leave no trace; honest nodes never refuse each other; "nothing changed" costs one
//! small round trip; and a random federation ends with each node holding exactly what the
//! policy lets reach it.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use chrono::Utc;
use ed25519_dalek::SigningKey;
use liaison_node::api::{Request, Response};
use liaison_node::daemon::Options;
use liaison_node::{Entry, Record};
use liaison_protocol::sync::{
    ItemPayload, MAX_OFFER, Range, RangeMsg, SyncRequest, SyncResponse, heads_digest,
};
use liaison_protocol::{
    Card, Catalog, Edit, ItemDoc, ItemId, Label, Planned, Reconciler, Role, Site, VisitPatch,
    may_receive,
};
use proptest::prelude::*;

use crate::fed_support::{DEADLINE, Proxy, RawPeer, TestNet, TestNode, eventually, mech, visit};

const MEMBER: Role = Role::Member;
const MIRROR: Role = Role::Mirror;

/// The ids among `among` that node `i` holds now.
async fn held(net: &TestNet, i: usize, among: &[ItemId]) -> BTreeSet<ItemId> {
    net[i].ids().await.into_iter().filter(|id| among.contains(id)).collect()
}

fn set(ids: &[ItemId]) -> BTreeSet<ItemId> {
    ids.iter().copied().collect()
}

/// Waits until every running node of `nodes` holds every item of `ids`, all copies identical;
/// returns the records of one copy.
async fn converged(net: &TestNet, nodes: &[usize], ids: &[ItemId]) -> BTreeMap<ItemId, Record> {
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

/// Rule 1 for each label, members and a mirror: a mesh of two ohchr nodes, achpr, coe, iachr
/// and an NGO mirror, every node in every roster.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_label_reaches_exactly_the_nodes_it_allows() {
    const OHCHR: usize = 0;
    const OHCHR_2: usize = 1;
    const ACHPR: usize = 2;
    const COE: usize = 3;
    const IACHR: usize = 4;
    const NGO: usize = 5;
    let mut net = TestNet::start(&[
        ("ohchr", MEMBER),
        ("ohchr", MEMBER),
        ("achpr", MEMBER),
        ("coe", MEMBER),
        ("iachr", MEMBER),
        ("ngo-watch", MIRROR),
    ])
    .await;
    net.mesh().await;

    let o = &net[OHCHR];
    let clear = o.create(visit("Clear visit", Label::Clear, &[], &[])).await;
    let green = o.create(visit("Green visit", Label::Green, &[], &[])).await;
    let amber = o.create(visit("Amber report for achpr", Label::Amber, &["achpr"], &[])).await;
    let strict = o.create(visit("Amber-strict notes", Label::AmberStrict, &[], &[])).await;
    let red = o.create(visit("Red notes", Label::Red, &[], &[])).await;
    // One item of another owner, for an audience that leaves the owner's own peers out.
    let achpr_amber =
        net[ACHPR].create(visit("ACHPR amber for coe", Label::Amber, &["coe"], &[])).await;
    let all = [clear, green, amber, strict, red, achpr_amber];

    let mut expected: BTreeMap<usize, Vec<ItemId>> = BTreeMap::new();
    expected.insert(OHCHR, vec![clear, green, amber, strict, red]);
    expected.insert(OHCHR_2, vec![clear, green, amber, strict]);
    expected.insert(ACHPR, vec![clear, green, amber, achpr_amber]);
    expected.insert(COE, vec![clear, green, achpr_amber]);
    expected.insert(IACHR, vec![clear, green]);
    expected.insert(NGO, vec![clear]);
    for (&i, ids) in &expected {
        net.holds(i, &all, ids).await;
    }
    // Whatever any node could still send, it has had two full reconciliations to send it.
    net.quiesce().await;
    for (&i, ids) in &expected {
        assert_eq!(held(&net, i, &all).await, set(ids), "{} after quiescence", net[i].name);
    }
    assert_eq!(net.refusals().await, Vec::<String>::new(), "honest nodes refused each other");
}

/// Rule 1 on relays: achpr passes on what it received from ohchr while ohchr is offline, the
/// green visit to everyone, the amber report (audience achpr) to no one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_relay_passes_on_only_what_each_peer_may_receive_while_the_owner_is_offline() {
    const OHCHR: usize = 0;
    const ACHPR: usize = 1;
    const COE: usize = 2;
    const IACHR: usize = 3;
    let mut net =
        TestNet::start(&[("ohchr", MEMBER), ("achpr", MEMBER), ("coe", MEMBER), ("iachr", MEMBER)])
            .await;
    // ohchr talks to achpr only; coe and iachr know ohchr's key (to verify it) but no address.
    net.link(OHCHR, ACHPR).await;
    net.link(COE, IACHR).await;
    net.introduce(COE, OHCHR).await;
    net.introduce(IACHR, OHCHR).await;

    let green = net[OHCHR].create(visit("Green visit", Label::Green, &[], &[])).await;
    let amber =
        net[OHCHR].create(visit("Amber report for achpr", Label::Amber, &["achpr"], &[])).await;
    let both = [green, amber];
    net.holds(ACHPR, &both, &both).await;
    net[OHCHR].stop().await;

    net.link(ACHPR, COE).await;
    net.link(ACHPR, IACHR).await;
    net.holds(COE, &both, &[green]).await;
    net.holds(IACHR, &both, &[green]).await;
    net.quiesce().await;
    assert_eq!(held(&net, COE, &both).await, set(&[green]), "coe after quiescence");
    assert_eq!(held(&net, IACHR, &both).await, set(&[green]), "iachr after quiescence");
    assert_eq!(held(&net, ACHPR, &both).await, set(&both), "achpr lost an item");
    let sent = net[ACHPR].peer_status(net[COE].key()).await.expect("coe in achpr's status");
    assert!(sent.items_sent >= 1, "the green visit reached coe through achpr: {sent:?}");
    assert_eq!(net.refusals().await, Vec::<String>::new(), "honest nodes refused each other");
}

/// A mirror that was offline while clear items changed catches up when it comes back, and the
/// member it syncs with counts nothing against it: an honest mirror is never refused, never
/// disconnected for misbehaving.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mirror_that_missed_updates_catches_up_without_being_refused() {
    const OHCHR: usize = 0;
    const NGO: usize = 1;
    let mut net = TestNet::start(&[("ohchr", MEMBER), ("ngo-watch", MIRROR)]).await;
    net.link(OHCHR, NGO).await;
    let mut ids = Vec::new();
    for i in 0..4 {
        ids.push(
            net[OHCHR].create(visit(&format!("Public visit {i}"), Label::Clear, &[], &[])).await,
        );
    }
    converged(&net, &[OHCHR, NGO], &ids).await;
    net[NGO].stop().await;
    for id in &ids {
        let patch = VisitPatch { title: Some("Dates agreed".into()), ..Default::default() };
        net[OHCHR].request(Request::UpdateVisit { id: *id, patch }).await;
    }
    net[NGO].start().await;
    let records = converged(&net, &[OHCHR, NGO], &ids).await;
    assert!(records.values().all(|r| r.state.fields.title.value == "Dates agreed"));
    net.quiesce().await;
    assert_eq!(net.refusals().await, Vec::<String>::new(), "an honest mirror was refused");
}

/// Two mirrors that know each other, and a member: the mirrors get every clear item and no
/// one counts anything against anyone (mirrors are honest nodes too).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mirrors_that_know_each_other_are_never_refused() {
    let specs = [("ohchr", MEMBER), ("ngo-watch", MIRROR), ("ngo-watch", MIRROR)];
    let mut net = TestNet::start(&specs).await;
    net.mesh().await;
    let mut ids = Vec::new();
    for i in 0..4 {
        ids.push(net[0].create(visit(&format!("Public visit {i}"), Label::Clear, &[], &[])).await);
    }
    converged(&net, &[0, 1, 2], &ids).await;
    net.quiesce().await;
    assert_eq!(net.refusals().await, Vec::<String>::new(), "an honest mirror was refused");
}

/// A node keeps trying a roster peer that drops it (one that removed it from its roster, say),
/// but backs off: the attempts come further and further apart instead of twice a second for
/// ever, each one a handshake and a warning in the other node's log.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_backs_off_from_a_peer_that_keeps_dropping_it() {
    let mut ohchr = TestNode::init("ohchr", "ohchr", MEMBER);
    ohchr.start().await;
    let coe = coe_key();
    let mut raw = RawPeer::new(&coe);
    let mut card = card_of(&coe, "coe");
    card.addrs = vec![raw.listen().await.to_string()];
    ohchr.knows(&card).await;
    let mut attempts = Vec::new();
    for _ in 0..6 {
        attempts.push(raw.drop_next_connection().await);
    }
    let gaps: Vec<Duration> = attempts.windows(2).map(|w| w[1] - w[0]).collect();
    // Doubling from 250 ms gives 0.25 + 0.5 + 1 + 2 + 4 s; allow for much less.
    let total: Duration = gaps.iter().sum();
    assert!(
        total >= Duration::from_secs(3) && gaps[4] >= gaps[0] * 2,
        "no backoff: attempts {gaps:?} apart"
    );
}

/// A peer that connected before the node had it in its roster (as an anonymous mirror, which
/// this node allows) shows as connected once it is added, since it is.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_peer_added_to_the_roster_while_connected_shows_as_connected() {
    let mut ohchr = TestNode::init("ohchr", "ohchr", MEMBER);
    ohchr.start_with(Options { allow_mirrors: true, ..crate::fed_support::options() }).await;
    let mut achpr = TestNode::init("achpr", "achpr", MEMBER);
    achpr.start().await;
    achpr.knows(&ohchr.card).await;
    eventually(DEADLINE, || async {
        match achpr.peer_status(ohchr.key()).await {
            Some(s) if s.connected => Ok(()),
            other => Err(format!("achpr not connected to ohchr: {other:?}")),
        }
    })
    .await;
    ohchr.knows(&achpr.card).await;
    let id = ohchr.create(visit("Green visit", Label::Green, &[], &[])).await;
    eventually(DEADLINE, || async {
        if !achpr.ids().await.contains(&id) {
            return Err("achpr lacks the item".to_owned());
        }
        match ohchr.peer_status(achpr.key()).await {
            Some(s) if s.connected => Ok(()),
            other => Err(format!("ohchr shows achpr as not connected: {other:?}")),
        }
    })
    .await;
}

/// Rule 3: an amber report reissued as clear reaches coe and the mirror as a new item with a
/// fresh history; the old item, with its drafts, never does, and its audience sees it withdrawn.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reissued_item_reaches_the_wider_audience_without_its_old_history() {
    const OHCHR: usize = 0;
    const ACHPR: usize = 1;
    const COE: usize = 2;
    const NGO: usize = 3;
    let mut net = TestNet::start(&[
        ("ohchr", MEMBER),
        ("achpr", MEMBER),
        ("coe", MEMBER),
        ("ngo-watch", MIRROR),
    ])
    .await;
    net.mesh().await;
    let old = net[OHCHR].create(visit("First draft", Label::Amber, &["achpr"], &[])).await;
    let patch = VisitPatch { title: Some("Final statement".into()), ..Default::default() };
    net[OHCHR].request(Request::UpdateVisit { id: old, patch }).await;
    converged(&net, &[OHCHR, ACHPR], &[old]).await;

    let new = match net[OHCHR]
        .request(Request::Reissue { id: old, label: Label::Clear, audience: Vec::new() })
        .await
    {
        Response::Id(id) => id,
        other => panic!("reissue answered {other:?}"),
    };
    let both = [old, new];
    let records = converged(&net, &[OHCHR, ACHPR, COE, NGO], &[new]).await;
    net.holds(ACHPR, &both, &both).await;
    net.quiesce().await;
    for i in [COE, NGO] {
        assert_eq!(held(&net, i, &both).await, set(&[new]), "{} got the old item", net[i].name);
    }
    let fresh = ItemDoc::load(&records[&new].doc).expect("load");
    assert_eq!(fresh.changes().len(), 1, "the reissued item carries a fresh history");
    assert_eq!(records[&new].state.fields.title.value, "Final statement");
    let header = net[COE].entries().await.remove(&new).expect("held").header;
    assert_eq!((header.label, header.supersedes), (Label::Clear, Some(old)));
    let old_copies = converged(&net, &[OHCHR, ACHPR], &[old]).await;
    assert!(old_copies[&old].state.withdrawn, "the old item is withdrawn where it is held");
    assert_eq!(net.refusals().await, Vec::<String>::new(), "honest nodes refused each other");
}

/// Two co-owners edit a joint visit while apart; both edits survive, signed by each.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_edits_by_two_co_owners_merge_and_keep_both_signatures() {
    const OHCHR: usize = 0;
    const ACHPR: usize = 1;
    let mut net = TestNet::start(&[("ohchr", MEMBER), ("achpr", MEMBER)]).await;
    net.link(OHCHR, ACHPR).await;
    let draft = visit("Joint visit", Label::Green, &[], &[]);
    let id = net[OHCHR].create_co_owned(draft, &[&net[ACHPR]]).await;
    net.holds(ACHPR, &[id], &[id]).await;
    net[ACHPR].stop().await;

    let tn = "TN".parse().expect("country");
    let ohchr_edit = VisitPatch {
        title: Some("Joint visit to Tunisia".to_owned()),
        add_sites: vec![Site { country: tn, place: Some("Sfax".to_owned()) }],
        ..VisitPatch::default()
    };
    let response = net[OHCHR].request(Request::UpdateVisit { id, patch: ohchr_edit }).await;
    assert!(matches!(response, Response::Updated(Some(1))), "{response:?}");
    let planned = Planned::parse_coarse("2027-Q3").expect("planned");
    let achpr_edit = VisitPatch {
        planned: Some(planned),
        add_sites: vec![Site { country: tn, place: Some("Gafsa".to_owned()) }],
        ..VisitPatch::default()
    };
    net[ACHPR].offline(|repo| {
        let handled = repo
            .handle(Request::UpdateVisit { id, patch: achpr_edit }, Utc::now())
            .expect("achpr edits offline");
        assert_eq!(handled.changed, vec![id]);
    });
    net[ACHPR].start().await;

    let records = converged(&net, &[OHCHR, ACHPR], &[id]).await;
    let state = &records[&id].state;
    assert_eq!(state.fields.title.value, "Joint visit to Tunisia", "ohchr's edit");
    let v = state.fields.visit.as_ref().expect("a visit");
    assert_eq!(v.planned, Some(planned), "achpr's edit");
    let places: BTreeSet<&str> = v.sites.iter().filter_map(|s| s.place.as_deref()).collect();
    assert_eq!(places, BTreeSet::from(["Sfax", "Gafsa"]), "both sites appended");
    assert_eq!(state.revision, 2, "both edits count");
    for node in [OHCHR, ACHPR] {
        let view = net[node].view(id).await;
        assert!(view.header_verifies);
        assert_eq!(view.history.len(), 3, "creation and two edits: {:?}", view.history);
        assert!(view.history.iter().all(|h| h.verifies), "{:?}", view.history);
        let by: BTreeSet<String> = view
            .history
            .iter()
            .filter_map(|h| h.mechanism.as_ref().map(ToString::to_string))
            .collect();
        assert_eq!(by, BTreeSet::from(["ohchr".to_owned(), "achpr".to_owned()]));
    }
}

/// "Removing a peer disconnects it and stops all replication to it at once", from the node
/// that removed it, although the removed node still has it in its roster and keeps trying.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_peer_removed_from_the_roster_receives_nothing_written_afterwards() {
    const OHCHR: usize = 0;
    const ACHPR: usize = 1;
    const COE: usize = 2;
    let mut net = TestNet::start(&[("ohchr", MEMBER), ("achpr", MEMBER), ("coe", MEMBER)]).await;
    // coe reaches the federation through ohchr only, so nothing can be relayed to it otherwise.
    net.link(OHCHR, ACHPR).await;
    net.link(OHCHR, COE).await;
    let before = net[OHCHR].create(visit("Before the removal", Label::Green, &[], &[])).await;
    net.holds(COE, &[before], &[before]).await;

    let coe_key = net[COE].key();
    net[OHCHR].request(Request::RosterRemove { peer: coe_key.to_string() }).await;
    net.links.remove(&(OHCHR, COE));
    assert!(net[OHCHR].peer_status(coe_key).await.is_none(), "coe still in ohchr's status");
    // Disconnected at once (coe keeps redialling, and is dropped each time).
    eventually(DEADLINE, || async {
        match net[COE].peer_status(net[OHCHR].key()).await {
            Some(s) if !s.connected => Ok(()),
            other => Err(format!("coe still connected to ohchr: {other:?}")),
        }
    })
    .await;

    let after = net[OHCHR].create(visit("After the removal", Label::Green, &[], &[])).await;
    let from_coe = net[COE].create(visit("Written by coe", Label::Green, &[], &[])).await;
    // Replication happened: achpr got the new item.
    net.holds(ACHPR, &[after], &[after]).await;
    net.quiesce().await;
    assert!(!net[COE].ids().await.contains(&after), "coe received an item after its removal");
    assert!(
        !net[OHCHR].ids().await.contains(&from_coe),
        "ohchr took an item from a node it removed"
    );
    let status = net[COE].peer_status(net[OHCHR].key()).await.expect("ohchr in coe's status");
    assert_eq!(status.items_received, 1, "coe received only the item before: {status:?}");
}

/// A network split between {ohchr, achpr} and {coe, iachr}: writes on both sides, a joint
/// visit edited on both; the network comes back and the nodes converge with no one acting.
/// Then every node restarts from its data directory and still holds everything.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_split_federation_converges_when_the_network_heals_and_after_a_restart() {
    const OHCHR: usize = 0;
    const ACHPR: usize = 1;
    const COE: usize = 2;
    const IACHR: usize = 3;
    let left = [OHCHR, ACHPR];
    let right = [COE, IACHR];
    let everyone = [OHCHR, ACHPR, COE, IACHR];
    let mut net =
        TestNet::start(&[("ohchr", MEMBER), ("achpr", MEMBER), ("coe", MEMBER), ("iachr", MEMBER)])
            .await;
    net.link(OHCHR, ACHPR).await;
    net.link(COE, IACHR).await;
    // Across the split, each node is reached through a proxy that can cut the network.
    let mut proxies = Vec::new();
    for i in everyone {
        proxies.push(Proxy::to(&net[i].card.addrs[0]).await);
    }
    for a in left {
        for b in right {
            let mut card_a = net[a].card.clone();
            card_a.addrs = vec![proxies[a].multiaddr()];
            let mut card_b = net[b].card.clone();
            card_b.addrs = vec![proxies[b].multiaddr()];
            net[a].knows(&card_b).await;
            net[b].knows(&card_a).await;
            net.links.insert((a, b));
        }
    }
    let draft = visit("Joint visit", Label::Green, &[], &[]);
    let joint = net[OHCHR].create_co_owned(draft, &[&net[COE]]).await;
    converged(&net, &everyone, &[joint]).await;

    for proxy in &proxies {
        proxy.cut();
    }
    eventually(DEADLINE, || async {
        for a in left {
            for b in right {
                for (x, y) in [(a, b), (b, a)] {
                    if net[x].peer_status(net[y].key()).await.is_none_or(|p| p.connected) {
                        return Err(format!("{} still connected to {}", net[x].name, net[y].name));
                    }
                }
            }
        }
        Ok(())
    })
    .await;

    let g_left = net[OHCHR].create(visit("Written left", Label::Green, &[], &[])).await;
    let g_right = net[COE].create(visit("Written right", Label::Green, &[], &[])).await;
    let title = VisitPatch { title: Some("Joint visit, edited left".into()), ..Default::default() };
    net[OHCHR].request(Request::UpdateVisit { id: joint, patch: title }).await;
    let planned = Planned::parse_coarse("2027-11").expect("planned");
    let dates = VisitPatch { planned: Some(planned), ..Default::default() };
    net[COE].request(Request::UpdateVisit { id: joint, patch: dates }).await;
    let sides = [g_left, g_right];
    net.holds(ACHPR, &sides, &[g_left]).await;
    net.holds(IACHR, &sides, &[g_right]).await;
    converged(&net, &left, &[joint]).await;
    converged(&net, &right, &[joint]).await;
    let apart = (net[OHCHR].entries().await, net[COE].entries().await);
    assert_ne!(apart.0[&joint].record.digest, apart.1[&joint].record.digest, "split is real");

    for proxy in &proxies {
        proxy.heal();
    }
    let records = converged(&net, &everyone, &[joint, g_left, g_right]).await;
    let state = &records[&joint].state;
    assert_eq!(state.fields.title.value, "Joint visit, edited left");
    assert_eq!(state.fields.visit.as_ref().and_then(|v| v.planned), Some(planned));

    for i in everyone {
        net[i].stop().await;
    }
    for i in everyone {
        net[i].start().await;
    }
    let after = net[IACHR].create(visit("After the restart", Label::Green, &[], &[])).await;
    let again = converged(&net, &everyone, &[joint, g_left, g_right, after]).await;
    for id in [joint, g_left, g_right] {
        assert_eq!(again[&id], records[&id], "item {id} changed across the restart");
    }
    assert_eq!(net.refusals().await, Vec::<String>::new(), "honest nodes refused each other");
}

/// Rule 1 on the wire, seen by peers that record every byte they are sent: pushes of local
/// writes, a full reconciliation, and fetches, where a denied item looks exactly like a missing
/// one. A member of coe and a mirror.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_peer_is_sent_only_what_it_may_receive_and_denied_items_look_missing() {
    let mut ohchr = TestNode::init("ohchr", "ohchr", MEMBER);
    ohchr.start().await;
    let (coe, ngo) = (coe_key(), SigningKey::from_bytes(&[8; 32]));
    ohchr.knows(&card_of(&coe, "coe")).await;
    ohchr.knows(&Card { role: MIRROR, ..card_of(&ngo, "ngo-watch") }).await;
    let (target, addr) = RawPeer::addr_of(&ohchr);
    let mut as_coe = RawPeer::new(&coe);
    let mut as_ngo = RawPeer::new(&ngo);
    for raw in [&mut as_coe, &mut as_ngo] {
        let answer = raw.request(target, &addr, SyncRequest::Fetch(Vec::new())).await;
        assert_eq!(answer, Ok(SyncResponse::Items(Vec::new())), "connected");
    }

    let o = &ohchr;
    let clear = o.create(visit("Clear", Label::Clear, &[], &[])).await;
    let green = o.create(visit("Green", Label::Green, &[], &[])).await;
    let for_coe = o.create(visit("Amber for coe", Label::Amber, &["coe"], &[])).await;
    let for_achpr = o.create(visit("Amber for achpr", Label::Amber, &["achpr"], &[])).await;
    let strict = o.create(visit("Amber-strict", Label::AmberStrict, &[], &[])).await;
    let red = o.create(visit("Red", Label::Red, &[], &[])).await;
    let unknown = ItemId::from_bytes([0x42; 16]);
    let cases = [(&mut as_coe, set(&[clear, green, for_coe])), (&mut as_ngo, set(&[clear]))];
    for (raw, allowed) in cases {
        // Local writes are pushed at once...
        raw.until(|sent| moved(sent).is_superset(&allowed)).await;
        // ...and a reconciliation from nothing offers everything allowed.
        raw.received.clear();
        let opening = Reconciler::default().start(&Catalog::new());
        let answer = raw.request(target, &addr, SyncRequest::Reconcile(opening)).await;
        assert!(matches!(answer, Ok(SyncResponse::Reconcile(_))), "{answer:?}");
        raw.until(|sent| moved(sent).is_superset(&allowed)).await;
        assert_eq!(moved(&raw.received), allowed, "sent beyond policy");
        // A fetch of a denied item is answered as one of an item that does not exist.
        let missing = raw.request(target, &addr, SyncRequest::Fetch(vec![unknown])).await;
        assert_eq!(missing, Ok(SyncResponse::Items(Vec::new())));
        for id in [clear, green, for_coe, for_achpr, strict, red] {
            let answer = raw.request(target, &addr, SyncRequest::Fetch(vec![id])).await;
            if allowed.contains(&id) {
                let Ok(SyncResponse::Items(items)) = &answer else { panic!("{answer:?}") };
                assert_eq!(items.len(), 1, "an allowed fetch is served");
            } else {
                assert_eq!(answer, missing, "a denied item must look missing");
            }
        }
    }
}

/// "A local write is pushed at once to connected peers allowed to see it (no polling
/// interval)", and a relay passes on what it received at once too: with periodic
/// reconciliation off, a write on ohchr reaches coe through achpr.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writes_and_relays_are_pushed_at_once_without_waiting_for_reconciliation() {
    let options = Options { reconcile_every: Duration::from_secs(3600), ..Options::default() };
    let specs = [("ohchr", MEMBER), ("achpr", MEMBER), ("coe", MEMBER)];
    let mut net = TestNet::start_with(&specs, options).await;
    net.link(0, 1).await;
    net.link(1, 2).await;
    net.introduce(2, 0).await;
    // Wait for the reconciliation each new connection starts, so what follows is pushed.
    eventually(DEADLINE, || async {
        for (a, b) in [(0, 1), (1, 0), (1, 2), (2, 1)] {
            let status = net[a].peer_status(net[b].key()).await;
            if !status.as_ref().is_some_and(|s| s.connected && s.last_sync.is_some()) {
                return Err(format!("{} not synced with {}: {status:?}", net[a].name, net[b].name));
            }
        }
        Ok(())
    })
    .await;
    let id = net[0].create(visit("Pushed at once", Label::Green, &[], &[])).await;
    net.holds(1, &[id], &[id]).await;
    net.holds(2, &[id], &[id]).await;
}

/// A test peer with coe's key, in the target's roster as a coe member.
fn coe_key() -> SigningKey {
    SigningKey::from_bytes(&[7; 32])
}

fn card_of(key: &SigningKey, mechanism: &str) -> Card {
    Card {
        mechanism: mech(mechanism),
        name: None,
        role: MEMBER,
        key: (&key.verifying_key()).into(),
        addrs: Vec::new(),
    }
}

/// The payload of `entry` with one more change to its title, made and signed with `key`.
fn with_change(entry: &Entry, key: &SigningKey, title: &str) -> ItemPayload {
    let mut doc = ItemDoc::load(&entry.record.doc).expect("load");
    let mut fields = entry.record.state.fields.clone();
    fields.title.value = title.to_owned();
    let edit = Edit { fields: Some(&fields), withdraw: false, now: Utc::now(), session: [3; 8] };
    let sig = doc.write(key, entry.header.id, edit).expect("write").expect("a change");
    let mut sigs = entry.record.sigs.clone();
    sigs.push(sig);
    ItemPayload { header: entry.record.header.clone(), doc: doc.save(), sigs }
}

fn records(entries: &BTreeMap<ItemId, Entry>) -> BTreeMap<ItemId, Record> {
    entries.iter().map(|(id, e)| (*id, e.record.clone())).collect()
}

/// A green visit written on `node` (stopped), as it travels, with its id and heads digest.
fn green_visit_of(node: &TestNode, title: &str) -> (ItemPayload, ItemId, [u8; 32]) {
    let payload = node.offline(|repo| {
        let id = repo.create(visit(title, Label::Green, &[], &[]), Utc::now());
        repo.payload(id.expect("create")).expect("payload").expect("stored")
    });
    let id = payload.header.verify().expect("header").id;
    let digest = heads_digest(&ItemDoc::load(&payload.doc).expect("doc").heads());
    (payload, id, digest)
}

/// Rules 2 and 5 on the wire: a change by a mechanism that may not write the item, and changes
/// whose signature is not their signer's, are refused before they touch the store, and
/// counted against the peer; a node outside the roster gets nothing stored at all.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forged_changes_and_strangers_are_refused_and_leave_no_trace() {
    let mut ohchr = TestNode::init("ohchr", "ohchr", MEMBER);
    let achpr = TestNode::init("achpr", "achpr", MEMBER);
    let (genuine, genuine_id, _) = green_visit_of(&achpr, "ACHPR green visit");
    ohchr.start().await;
    ohchr.knows(&achpr.card).await;
    let coe = coe_key();
    ohchr.knows(&card_of(&coe, "coe")).await;
    let own = ohchr.create(visit("ohchr's own visit", Label::Green, &[], &[])).await;
    let draft = visit("Joint with coe", Label::Green, &[], &[]);
    let joint = ohchr.create_consented(draft, &[(coe.clone(), mech("coe"))]).await;
    let (target, addr) = RawPeer::addr_of(&ohchr);

    // A stranger: refused whole, nothing stored, though the item itself is genuine.
    let stranger = SigningKey::from_bytes(&[9; 32]);
    let mut raw = RawPeer::new(&stranger);
    let answer = raw.request(target, &addr, SyncRequest::Push(vec![genuine.clone()])).await;
    assert!(
        !matches!(answer, Ok(SyncResponse::Ack { accepted, .. }) if accepted > 0),
        "a stranger's push was accepted: {answer:?}"
    );
    assert!(!ohchr.ids().await.contains(&genuine_id), "a stranger's push was stored");
    drop(raw);

    // The same push from a roster member is taken: the refusal above was the stranger's.
    let mut raw = RawPeer::new(&coe);
    let answer = raw.request(target, &addr, SyncRequest::Push(vec![genuine])).await;
    assert_eq!(answer, Ok(SyncResponse::Ack { accepted: 1, refused: Vec::new() }));
    assert!(ohchr.ids().await.contains(&genuine_id));

    let entries = ohchr.entries().await;
    let before = records(&entries);
    let forged_push = |payload: ItemPayload| SyncRequest::Push(vec![payload]);
    // (a) coe may not write ohchr's own item, however well it signs.
    let not_writer = with_change(&entries[&own], &coe, "Taken over by coe");
    // (b) coe may write the joint item, but this signature is another key's over the same
    // change; and (c) the same change claiming the owner's key as its signer.
    let coe_change = with_change(&entries[&joint], &coe, "Edited by coe");
    let mut bad_sig = coe_change.clone();
    let last = bad_sig.sigs.last_mut().expect("the coe change");
    last.signature = liaison_protocol::change::sign(&stranger, joint, last.hash).signature;
    let mut wrong_signer = coe_change.clone();
    let last = wrong_signer.sigs.last_mut().expect("the coe change");
    last.signer = ohchr.key();
    for (what, payload, id, needle) in [
        ("a change by a mechanism that may not write", not_writer, own, "may not write"),
        ("a signature by another key", bad_sig, joint, "bad signature"),
        ("a change claiming another signer", wrong_signer, joint, "bad signature"),
    ] {
        let answer = raw.request(target, &addr, forged_push(payload)).await;
        match &answer {
            Ok(SyncResponse::Ack { refused, .. }) => {
                assert_eq!(refused.len(), 1, "{what}: {answer:?}");
                assert_eq!(refused[0].0, id, "{what}: {answer:?}");
                assert!(refused[0].1.contains(needle), "{what}: {answer:?}");
            }
            other => panic!("{what}: expected an Ack refusing the item, got {other:?}"),
        }
        assert_eq!(records(&ohchr.entries().await), before, "{what} changed the store");
    }
    let status = ohchr.peer_status((&coe.verifying_key()).into()).await.expect("coe in status");
    assert_eq!(status.refused, 3, "{status:?}");
    assert!(status.last_refusal.as_deref().is_some_and(|r| r.contains("bad signature")));

    // The genuine coe change to the joint item is taken, and shows as coe's.
    let answer = raw.request(target, &addr, forged_push(coe_change)).await;
    assert_eq!(answer, Ok(SyncResponse::Ack { accepted: 1, refused: Vec::new() }));
    let view = ohchr.view(joint).await;
    assert_eq!(view.entry.record.state.fields.title.value, "Edited by coe");
    assert!(view.history.iter().all(|h| h.verifies), "{:?}", view.history);
    assert!(view.history.iter().any(|h| h.mechanism == Some(mech("coe"))));

    // A peer that keeps sending forgeries is disconnected ("a misbehaving peer is disconnected"):
    // the fourth refusal on one connection drops it.
    let entries = ohchr.entries().await;
    let forged = with_change(&entries[&own], &coe, "Taken over again");
    let _ = raw.request(target, &addr, forged_push(forged)).await;
    eventually(DEADLINE, || async {
        match ohchr.peer_status((&coe.verifying_key()).into()).await {
            Some(s) if !s.connected && s.refused == 4 => Ok(()),
            other => Err(format!("coe not disconnected after 4 refusals: {other:?}")),
        }
    })
    .await;
    assert_eq!(records(&ohchr.entries().await), records(&entries), "a forgery was stored");
}

/// An offer makes a node fetch what it lacks in the state offered, and nothing it holds; what
/// comes back is verified like a push. Offers past the size limit, and offers from a mirror to a
/// member, are refused and counted.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_offer_is_fetched_only_where_it_brings_something_new() {
    let mut ohchr = TestNode::init("ohchr", "ohchr", MEMBER);
    let achpr = TestNode::init("achpr", "achpr", MEMBER);
    let (genuine, genuine_id, genuine_digest) = green_visit_of(&achpr, "ACHPR visit, relayed");
    ohchr.start().await;
    ohchr.knows(&achpr.card).await;
    let coe = coe_key();
    ohchr.knows(&card_of(&coe, "coe")).await;
    let ngo = SigningKey::from_bytes(&[8; 32]);
    ohchr.knows(&Card { role: MIRROR, ..card_of(&ngo, "ngo-watch") }).await;
    let own = ohchr.create(visit("ohchr's own visit", Label::Green, &[], &[])).await;
    let own_digest: [u8; 32] =
        ohchr.entries().await[&own].record.digest.as_slice().try_into().expect("32 bytes");
    let (target, addr) = RawPeer::addr_of(&ohchr);

    let mut raw = RawPeer::new(&coe);
    raw.serves = vec![genuine.clone()];
    let offer = SyncRequest::Offer(vec![(own, own_digest), (genuine_id, genuine_digest)]);
    let answer = raw.request(target, &addr, offer).await;
    assert_eq!(answer, Ok(SyncResponse::Ack { accepted: 1, refused: Vec::new() }));
    raw.until(|sent| sent.iter().any(|r| matches!(r, SyncRequest::Fetch(_)))).await;
    // Keep the link polled (the answer to the fetch goes out meanwhile) until it is stored.
    for _ in 0..1000 {
        if ohchr.ids().await.contains(&genuine_id) {
            break;
        }
        let _ = raw.request(target, &addr, SyncRequest::Fetch(Vec::new())).await;
    }
    assert!(ohchr.ids().await.contains(&genuine_id), "the offered item was not stored");
    let asked: Vec<&Vec<ItemId>> = raw
        .received
        .iter()
        .filter_map(|r| match r {
            SyncRequest::Fetch(ids) => Some(ids),
            _ => None,
        })
        .collect();
    assert_eq!(asked, vec![&vec![genuine_id]], "fetched only what it lacked");

    // Offered again in the state it now holds: nothing to fetch.
    let again = SyncRequest::Offer(vec![(genuine_id, genuine_digest)]);
    let answer = raw.request(target, &addr, again).await;
    assert_eq!(answer, Ok(SyncResponse::Ack { accepted: 0, refused: Vec::new() }));

    let too_many = (0..=MAX_OFFER as u32)
        .map(|n| {
            let mut id = [0; 16];
            id[..4].copy_from_slice(&n.to_be_bytes());
            (ItemId::from_bytes(id), [1; 32])
        })
        .collect();
    let answer = raw.request(target, &addr, SyncRequest::Offer(too_many)).await;
    assert!(
        matches!(&answer, Ok(SyncResponse::Refused(why)) if why.contains("per offer")),
        "{answer:?}"
    );

    let mut mirror = RawPeer::new(&ngo);
    let from_mirror = SyncRequest::Offer(vec![(ItemId::from_bytes([0x51; 16]), [2; 32])]);
    let answer = mirror.request(target, &addr, from_mirror).await;
    assert!(
        matches!(&answer, Ok(SyncResponse::Refused(why)) if why.contains("mirror")),
        "{answer:?}"
    );
    let status = ohchr.peer_status((&ngo.verifying_key()).into()).await.expect("in status");
    assert_eq!(status.refused, 1, "{status:?}");
    assert!(
        !mirror.received.iter().any(|r| matches!(r, SyncRequest::Fetch(_))),
        "a member fetched from a mirror"
    );
}

/// An item offered by two peers is fetched from one; when that one does not deliver it, from
/// the other.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_item_the_first_peer_does_not_deliver_is_fetched_from_another_that_offered_it() {
    let mut ohchr = TestNode::init("ohchr", "ohchr", MEMBER);
    let achpr = TestNode::init("achpr", "achpr", MEMBER);
    let (item, id, digest) = green_visit_of(&achpr, "Offered twice");
    ohchr.start().await;
    ohchr.knows(&achpr.card).await;
    let (coe, iachr) = (coe_key(), SigningKey::from_bytes(&[10; 32]));
    ohchr.knows(&card_of(&coe, "coe")).await;
    ohchr.knows(&card_of(&iachr, "iachr")).await;
    let (target, addr) = RawPeer::addr_of(&ohchr);
    let fetched = |sent: &[SyncRequest]| {
        sent.iter().any(|r| matches!(r, SyncRequest::Fetch(ids) if ids.contains(&id)))
    };

    // coe offers first and is asked, but answers without the item; iachr offered it too.
    let mut first = RawPeer::new(&coe);
    let mut second = RawPeer::new(&iachr);
    second.serves = vec![item];
    let offer = || SyncRequest::Offer(vec![(id, digest)]);
    let answer = first.request(target, &addr, offer()).await;
    assert_eq!(answer, Ok(SyncResponse::Ack { accepted: 1, refused: Vec::new() }));
    let answer = second.request(target, &addr, offer()).await;
    assert_eq!(answer, Ok(SyncResponse::Ack { accepted: 1, refused: Vec::new() }));
    first.until(fetched).await;
    // Keep both links polled until the item is stored.
    for _ in 0..1000 {
        if ohchr.ids().await.contains(&id) {
            break;
        }
        let _ = first.request(target, &addr, SyncRequest::Fetch(Vec::new())).await;
        let _ = second.request(target, &addr, SyncRequest::Fetch(Vec::new())).await;
    }
    assert!(ohchr.ids().await.contains(&id), "not fetched from the second peer");
    assert!(fetched(&second.received));
}

/// "Nothing changed" is one round trip with one small answer, whatever the number of items,
/// and one changed item among many costs a few round trips and moves that item only. The
/// fingerprints cover exactly the items the peer may receive (rule 1 on catalogues).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reconciliation_of_an_unchanged_catalogue_is_one_small_round_trip() {
    let mut ohchr = TestNode::init("ohchr", "ohchr", MEMBER);
    let coe = coe_key();
    ohchr.offline(|repo| {
        repo.add_peer(card_of(&coe, "coe")).expect("roster");
        let mut drafts: Vec<_> =
            (0..300).map(|i| visit(&format!("Visit {i}"), Label::Green, &[], &[])).collect();
        for i in 0..20 {
            drafts.push(visit(&format!("Strict {i}"), Label::AmberStrict, &[], &[]));
            drafts.push(visit(&format!("For achpr {i}"), Label::Amber, &["achpr"], &[]));
        }
        repo.create_all(drafts, Utc::now()).expect("create");
    });
    ohchr.start().await;
    let coe_peer = card_of(&coe, "coe").peer();
    let mut catalog: Catalog = ohchr
        .entries()
        .await
        .values()
        .filter(|e| may_receive(&e.header, &coe_peer))
        .map(|e| (e.header.id, e.record.digest.as_slice().try_into().expect("32 bytes")))
        .collect();
    assert_eq!(catalog.len(), 300);
    let (target, addr) = RawPeer::addr_of(&ohchr);
    let mut raw = RawPeer::new(&coe);
    let reconciler = Reconciler::default();

    let opening = SyncRequest::Reconcile(reconciler.start(&catalog));
    let answer = raw.request(target, &addr, opening).await.expect("answer");
    let SyncResponse::Reconcile(reply) = &answer else {
        panic!("expected a reconcile answer, got {answer:?}");
    };
    assert!(matches!(reply.ranges.as_slice(), [RangeMsg::Done { .. }]), "{reply:?}");
    assert!(answer.encode().len() < 100, "{} bytes", answer.encode().len());

    // One item changed on our side: a few round trips, and only that item moves.
    let changed = catalog.entries(&Range::all())[150].0;
    catalog.insert(changed, [0; 32]);
    let mut message = reconciler.start(&catalog);
    let mut round_trips = 0;
    let mut ours = BTreeSet::new();
    loop {
        round_trips += 1;
        let answer = raw.request(target, &addr, SyncRequest::Reconcile(message)).await;
        let Ok(SyncResponse::Reconcile(reply)) = answer else {
            panic!("expected a reconcile answer, got {answer:?}");
        };
        if reply.ranges.is_empty() {
            break;
        }
        let step = reconciler.respond(&catalog, &reply).expect("a valid reply");
        ours.extend(step.send.iter().copied().chain(step.fetch.iter().map(|(id, _)| *id)));
        match step.reply {
            Some(next) => message = next,
            None => break,
        }
    }
    assert!(round_trips <= 3, "{round_trips} round trips for one changed item");
    // Whichever side settles the changed item's range fetches the other's copy (and would
    // offer its merge back): when it is not ours, the node asks for it.
    if !ours.contains(&changed) {
        raw.until(|sent| moved(sent).contains(&changed)).await;
    }
    let all: BTreeSet<ItemId> = ours.iter().chain(&moved(&raw.received)).copied().collect();
    assert_eq!(all, BTreeSet::from([changed]), "only the changed item moves");
}

/// The ids of the items `sent` pushes, offers or asks for.
fn moved(sent: &[SyncRequest]) -> BTreeSet<ItemId> {
    let mut moved = BTreeSet::new();
    for request in sent {
        match request {
            SyncRequest::Push(items) => {
                moved.extend(items.iter().map(|p| p.header.verify().expect("header").id));
            }
            SyncRequest::Fetch(ids) => moved.extend(ids.iter().copied()),
            SyncRequest::Offer(offered) => moved.extend(offered.iter().map(|(id, _)| *id)),
            SyncRequest::Reconcile(_) => {}
        }
    }
    moved
}

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
