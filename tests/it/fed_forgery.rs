//! Rules 2 and 5 on the wire: forged changes and strangers are refused and leave no trace, also
//! one in the middle of a batch of genuine items.

use chrono::Utc;
use ed25519_dalek::SigningKey;
use liaison_protocol::sync::{ItemPayload, SyncRequest, SyncResponse};
use liaison_protocol::{ItemId, Label};

use crate::fed_support::*;
use crate::wire_support::*;

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

/// A push of many items is verified in batches, on several threads: one forged change in the
/// middle refuses that item alone; every other item is stored, the forged one is not.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forged_item_in_the_middle_of_a_batch_is_the_only_one_refused() {
    let mut ohchr = TestNode::init("ohchr", "ohchr", MEMBER);
    let achpr = TestNode::init("achpr", "achpr", MEMBER);
    let mut items: Vec<ItemPayload> = achpr.offline(|repo| {
        let drafts = (0..48).map(|n| visit(&format!("ACHPR visit {n}"), Label::Green, &[], &[]));
        let ids = repo.create_all(drafts.collect(), Utc::now()).expect("create");
        ids.into_iter().map(|id| repo.payload(id).expect("payload").expect("stored")).collect()
    });
    let ids: Vec<ItemId> = items.iter().map(|p| p.header.verify().expect("header").id).collect();
    let middle = items.len() / 2;
    let stranger = SigningKey::from_bytes(&[9; 32]);
    let change = items[middle].sigs.last_mut().expect("a change");
    change.signature =
        liaison_protocol::change::sign(&stranger, ids[middle], change.hash).signature;
    ohchr.start().await;
    ohchr.knows(&achpr.card).await;
    let coe = coe_key();
    ohchr.knows(&card_of(&coe, "coe")).await;
    let (target, addr) = RawPeer::addr_of(&ohchr);
    let mut raw = RawPeer::new(&coe);
    let answer = raw.request(target, &addr, SyncRequest::Push(items)).await;
    match &answer {
        Ok(SyncResponse::Ack { accepted, refused }) => {
            assert_eq!(*accepted as usize, ids.len() - 1, "{answer:?}");
            assert_eq!(refused.len(), 1, "{answer:?}");
            assert_eq!(refused[0].0, ids[middle], "{answer:?}");
            assert!(refused[0].1.contains("bad signature"), "{answer:?}");
        }
        other => panic!("expected an Ack refusing one item, got {other:?}"),
    }
    let held = ohchr.ids().await;
    for (n, id) in ids.iter().enumerate() {
        assert_eq!(held.contains(id), n != middle, "item {n} of the push");
    }
}
