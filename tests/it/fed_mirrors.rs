//! Mirrors in a federation: one that missed updates catches up, and mirrors that know each
//! other never refuse each other.

use liaison_node::api::Request;
use liaison_protocol::{Label, VisitPatch};

use crate::fed_support::*;

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
