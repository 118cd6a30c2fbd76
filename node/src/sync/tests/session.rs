//! Whole reconciliation sessions between two catalogues, turn by turn as the event loop runs
//! them: what each side offers and fetches. A stale mirror is brought up to date whichever side
//! starts, without the member fetching anything from it, and restricted items never come up.

use std::collections::BTreeSet;

use liaison_protocol::sync::Reconciler;
use liaison_protocol::{ItemId, Label, Peer, Role};

use super::super::turn::{Turn, turn};
use super::super::{Catalogue, Digest};
use super::{digest, header, id};

/// One side of a session: its role, its catalogue, the policy's view of the other side, and
/// every turn it took.
struct Side {
    role: Role,
    catalogue: Catalogue,
    other: Peer,
    turns: Vec<Turn>,
}

impl Side {
    fn new(role: Role, items: &[(u16, Label, u8)], other: Peer) -> Side {
        let catalogue =
            Catalogue::new(items.iter().map(|(n, l, v)| (header(*n, *l), digest(*n, *v))));
        Side { role, catalogue, other, turns: Vec::new() }
    }

    fn answer(&mut self, incoming: &liaison_protocol::sync::Reconcile) -> Turn {
        let reconciler = Reconciler::default();
        let t = turn(&reconciler, &mut self.catalogue, self.role, &self.other, incoming)
            .expect("a well-formed turn");
        self.turns.push(t.clone());
        t
    }

    fn offered(&self) -> BTreeSet<(ItemId, Digest)> {
        self.turns.iter().flat_map(|t| t.offer.iter().copied()).collect()
    }

    fn fetched(&self) -> BTreeSet<(ItemId, Digest)> {
        self.turns.iter().flat_map(|t| t.fetch.iter().copied()).collect()
    }
}

/// Runs a session `a` starts with `b`, as the event loop does, until it ends.
fn session(a: &mut Side, b: &mut Side) {
    let mut request = Reconciler::default().start(a.catalogue.catalog(&a.other));
    for _ in 0..100 {
        let answer = b.answer(&request).reply.unwrap_or_default();
        if answer.ranges.is_empty() {
            return;
        }
        match a.answer(&answer).reply {
            Some(next) => request = next,
            None => return,
        }
    }
    panic!("the session did not end");
}

fn peer(mechanism: &str, role: Role) -> Peer {
    Peer { mechanism: mechanism.parse().expect("mechanism"), role }
}

#[test]
fn a_stale_mirror_gets_the_members_state_whichever_side_starts() {
    // The member holds 200 clear items, of which the mirror holds the first 150 in an older
    // state for every fifth, and 10 green items the mirror must never hear of.
    let member_items: Vec<(u16, Label, u8)> = (0..200)
        .map(|n| (n, Label::Clear, u8::from(n % 5 == 0)))
        .chain((200..210).map(|n| (n, Label::Green, 0)))
        .collect();
    let mirror_items: Vec<(u16, Label, u8)> = (0..150).map(|n| (n, Label::Clear, 0)).collect();
    let member_view = peer("ohchr", Role::Member);
    let mirror_view = peer("public", Role::Mirror);
    let newer: BTreeSet<(ItemId, Digest)> = member_items
        .iter()
        .filter(|(n, l, v)| *l == Label::Clear && (*n >= 150 || *v == 1))
        .map(|(n, _, v)| (id(*n), digest(*n, *v)))
        .collect();
    for member_starts in [false, true] {
        let mut member = Side::new(Role::Member, &member_items, mirror_view.clone());
        let mut mirror = Side::new(Role::Mirror, &mirror_items, member_view.clone());
        if member_starts {
            session(&mut member, &mut mirror);
        } else {
            session(&mut mirror, &mut member);
        }
        assert!(member.fetched().is_empty(), "the member takes nothing from the mirror");
        assert!(mirror.offered().is_empty(), "the mirror offers the member nothing");
        let reaching: BTreeSet<_> = member.offered().union(&mirror.fetched()).copied().collect();
        assert_eq!(reaching, newer, "member starts: {member_starts}");
        assert!(member.turns.len() + mirror.turns.len() > 2, "ranges were split");
    }
}

#[test]
fn members_offer_and_fetch_both_ways() {
    let a_items: Vec<(u16, Label, u8)> = (0..100).map(|n| (n, Label::Green, 0)).collect();
    let b_items: Vec<(u16, Label, u8)> = (50..150).map(|n| (n, Label::Green, 1)).collect();
    let mut a = Side::new(Role::Member, &a_items, peer("coe", Role::Member));
    let mut b = Side::new(Role::Member, &b_items, peer("ohchr", Role::Member));
    session(&mut a, &mut b);
    // Each side lacks 50 items and holds 50 in another state: the ones it lacks reach it by an
    // offer or a fetch; the ones held differently are fetched (the fetcher merges).
    let reaching_a: BTreeSet<_> = b.offered().union(&a.fetched()).map(|(i, _)| *i).collect();
    let reaching_b: BTreeSet<_> = a.offered().union(&b.fetched()).map(|(i, _)| *i).collect();
    assert!((100..150).map(id).all(|i| reaching_a.contains(&i)));
    assert!((0..50).map(id).all(|i| reaching_b.contains(&i)));
    let differing: BTreeSet<ItemId> = (50..100).map(id).collect();
    let fetched: BTreeSet<ItemId> = a.fetched().union(&b.fetched()).map(|(i, _)| *i).collect();
    assert!(differing.is_subset(&fetched));
}
