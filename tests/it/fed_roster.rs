//! The roster decides who a node talks to: backoff from a peer that keeps dropping it, a peer
//! added while connected, a peer removed that receives nothing more.

use std::time::Duration;

use liaison_node::api::Request;
use liaison_node::daemon::Options;
use liaison_protocol::Label;

use crate::fed_support::*;
use crate::wire_support::*;

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
