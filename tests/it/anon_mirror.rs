//! Anonymous mirrors: a member that allows them serves nodes outside its roster `clear` items,
//! read only; one that does not, serves them nothing; mirrors serve other mirrors, so they chain.

use std::time::Duration;

use liaison_protocol::{Label, Role};

use crate::fed_support::{DEADLINE, TestNode, eventually, options, visit};

/// `mirror` learns `member`'s card with its address (to dial it and check its signatures);
/// `member` does not know `mirror` at all.
async fn follow(mirror: &TestNode, member: &TestNode) {
    mirror.knows(&member.card).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn anonymous_mirrors_get_clear_items_only_where_allowed_and_mirrors_chain() {
    let mut open = TestNode::init("ohchr-open", "ohchr", Role::Member);
    open.start_with(liaison_node::daemon::Options { allow_mirrors: true, ..options() }).await;
    let mut closed = TestNode::init("coe-closed", "coe", Role::Member);
    closed.start().await;
    let public = open.create(visit("Public visit", Label::Clear, &[], &[])).await;
    let members_only = open.create(visit("Members-only visit", Label::Green, &[], &[])).await;
    let closed_public =
        closed.create(visit("Closed node's public visit", Label::Clear, &[], &[])).await;

    let mut first = TestNode::init("mirror-1", "ngo-one", Role::Mirror);
    first.start().await;
    follow(&first, &open).await;
    follow(&first, &closed).await;
    // A second mirror follows only the first, knowing the members' keys to check signatures.
    let mut second = TestNode::init("mirror-2", "ngo-two", Role::Mirror);
    second.start().await;
    let mut open_key_only = open.card.clone();
    open_key_only.addrs.clear();
    second.knows(&open_key_only).await;
    second.knows(&first.card).await;

    eventually(DEADLINE, || async {
        let (one, two) = (first.ids().await, second.ids().await);
        if one.contains(&public) && two.contains(&public) {
            Ok(())
        } else {
            Err(format!("not yet: {one:?} {two:?}"))
        }
    })
    .await;
    // Give anything that would leak time to arrive, with reconciliations every 500 ms.
    tokio::time::sleep(Duration::from_secs(2)).await;
    for mirror in [&first, &second] {
        let ids = mirror.ids().await;
        assert!(!ids.contains(&members_only), "{}: a green item reached a mirror", mirror.name);
        assert!(
            !ids.contains(&closed_public),
            "{}: a node that does not allow mirrors served one",
            mirror.name
        );
        assert!(mirror.entries().await.values().all(|e| e.header.label == Label::Clear));
    }
    // A later write reaches both mirrors, down the chain.
    let later = open.create(visit("Later public visit", Label::Clear, &[], &[])).await;
    eventually(DEADLINE, || async {
        if second.ids().await.contains(&later) {
            Ok(())
        } else {
            Err("the chained mirror lacks the later item".to_owned())
        }
    })
    .await;
    // The member took nothing from the mirrors: its store holds only its own two items and the later one.
    assert_eq!(open.ids().await.len(), 3);
}
