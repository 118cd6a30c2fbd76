//! Who takes from and sends to whom, what a reconciliation step offers (a member offers a
//! mirror its state of what the mirror holds differently), and what a node relays.

use liaison_protocol::sync::Step;
use liaison_protocol::{Label, Peer, Role};

use super::super::{Arrived, Catalogue, offers, relays, sends_to, step_offers, takes_from};
use super::{digest, header, id};

const MEMBER: Role = Role::Member;
const MIRROR: Role = Role::Mirror;

fn peer(mechanism: &str, role: Role) -> Peer {
    Peer { mechanism: mechanism.parse().expect("mechanism"), role }
}

#[test]
fn members_take_nothing_from_mirrors_and_mirrors_send_only_to_mirrors() {
    assert!(!takes_from(MEMBER, MIRROR));
    assert!(takes_from(MEMBER, MEMBER) && takes_from(MIRROR, MEMBER) && takes_from(MIRROR, MIRROR));
    assert!(!sends_to(MIRROR, MEMBER));
    assert!(sends_to(MEMBER, MEMBER) && sends_to(MEMBER, MIRROR) && sends_to(MIRROR, MIRROR));
}

#[test]
fn a_member_offers_a_mirror_its_state_of_what_the_mirror_holds_differently() {
    let catalogue = Catalogue::new([
        (header(1, Label::Clear), digest(1, 0)),
        (header(2, Label::Clear), digest(2, 1)),
    ]);
    // The peer lacks item 1, holds item 2 in an older state, and holds item 9 this node lacks.
    let step = Step {
        reply: None,
        send: vec![id(1)],
        fetch: vec![(id(2), digest(2, 0)), (id(9), digest(9, 0))],
    };
    let newer = vec![(id(1), digest(1, 0)), (id(2), digest(2, 1))];
    assert_eq!(step_offers(&step, &catalogue, MEMBER, MIRROR), newer);
    for (me, them) in [(MEMBER, MEMBER), (MIRROR, MIRROR), (MIRROR, MEMBER)] {
        let lacking = vec![(id(1), digest(1, 0))];
        assert_eq!(step_offers(&step, &catalogue, me, them), lacking, "{me:?} to {them:?}");
    }
}

#[test]
fn offers_keep_to_the_label_and_never_go_from_a_mirror_to_a_member() {
    let catalogue = Catalogue::new([
        (header(1, Label::Clear), digest(1, 0)),
        (header(2, Label::Green), digest(2, 0)),
    ]);
    let offered = vec![(id(1), digest(1, 0)), (id(2), digest(2, 0)), (id(3), digest(3, 0))];
    let mirror = peer("public", MIRROR);
    assert_eq!(offers(&catalogue, MEMBER, &mirror, offered.clone()), offered[..1].to_vec());
    assert_eq!(offers(&catalogue, MEMBER, &peer("coe", MEMBER), offered.clone()), offered[..2]);
    assert_eq!(offers(&catalogue, MIRROR, &mirror, offered.clone()), offered[..1].to_vec());
    assert!(offers(&catalogue, MIRROR, &peer("coe", MEMBER), offered).is_empty());
}

#[test]
fn a_node_relays_what_changed_and_sends_its_merge_back() {
    let arrived = |n: u16, sent: u8, now: u8, changed: bool| Arrived {
        id: id(n),
        sent: digest(n, sent),
        digest: digest(n, now),
        changed,
    };
    // Item 1 is new here; item 2 this node held more of (it merged); item 3 it held already.
    let items = [arrived(1, 0, 0, true), arrived(2, 0, 1, false), arrived(3, 0, 0, false)];
    let nobody = |_: &_, _: &_, _: u8| false;
    assert_eq!(relays(7, 7, &items, nobody), vec![(id(2), digest(2, 1))], "back to the sender");
    assert_eq!(relays(7, 8, &items, nobody), vec![(id(1), digest(1, 0))], "to another peer");
    let eight_has_it = |i: &_, d: &_, p: u8| p == 8 && *i == id(1) && *d == digest(1, 0);
    assert!(relays(7, 8, &items, eight_has_it).is_empty(), "not to a peer that offered it");
}
