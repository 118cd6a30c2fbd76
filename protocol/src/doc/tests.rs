//! Item documents: writes, revisions, withdrawal, persistence and concurrent edits.

use std::collections::{BTreeSet, HashMap};

use crate::test_support::*;
use crate::{ChangeSig, DocError, Edit, Fields, ItemDoc, Kind, StatusStep, VisitStatus};

/// Writes `fields` (and a withdrawal if asked) with node `seed`, `minutes` after the start.
fn write(
    doc: &mut ItemDoc,
    seed: u8,
    fields: Option<&Fields>,
    withdraw: bool,
    minutes: i64,
) -> Option<ChangeSig> {
    doc.write(&key(seed), id(1), Edit { fields, withdraw, now: at(minutes), session: [0; 8] })
        .unwrap()
}

fn created() -> (ItemDoc, ChangeSig) {
    let mut doc = ItemDoc::new();
    let sig = write(&mut doc, OHCHR_1, Some(&fields(Kind::Visit)), false, 0).unwrap();
    (doc, sig)
}

fn step(status: VisitStatus, day: u32, note: &str) -> StatusStep {
    StatusStep { status, date: date(2027, 1, day), note: Some(note.to_owned()) }
}

#[test]
fn the_first_write_creates_revision_zero() {
    let (doc, sig) = created();
    let state = doc.read().unwrap();
    assert_eq!(state.fields, fields(Kind::Visit));
    assert_eq!(
        (state.revision, state.created, state.updated, state.withdrawn),
        (0, at(0), at(0), false)
    );
    assert_eq!(sig.signer, public(OHCHR_1));
    assert!(sig.verifies(id(1)));
    assert_eq!(doc.changes().len(), 1);
    assert_eq!(doc.changes()[0].hash.0, sig.hash);
    assert_eq!(doc.changes()[0].time, at(0).timestamp());
}

#[test]
fn an_update_that_changes_something_bumps_the_revision_and_updated() {
    let (mut doc, first) = created();
    let mut f = fields(Kind::Visit);
    f.title.value = "Visit to Tunisia (accepted)".to_owned();
    let second = write(&mut doc, OHCHR_1, Some(&f), false, 30).unwrap();
    assert_ne!(first.hash, second.hash);
    let state = doc.read().unwrap();
    assert_eq!(state.fields, f);
    assert_eq!((state.revision, state.created, state.updated), (1, at(0), at(30)));
}

#[test]
fn an_update_that_changes_nothing_makes_no_change() {
    let (mut doc, _) = created();
    let heads = doc.heads();
    assert_eq!(write(&mut doc, OHCHR_1, Some(&fields(Kind::Visit)), false, 30), None);
    assert_eq!(write(&mut doc, OHCHR_1, None, false, 40), None);
    let state = doc.read().unwrap();
    assert_eq!((state.revision, state.updated), (0, at(0)));
    assert_eq!(doc.heads(), heads);
}

#[test]
fn withdraw_marks_the_item_withdrawn_once() {
    let (mut doc, _) = created();
    assert!(write(&mut doc, OHCHR_1, None, true, 60).is_some());
    let state = doc.read().unwrap();
    assert!(state.withdrawn);
    assert_eq!((state.revision, state.updated), (1, at(60)));
    assert_eq!(state.fields, fields(Kind::Visit), "withdrawal keeps the fields");
    assert_eq!(write(&mut doc, OHCHR_1, None, true, 90), None, "withdrawing again changes nothing");
}

#[test]
fn save_and_load_keep_the_state() {
    let (mut doc, _) = created();
    let mut f = fields(Kind::Visit);
    f.countries = vec!["TN".parse().unwrap(), "LY".parse().unwrap()];
    write(&mut doc, ACHPR, Some(&f), true, 10).unwrap();
    let loaded = ItemDoc::load(&doc.save()).unwrap();
    assert_eq!(loaded.read().unwrap(), doc.read().unwrap());
    assert_eq!(loaded.heads(), doc.heads());
}

#[test]
fn removing_optional_fields_removes_them_from_the_document() {
    let (mut doc, _) = created();
    let full = doc.read().unwrap().fields;
    let mut f = full.clone();
    f.visit.as_mut().unwrap().status_history.clear();
    f.themes = vec!["torture".to_owned()];
    write(&mut doc, OHCHR_1, Some(&f), false, 10).unwrap();
    assert_eq!(doc.read().unwrap().fields, f);
    write(&mut doc, OHCHR_1, Some(&full), false, 20).unwrap();
    assert_eq!(doc.read().unwrap().fields, full);
    assert_eq!(doc.read().unwrap().revision, 2);
}

