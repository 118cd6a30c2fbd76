//! Unit tests of the sync engine's pure parts: the scheduler fetches each item once, from one
//! peer at a time, moves fetches to other holders when a fetch fails or a peer vanishes, keeps
//! its bounds; sessions keep one per link and interval; the catalogue of a kind of peer holds
//! only what it may receive. `decide` tests who sends what to whom; `session` whole
//! reconciliation sessions; the simulations drive several nodes against each other: schedulers
//! alone in `sim`, the parts in `fed`, and whole machines in `machine`.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use chrono::TimeZone as _;
use liaison_protocol::{Header, ItemId, Kind, Label, Peer, PublicKey, Role, SCHEMA_VERSION};
use proptest::prelude::*;

use super::fetch::{Limits, Scheduler};
use super::sessions::FIRST_RETRY;
use super::{Catalogue, Digest, Sessions};

mod decide;
mod fed;
mod machine;
mod session;
mod sim;

pub(super) fn id(n: u16) -> ItemId {
    let mut bytes = [0; 16];
    bytes[..2].copy_from_slice(&n.to_be_bytes());
    ItemId::from_bytes(bytes)
}

pub(super) fn digest(n: u16, version: u8) -> Digest {
    let mut d = [version; 32];
    d[..2].copy_from_slice(&n.to_be_bytes());
    d
}

fn offer(ns: &[u16]) -> Vec<(ItemId, Digest)> {
    ns.iter().map(|n| (id(*n), digest(*n, 0))).collect()
}

fn nothing(_: &ItemId, _: &Digest) -> bool {
    false
}

#[test]
fn an_item_offered_twice_is_fetched_once_and_from_the_other_holder_when_the_first_fails() {
    let mut s = Scheduler::<u8>::default();
    assert_eq!(s.want(1, offer(&[1, 2]), nothing), 2);
    assert_eq!(s.want(2, offer(&[2, 3]), nothing), 2);
    assert_eq!(s.want(2, offer(&[2, 3]), nothing), 2, "a repeated offer is queued again");
    let from_one = s.pump(1, nothing);
    assert_eq!(from_one.len(), 1);
    assert_eq!(from_one[0].ids, vec![id(1), id(2)]);
    let from_two = s.pump(2, nothing);
    assert_eq!(from_two.len(), 1);
    assert_eq!(from_two[0].ids, vec![id(3)], "item 2 is being fetched from peer 1");
    s.check();
    // Peer 1 answers with item 1 only: item 2 goes to peer 2, then peer 1 is pumped.
    let got = HashSet::from([id(1)]);
    assert_eq!(s.fetched(from_one[0].id, &got), Some(vec![2, 1]));
    assert_eq!(s.fetched(from_one[0].id, &got), None, "settled once");
    let retry = s.pump(2, nothing);
    assert_eq!(retry.len(), 1);
    assert_eq!(retry[0].ids, vec![id(2)]);
    s.check();
    assert!(s.pump(1, nothing).is_empty());
}

#[test]
fn what_this_node_holds_is_not_fetched() {
    let mut s = Scheduler::<u8>::default();
    let holds = |i: &ItemId, d: &Digest| *i == id(1) && *d == digest(1, 0);
    assert_eq!(s.want(1, offer(&[1, 2]), holds), 1);
    // Item 2 arrives from elsewhere before the fetch is sent.
    let now = |i: &ItemId, d: &Digest| holds(i, d) || (*i == id(2) && *d == digest(2, 0));
    assert!(s.pump(1, now).is_empty());
    assert_eq!(s.wanted(), 0);
    // Another state of an item held is fetched.
    assert_eq!(s.want(1, vec![(id(1), digest(1, 9))], holds), 1);
    assert_eq!(s.pump(1, holds)[0].ids, vec![id(1)]);
}

