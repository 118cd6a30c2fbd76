//! A peer that moved is found again: a node keeps the addresses a roster peer announces, across
//! its own restarts, and dials the peer there.

use liaison_node::api::{Request, Response};
use liaison_protocol::{Card, Label, PublicKey};

use crate::fed_support::*;

/// The card `node` (running) holds for `key`.
async fn card_on(node: &TestNode, key: PublicKey) -> Option<Card> {
    match node.request(Request::RosterList).await {
        Response::Cards(cards) => cards.into_iter().find(|c| c.key == key),
        other => panic!("roster list answered {other:?}"),
    }
}

/// Waits until the card `node` holds for `key` has `addrs`' first address first.
async fn learns(node: &TestNode, key: PublicKey, addrs: &[String]) {
    eventually(DEADLINE, || async {
        match card_on(node, key).await {
            Some(c) if c.addrs.first() == addrs.first() => Ok(()),
            other => Err(format!("{} holds the card {other:?}, not at {addrs:?}", node.name)),
        }
    })
    .await;
}

/// Waits until `node` is connected to the node with `key`.
async fn connected(node: &TestNode, key: PublicKey, what: &str) {
    eventually(DEADLINE, || async {
        match node.peer_status(key).await {
            Some(s) if s.connected => Ok(()),
            other => Err(format!("{what}: {other:?}")),
        }
    })
    .await;
}

/// achpr restarts on a new port and dials ohchr, which learns the new port from what achpr
/// announces. Then ohchr restarts on a new port too: achpr only knows ohchr's old port, so the
/// two meet again only if ohchr, restarted, dials achpr at the port it learned and kept.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_peer_restarted_on_a_new_port_is_dialled_there() {
    const OHCHR: usize = 0;
    const ACHPR: usize = 1;
    let mut net = TestNet::start(&[("ohchr", MEMBER), ("achpr", MEMBER)]).await;
    net.link(OHCHR, ACHPR).await;
    connected(&net[OHCHR], net[ACHPR].key(), "ohchr not connected to achpr").await;
    let achpr_key = net[ACHPR].key();
    let ohchr_key = net[OHCHR].key();

    let old_achpr = net[ACHPR].card.addrs.clone();
    net[ACHPR].stop().await;
    net[ACHPR].card.addrs = vec!["/ip4/127.0.0.1/tcp/0".to_owned()];
    net[ACHPR].start().await;
    let new_achpr = net[ACHPR].card.addrs.clone();
    assert_ne!(old_achpr, new_achpr, "achpr came back on the same port");
    learns(&net[OHCHR], achpr_key, &new_achpr).await;

    net[OHCHR].stop().await;
    net[OHCHR].card.addrs = vec!["/ip4/127.0.0.1/tcp/0".to_owned()];
    net[OHCHR].start().await;
    let card = card_on(&net[OHCHR], achpr_key).await.expect("achpr in ohchr's roster");
    assert_eq!(card.addrs.first(), new_achpr.first(), "the learned address was not kept");
    connected(&net[OHCHR], achpr_key, "ohchr did not dial achpr at its new port").await;
    let id = net[ACHPR].create(visit("After both moved", Label::Green, &[], &[])).await;
    net.holds(OHCHR, &[id], &[id]).await;
    // achpr learns ohchr's new port in turn, from the connection ohchr made.
    learns(&net[ACHPR], ohchr_key, &net[OHCHR].card.addrs).await;
}
