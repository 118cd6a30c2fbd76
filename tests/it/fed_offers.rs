//! Offers and fetches: an item is fetched only where it brings something new, from another
//! peer when the first does not deliver, and "nothing changed" is one small round trip.

use std::collections::BTreeSet;

use chrono::Utc;
use ed25519_dalek::SigningKey;
use liaison_protocol::sync::{MAX_OFFER, Range, RangeMsg, SyncRequest, SyncResponse};
use liaison_protocol::{Card, Catalog, ItemId, Label, Reconciler, may_receive};

use crate::fed_support::*;
use crate::wire_support::*;

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