#[test]
fn a_vanished_peers_fetches_move_to_another_holder_and_its_offers_are_forgotten() {
    let mut s = Scheduler::<u8>::default();
    s.want(1, offer(&[1, 2, 3]), nothing);
    s.want(2, offer(&[1]), nothing);
    let fetch = s.pump(1, nothing).remove(0);
    assert_eq!(s.forget(&1), vec![2]);
    assert_eq!(s.fetched(fetch.id, &HashSet::new()), None, "its answer is ignored");
    assert_eq!(s.pump(2, nothing)[0].ids, vec![id(1)]);
    assert_eq!(s.wanted(), 1, "items only the vanished peer offered are no longer wanted");
    assert!(!s.known_holder(&id(2), &digest(2, 0), 1));
    assert!(s.known_holder(&id(1), &digest(1, 0), 2));
    s.check();
}

#[test]
fn what_waited_for_a_vanished_peer_goes_to_another_holder_whose_offer_was_passed_over() {
    let mut s = Scheduler::<u8>::default();
    s.want(1, offer(&[7]), nothing);
    let fetch = s.pump(1, nothing).remove(0);
    // Peers 2 and 3 offer it too while it is being fetched from 1: their offers are passed over.
    for peer in [2, 3] {
        s.want(peer, offer(&[7]), nothing);
        assert!(s.pump(peer, nothing).is_empty());
    }
    // Peer 1 vanishes: the item waits for peer 2, which vanishes before it is asked.
    assert_eq!(s.forget(&1), vec![2]);
    assert_eq!(s.fetched(fetch.id, &HashSet::new()), None);
    assert_eq!(s.forget(&2), vec![3], "the item goes on to peer 3");
    assert_eq!(s.pump(3, nothing)[0].ids, vec![id(7)]);
    s.check();
}

#[test]
fn fetches_are_batched_and_bounded_per_peer_and_wanted_items_are_bounded() {
    let few = Limits { queued: 4, ..Limits::default() };
    let all: Vec<u16> = (0..20).collect();
    assert_eq!(Scheduler::<u8>::new(few).want(1, offer(&all), nothing), 4, "4 queued per peer");
    let limits = Limits { batch: 3, in_flight: 2, wanted: 10, queued: 12, holders: 2 };
    let mut s = Scheduler::<u8>::new(limits);
    assert_eq!(s.want(1, offer(&all), nothing), 10, "at most 10 wanted");
    assert_eq!(s.want(2, offer(&all), nothing), 10, "the same 10, from another holder");
    assert_eq!(s.wanted(), 10);
    let fetches = s.pump(1, nothing);
    assert_eq!(fetches.iter().map(|f| f.ids.len()).collect::<Vec<_>>(), vec![3, 3]);
    assert_eq!(s.in_flight(1), 2);
    for peer in 3..6 {
        s.want(peer, offer(&[0]), nothing);
    }
    s.check();
    let more = s.fetched(fetches[0].id, &HashSet::new()).unwrap_or_default();
    assert_eq!(more, vec![2, 1], "what failed goes to peer 2, the next holder");
    assert_eq!(s.pump(1, nothing).len(), 1);
    s.check();
}

#[test]
fn a_link_has_one_session_per_interval_whichever_side_starts_it() {
    let mut sessions = Sessions::<u8>::default();
    let (t0, every) = (Instant::now(), Duration::from_secs(30));
    assert!(sessions.start(1, t0, every));
    assert!(!sessions.start(1, t0, every), "one under way");
    sessions.end(&1);
    assert!(sessions.start(1, t0, every));
    sessions.end(&1);
    sessions.answered(2, t0);
    assert!(!sessions.start(2, t0 + every / 2, every), "the peer keeps the link in sync");
    assert!(sessions.start(2, t0 + every, every));
    sessions.answered(3, t0);
    sessions.forget(&3);
    assert!(sessions.start(3, t0, every), "a peer that reconnects starts afresh");
}

