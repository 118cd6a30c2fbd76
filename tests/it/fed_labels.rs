//! Rule 1 between nodes: each label reaches exactly the nodes it allows, through pushes,
//! relays, reconciliation and fetches; denied items look missing; a reissued item reaches the
//! wider audience without its old history.

use std::collections::BTreeMap;

use ed25519_dalek::SigningKey;
use liaison_node::api::{Request, Response};
use liaison_protocol::sync::{SyncRequest, SyncResponse};
use liaison_protocol::{Card, Catalog, ItemDoc, ItemId, Label, Reconciler, VisitPatch};

use crate::fed_support::*;
use crate::wire_support::*;

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