#[test]
fn loading_refuses_oversized_and_garbage_bytes() {
    let big = vec![0; crate::codec::MAX_DOC_BYTES + 1];
    assert!(matches!(ItemDoc::load(&big), Err(DocError::TooLarge { len }) if len == big.len()));
    assert!(matches!(
        ItemDoc::load(b"not automerge"),
        Err(DocError::Load(_) | DocError::Expands(_))
    ));
}

#[test]
fn a_document_without_an_item_is_refused_on_read() {
    assert!(matches!(ItemDoc::new().read(), Err(DocError::Shape(_))));
}

#[test]
fn concurrent_edits_by_two_nodes_merge_keeping_both() {
    let (base, base_sig) = created();
    let original = fields(Kind::Visit);

    let mut a = base.clone();
    let mut fa = original.clone();
    fa.title.value = "Visit to Tunisia, accepted".to_owned();
    fa.visit.as_mut().unwrap().status_history.push(step(VisitStatus::Accepted, 20, "note verbale"));
    let sig_a = write(&mut a, OHCHR_1, Some(&fa), false, 10).unwrap();

    let mut b = base.clone();
    let mut fb = original.clone();
    fb.countries = vec!["TN".parse().unwrap()];
    fb.visit.as_mut().unwrap().mandate = "SR on torture, with the CPA".to_owned();
    fb.visit.as_mut().unwrap().status_history.push(step(
        VisitStatus::ReminderSent,
        18,
        "second reminder",
    ));
    let sig_b = write(&mut b, ACHPR, Some(&fb), false, 20).unwrap();

    let mut ab = a.clone();
    ab.merge(&mut b.clone()).unwrap();
    let mut ba = b.clone();
    ba.merge(&mut a.clone()).unwrap();
    let state = ab.read().unwrap();
    assert_eq!(state, ba.read().unwrap(), "both merge orders converge");

    assert_eq!(state.fields.title, fa.title);
    assert_eq!(state.fields.countries, fb.countries);
    let visit = state.fields.visit.as_ref().unwrap();
    assert_eq!(visit.mandate, fb.visit.as_ref().unwrap().mandate);
    let history = &visit.status_history;
    assert_eq!(history.len(), 3, "{history:?}");
    assert_eq!(history[0], original.visit.as_ref().unwrap().status_history[0]);
    assert!(history.contains(&step(VisitStatus::Accepted, 20, "note verbale")));
    assert!(history.contains(&step(VisitStatus::ReminderSent, 18, "second reminder")));
    assert_eq!(state.revision, 2, "each concurrent edit counts");
    assert!(state.updated == at(10) || state.updated == at(20));

    // Every change's actor is the key that signed it.
    let sigs: HashMap<[u8; 32], ChangeSig> =
        [base_sig, sig_a, sig_b].into_iter().map(|s| (s.hash, s)).collect();
    let mut actors = BTreeSet::new();
    for change in ab.changes() {
        let sig = &sigs[&change.hash.0];
        assert_eq!(&change.actor.to_bytes()[..32], &sig.signer.0[..]);
        assert!(sig.verifies(id(1)));
        actors.insert(sig.signer);
    }
    assert_eq!(actors, BTreeSet::from([public(OHCHR_1), public(ACHPR)]));
}

#[test]
fn concurrent_first_entries_of_an_empty_list_are_both_kept() {
    let (base, _) = created();
    let original = base.read().unwrap().fields;
    assert!(original.visit.as_ref().unwrap().sites.is_empty());
    let site = |cc: &str| crate::Site { country: cc.parse().unwrap(), place: None };
    let mut a = base.clone();
    let mut fa = original.clone();
    fa.visit.as_mut().unwrap().sites.push(site("NR"));
    write(&mut a, OHCHR_1, Some(&fa), false, 1).unwrap();
    let mut b = base.clone();
    let mut fb = original.clone();
    fb.visit.as_mut().unwrap().sites.push(site("AU"));
    write(&mut b, ACHPR, Some(&fb), false, 2).unwrap();
    a.merge(&mut b).unwrap();
    let sites = a.read().unwrap().fields.visit.unwrap().sites;
    assert_eq!(sites.len(), 2, "{sites:?}");
}

