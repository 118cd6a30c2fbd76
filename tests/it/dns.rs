//! Host names: a member that its peer knows only by a `/dns4/` address (its host name and
//! port, as a card filled in by an administrator has it) is dialled and syncs.

use liaison_protocol::{Label, Role};

use crate::fed_support::{DEADLINE, TestNode, eventually, visit};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_member_reached_only_through_a_dns4_address_syncs() {
    let mut ohchr = TestNode::init("ohchr", "ohchr", Role::Member);
    let mut achpr = TestNode::init("achpr", "achpr", Role::Member);
    ohchr.start().await;
    achpr.start().await;
    let port = ohchr.card.addrs[0].rsplit('/').next().expect("a port").to_owned();
    let mut by_name = ohchr.card.clone();
    by_name.addrs = vec![format!("/dns4/localhost/tcp/{port}")];
    // achpr knows ohchr by host name only and dials it; ohchr knows achpr but has no address
    // for it, so only achpr's dial can link them.
    achpr.knows(&by_name).await;
    let mut no_address = achpr.card.clone();
    no_address.addrs.clear();
    ohchr.knows(&no_address).await;
    let id = ohchr.create(visit("Visit known by host name", Label::Green, &[], &[])).await;
    eventually(DEADLINE, || async {
        if achpr.ids().await.contains(&id) {
            Ok(())
        } else {
            Err("achpr lacks the visit".to_owned())
        }
    })
    .await;
    let status = achpr.peer_status(ohchr.key()).await.expect("ohchr in achpr's peers");
    assert!(status.connected, "{status:?}");
    ohchr.stop().await;
    achpr.stop().await;
}
