//! Mirrors that were away catch up: what a member withdrew, updated or published (and what it
//! relayed from another member) while its mirrors were stopped reaches each of them once they
//! restart, whether the mirror is in the member's roster, anonymous, or follows another mirror,
//! and each serves it on its public API. The member still takes nothing from its mirrors.

use std::net::SocketAddr;
use std::time::Duration;

use liaison_node::api::Request;
use liaison_node::daemon::Options;
use liaison_protocol::{Label, Role, VisitPatch};

use crate::fed_support::{DEADLINE, TestNode, eventually, options, visit};
use crate::site_support::get;

/// So long that no node reconciles on its timer during the test: only the session each new
/// link starts can bring a restarted mirror up to date, which is within its first interval.
const NEVER: Duration = Duration::from_secs(3600);

/// The public site's address of a running node.
fn site(node: &TestNode) -> SocketAddr {
    node.running.as_ref().and_then(|r| r.http).expect("a node serving the site")
}

/// Waits until `path` on `node`'s site answers `status` and, for 200, a body containing `text`.
async fn serves(node: &TestNode, path: &str, status: u16, text: &str) {
    eventually(DEADLINE, || async {
        let answer = get(site(node), path).await;
        if answer.status == status && (status != 200 || answer.body.contains(text)) {
            Ok(())
        } else {
            Err(format!("{} {path}: {} {}", node.name, answer.status, answer.body))
        }
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stopped_mirrors_catch_up_with_withdrawals_updates_and_new_items() {
    let slow = Options { reconcile_every: NEVER, ..options() };
    let mirror_options = Options { http: Some("127.0.0.1:0".into()), ..slow.clone() };
    let mut ohchr = TestNode::init("ohchr", "ohchr", Role::Member);
    ohchr.start_with(Options { allow_mirrors: true, ..slow.clone() }).await;
    let mut achpr = TestNode::init("achpr", "achpr", Role::Member);
    achpr.start_with(slow.clone()).await;
    ohchr.knows(&achpr.card).await;
    achpr.knows(&ohchr.card).await;
    let withdrawn = ohchr.create(visit("Soon withdrawn", Label::Clear, &[], &[])).await;
    let updated = ohchr.create(visit("Dates to be agreed", Label::Clear, &[], &[])).await;

    // A mirror in ohchr's roster, an anonymous one, and one that follows the anonymous one.
    let mut rostered = TestNode::init("rostered", "ngo-one", Role::Mirror);
    let mut anonymous = TestNode::init("anonymous", "ngo-two", Role::Mirror);
    let mut chained = TestNode::init("chained", "ngo-three", Role::Mirror);
    for mirror in [&mut rostered, &mut anonymous, &mut chained] {
        mirror.start_with(mirror_options.clone()).await;
    }
    let keys_only = |node: &TestNode| {
        let mut card = node.card.clone();
        card.addrs.clear();
        card
    };
    for mirror in [&rostered, &anonymous, &chained] {
        mirror.knows(&keys_only(&achpr)).await;
    }
    chained.knows(&keys_only(&ohchr)).await;
    rostered.knows(&ohchr.card).await;
    ohchr.knows(&rostered.card).await;
    anonymous.knows(&ohchr.card).await;
    chained.knows(&anonymous.card).await;
    let mirrors = [&rostered, &anonymous, &chained];
    for mirror in mirrors {
        for id in [withdrawn, updated] {
            serves(mirror, &format!("/api/v1/items/{id}"), 200, "").await;
        }
    }

    for mirror in [&mut rostered, &mut anonymous, &mut chained] {
        mirror.stop().await;
    }
    ohchr.request(Request::Withdraw { id: withdrawn }).await;
    let patch = VisitPatch { title: Some("Dates agreed".into()), ..Default::default() };
    ohchr.request(Request::UpdateVisit { id: updated, patch }).await;
    let published = ohchr.create(visit("Published meanwhile", Label::Clear, &[], &[])).await;
    let relayed = achpr.create(visit("Relayed meanwhile", Label::Clear, &[], &[])).await;
    eventually(DEADLINE, || async {
        if ohchr.ids().await.contains(&relayed) { Ok(()) } else { Err("not relayed".to_owned()) }
    })
    .await;

    for mirror in [&mut rostered, &mut anonymous, &mut chained] {
        mirror.start_with(mirror_options.clone()).await;
    }
    for mirror in [&rostered, &anonymous, &chained] {
        serves(mirror, &format!("/api/v1/items/{withdrawn}"), 404, "").await;
        serves(mirror, &format!("/api/v1/items/{updated}"), 200, "\"Dates agreed\"").await;
        serves(mirror, &format!("/api/v1/items/{published}"), 200, "Published meanwhile").await;
        serves(mirror, &format!("/api/v1/items/{relayed}"), 200, "Relayed meanwhile").await;
    }
    // Again with the member restarted as well: it withdraws the updated item while everyone
    // else is stopped, and comes back first.
    for mirror in [&mut rostered, &mut anonymous, &mut chained] {
        mirror.stop().await;
    }
    ohchr.request(Request::Withdraw { id: updated }).await;
    ohchr.stop().await;
    ohchr.start_with(Options { allow_mirrors: true, ..slow.clone() }).await;
    for mirror in [&mut rostered, &mut anonymous, &mut chained] {
        mirror.start_with(mirror_options.clone()).await;
    }
    for mirror in [&rostered, &anonymous, &chained] {
        serves(mirror, &format!("/api/v1/items/{updated}"), 404, "").await;
        serves(mirror, &format!("/api/v1/items/{published}"), 200, "Published meanwhile").await;
    }
    // The member took nothing from its mirrors, and counted nothing against them.
    assert_eq!(ohchr.ids().await.len(), 4);
    for peer in ohchr.status().await.peers {
        assert_eq!(peer.refused, 0, "ohchr refused {:?}: {:?}", peer.name, peer.last_refusal);
    }
}