#[test]
fn a_link_whose_exchange_failed_is_reconciled_again_soon_and_less_often_each_time() {
    let mut sessions = Sessions::<u8>::default();
    let (t0, every) = (Instant::now(), Duration::from_secs(30));
    sessions.answered(1, t0);
    assert!(!sessions.start(1, t0, every), "the peer keeps the link in sync");
    sessions.failed(1, t0, every);
    assert!(sessions.due(t0).is_empty(), "not at once");
    let first = t0 + FIRST_RETRY;
    assert_eq!(sessions.due(first), vec![1]);
    assert!(sessions.due(first).is_empty(), "handed out once per failure");
    assert!(sessions.start(1, first, every), "a failed exchange overrides the peer's session");
    sessions.failed(1, first, every);
    assert!(sessions.due(first + FIRST_RETRY).is_empty(), "the delay doubled");
    assert_eq!(sessions.due(first + 2 * FIRST_RETRY), vec![1]);
    for _ in 0..10 {
        sessions.failed(1, t0, every);
    }
    assert!(sessions.due(t0 + every - Duration::from_millis(1)).is_empty());
    assert_eq!(sessions.due(t0 + every), vec![1], "never longer than the interval");
    sessions.completed(&1);
    sessions.failed(1, t0, every);
    assert_eq!(sessions.due(t0 + FIRST_RETRY), vec![1], "a completed session resets it");
    sessions.failed(2, t0, every);
    sessions.forget(&2);
    assert!(sessions.due(t0 + every).is_empty(), "a peer gone is forgotten");
}

pub(super) fn header(n: u16, label: Label) -> Header {
    Header {
        v: SCHEMA_VERSION,
        id: id(n),
        kind: Kind::Event,
        owner: "ohchr".parse().expect("mechanism"),
        co_owners: Vec::new(),
        label,
        audience: Vec::new(),
        created: chrono::Utc.timestamp_opt(1_700_000_000, 0).single().expect("time"),
        creator: PublicKey([7; 32]),
        supersedes: None,
        consents: Vec::new(),
    }
}

#[test]
fn a_kinds_catalogue_holds_what_it_may_receive_and_follows_writes() {
    let mut catalogue = Catalogue::new([
        (header(1, Label::Clear), digest(1, 0)),
        (header(2, Label::Green), digest(2, 0)),
    ]);
    let mirror = Peer { mechanism: "public".parse().expect("mechanism"), role: Role::Mirror };
    let member = Peer { mechanism: "coe".parse().expect("mechanism"), role: Role::Member };
    assert_eq!(catalogue.catalog(&mirror).len(), 1);
    assert_eq!(catalogue.catalog(&member).len(), 2);
    catalogue.set(header(3, Label::Clear), digest(3, 0));
    catalogue.set(header(1, Label::Clear), digest(1, 1));
    assert_eq!(catalogue.catalog(&mirror).len(), 2);
    assert!(catalogue.holds(&id(1), &digest(1, 1)) && !catalogue.holds(&id(1), &digest(1, 0)));
    assert!(catalogue.may_send(&id(3), &mirror) && !catalogue.may_send(&id(2), &mirror));
    catalogue.remove(&id(3));
    assert_eq!((catalogue.catalog(&mirror).len(), catalogue.len()), (1, 2));
}