#[test]
fn two_histories_under_one_key_still_merge() {
    // A restored backup writes again under the same key: the session suffix keeps the
    // actors apart, so automerge sees no duplicate sequence numbers.
    let (base, _) = created();
    let mut f = base.read().unwrap().fields;
    let mut a = base.clone();
    let mut b = base.clone();
    f.title.value = "one".to_owned();
    a.write(
        &key(OHCHR_1),
        id(1),
        Edit { fields: Some(&f), withdraw: false, now: at(1), session: [1; 8] },
    )
    .unwrap();
    f.themes = vec!["detention".to_owned()];
    b.write(
        &key(OHCHR_1),
        id(1),
        Edit { fields: Some(&f), withdraw: false, now: at(2), session: [2; 8] },
    )
    .unwrap();
    a.merge(&mut b).unwrap();
    assert_eq!(a.read().unwrap().revision, 2);
}

/// Documents from random and damaged bytes, and random fields written and read back.
mod props {
    use proptest::collection::vec;
    use proptest::prelude::*;

    use crate::test_support::strategies::*;
    use crate::test_support::*;
    use crate::{Edit, ItemDoc};

    /// A document that loads saves to bytes that load to the same changes.
    fn check_stable(bytes: &[u8]) -> Result<(), TestCaseError> {
        if let Ok(doc) = ItemDoc::load(bytes) {
            let _ = doc.read();
            let again = ItemDoc::load(&doc.save());
            prop_assert!(again.is_ok(), "a loaded document saves to bytes that do not load");
            let hashes = |d: &ItemDoc| d.changes().into_iter().map(|c| c.hash).collect::<Vec<_>>();
            prop_assert_eq!(hashes(&again.unwrap()), hashes(&doc));
        }
        Ok(())
    }

    proptest! {
        // Automerge work is slower; fewer cases suffice for these.
        #![proptest_config(ProptestConfig::with_cases(64))]

        #[test]
        fn random_bytes_are_refused_or_a_stable_document(bytes in vec(any::<u8>(), 0..600)) {
            check_stable(&bytes)?;
        }

        #[test]
        fn damaged_documents_are_refused_or_stable(
            flips in vec((any::<usize>(), any::<u8>()), 1..4),
            cut in any::<usize>(),
        ) {
            let saved = saved_doc();
            let mut cut_short = mutate(saved.clone(), &flips);
            cut_short.truncate(cut % (saved.len() + 1));
            check_stable(&mutate(saved, &flips))?;
            check_stable(&cut_short)?;
        }

        #[test]
        fn fields_survive_a_write_and_read_of_the_document(fields in arb_fields()) {
            let mut doc = ItemDoc::new();
            doc.write(&key(OHCHR_1), id(1), Edit { fields: Some(&fields), withdraw: false, now: at(0), session: [0; 8] }).unwrap();
            prop_assert_eq!(&doc.read().unwrap().fields, &fields);
            let reloaded = ItemDoc::load(&doc.save()).unwrap();
            prop_assert_eq!(reloaded.read().unwrap().fields, fields);
        }

        #[test]
        fn a_created_document_holds_the_state_create_returns(
            fields in arb_fields(),
            nanos in 0..1_000_000_000u32,
        ) {
            let now = at(0) + chrono::TimeDelta::nanoseconds(i64::from(nanos));
            let (doc, sig, state) = ItemDoc::create(&key(OHCHR_1), id(1), fields.clone(), now, [0; 8]).unwrap();
            prop_assert_eq!(&doc.read().unwrap(), &state);
            prop_assert_eq!(&ItemDoc::load(&doc.save()).unwrap().read().unwrap(), &state);
            prop_assert!(sig.verifies(id(1)));
            prop_assert_eq!(doc.changes().len(), 1);
            prop_assert_eq!(doc.changes()[0].hash.0, sig.hash);
        }

        #[test]
        fn a_second_write_replaces_the_first_exactly(first in arb_fields(), second in arb_fields()) {
            let mut doc = ItemDoc::new();
            doc.write(&key(OHCHR_1), id(1), Edit { fields: Some(&first), withdraw: false, now: at(0), session: [0; 8] }).unwrap();
            let sig = doc.write(&key(OHCHR_1), id(1), Edit { fields: Some(&second), withdraw: false, now: at(1), session: [0; 8] }).unwrap();
            let state = doc.read().unwrap();
            prop_assert_eq!(&state.fields, &second);
            prop_assert_eq!(sig.is_some(), first != second);
            prop_assert_eq!(state.revision, u64::from(first != second));
        }
    }
}

/// Found by the `doc` fuzz target: these bytes made automerge's loader panic.
#[test]
fn a_document_that_panics_the_decoder_is_refused() {
    let bytes = include_bytes!("../testdata/doc_load_panic.bin");
    assert!(matches!(
        ItemDoc::load(bytes),
        Err(crate::DocError::Load(_) | crate::DocError::Expands(_))
    ));
}