/// The catalogue keeps one header per audience class: every item still goes exactly where the
/// gate lets its own header go, whatever its label, owner, co-owners and audience, and whatever
/// else its header says (kind, creator, time), whether the kind's catalogue was made before or
/// after the items came.
#[test]
fn the_catalogue_answers_for_each_item_as_the_gate_does_for_its_header() {
    let m = |code: &str| -> liaison_protocol::Mechanism { code.parse().expect("mechanism") };
    let shapes: Vec<(Label, &str, Vec<&str>, Vec<&str>)> = vec![
        (Label::Clear, "ohchr", vec![], vec![]),
        (Label::Green, "coe", vec![], vec![]),
        (Label::Amber, "ohchr", vec![], vec!["coe"]),
        (Label::Amber, "ohchr", vec![], vec!["achpr", "coe"]),
        (Label::Amber, "achpr", vec!["iachr"], vec!["coe"]),
        (Label::AmberStrict, "ohchr", vec!["coe"], vec![]),
        (Label::AmberStrict, "achpr", vec![], vec![]),
        (Label::Red, "ohchr", vec![], vec![]),
    ];
    let mut headers = Vec::new();
    for (n, (label, owner, co_owners, audience)) in shapes.iter().cycle().take(40).enumerate() {
        let n = u16::try_from(n).expect("few items");
        let mut h = header(n, *label);
        h.owner = m(owner);
        h.co_owners = co_owners.iter().map(|c| m(c)).collect();
        h.audience = audience.iter().map(|c| m(c)).collect();
        h.kind = [Kind::Event, Kind::Visit, Kind::Report, Kind::Contact][usize::from(n) % 4];
        h.creator = PublicKey([u8::try_from(n % 7).expect("small"); 32]);
        headers.push(h);
    }
    let peers: Vec<Peer> = ["ohchr", "coe", "achpr", "iachr", "public"]
        .into_iter()
        .flat_map(|c| [Role::Member, Role::Mirror].map(|role| Peer { mechanism: m(c), role }))
        .collect();
    let early = &peers[..3];
    let mut catalogue = Catalogue::default();
    for peer in early {
        assert_eq!(catalogue.catalog(peer).len(), 0);
    }
    for h in &headers {
        catalogue.set(h.clone(), digest(0, 1));
    }
    for peer in &peers {
        let all = liaison_protocol::sync::Range::all();
        let reconciled: HashSet<ItemId> =
            catalogue.catalog(peer).entries(&all).into_iter().map(|(id, _)| id).collect();
        let mut admitted = 0;
        for h in &headers {
            let gate = liaison_protocol::may_receive(h, peer);
            admitted += usize::from(gate);
            assert_eq!(catalogue.may_send(&h.id, peer), gate, "{:?} to {peer:?}", h.label);
            assert_eq!(reconciled.contains(&h.id), gate, "{:?} to {peer:?}", h.label);
        }
        assert_eq!(catalogue.catalog(peer).len(), admitted, "{peer:?}");
    }
}

#[test]
fn the_pure_parts_do_no_io_and_read_no_clock() {
    let sources = [
        include_str!("mod.rs"),
        include_str!("fetch.rs"),
        include_str!("catalogue.rs"),
        include_str!("sessions.rs"),
        include_str!("decide.rs"),
        include_str!("turn.rs"),
        include_str!("machine.rs"),
    ];
    for source in sources {
        for banned in ["libp2p", "tokio", "sled", "::now()", "std::fs", "std::net", "rand::"] {
            assert!(!source.contains(banned), "the sync engine names {banned}");
        }
    }
}

/// A federation to start from, for the simulations: the roles, then for each item its label and
/// the version each member holds (0 = none), and for each mirror which `clear` items it holds in
/// version 1.
#[derive(Debug, Clone)]
pub(super) struct Setup {
    pub(super) roles: Vec<Role>,
    pub(super) items: Vec<(Label, Vec<u8>)>,
    pub(super) stale: Vec<Vec<bool>>,
}

pub(super) fn setup() -> impl Strategy<Value = Setup> {
    (2usize..4, 1usize..3).prop_flat_map(|(members, mirrors)| {
        let label = prop_oneof![Just(Label::Clear), Just(Label::Green)];
        let item = (label, prop::collection::vec(0u8..4, members));
        let items = prop::collection::vec(item, 1..60);
        let stale = prop::collection::vec(prop::collection::vec(any::<bool>(), 60), mirrors);
        let roles = [vec![Role::Member; members], vec![Role::Mirror; mirrors]].concat();
        (Just(roles), items, stale).prop_map(|(roles, items, stale)| Setup { roles, items, stale })
    })
}
