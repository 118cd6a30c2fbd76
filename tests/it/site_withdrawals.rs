//! Withdrawn items leave every output of a mirror; items reissued as `clear` arrive with a
//! fresh history.

use std::collections::BTreeSet;

use liaison_node::api::{Request, Response};
use liaison_protocol::{ItemId, Label, Provenance, VisitPatch};

use crate::mirror_support::*;
use crate::site_support::*;
use crate::support::base64_decode;

/// A withdrawn item leaves every output of the mirror (pages, API, feeds, static export), and
/// so does a clear item reissued under a narrower label; an item reissued as `clear` arrives
/// with a history of one change, none of its restricted drafts, and the old id is not found.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn withdrawn_items_leave_the_mirror_and_reissued_ones_arrive_with_a_fresh_history() {
    let fed = Fed::start().await;
    let (mirror, member) = (fed.mirror(), fed.site(OHCHR));
    let ohchr = &fed.net[OHCHR];
    let mut gone = Vec::new();
    for draft in marked_drafts_with("zzwithdrawn", Label::Clear, &[]) {
        gone.push(ohchr.create(draft).await);
    }
    let narrowed = marked_drafts_with("zznarrowed", Label::Clear, &[]).swap_remove(0);
    let narrowed = ohchr.create(narrowed).await;
    gone.push(narrowed);
    for id in &gone {
        until_status(mirror, &format!("/api/v1/items/{id}"), 200).await;
    }
    // Before: they show everywhere they should.
    let before: String = crawl(mirror).await.values().map(|a| readable(&a.body)).collect();
    let feeds =
        readable(&(get_ok(mirror, "/calendar.ics").await + &get_ok(mirror, "/reports.atom").await));
    for marker in [
        "zzwithdrawnclearvisit",
        "zzwithdrawnclearevent",
        "zzwithdrawnclearreport",
        "zzwithdrawnclearcontact",
        "zznarrowedclearvisit",
    ] {
        assert!(before.contains(marker), "{marker} not on the mirror before");
    }
    for marker in ["zzwithdrawnclearvisit", "zzwithdrawnclearevent", "zzwithdrawnclearreport"] {
        assert!(feeds.contains(marker), "{marker} not in the feeds before");
    }

    for id in &gone[..4] {
        let answer = ohchr.request(Request::Withdraw { id: *id }).await;
        assert!(matches!(answer, Response::Withdrawn(true)), "{answer:?}");
    }
    let answer = ohchr
        .request(Request::Reissue { id: narrowed, label: Label::AmberStrict, audience: Vec::new() })
        .await;
    let Response::Id(narrowed_new) = answer else { panic!("reissue answered {answer:?}") };

    // A restricted draft, edited, then reissued as clear.
    // Only the title and the mandate carry the draft marker; the edit replaces both, so the
    // draft marker lives only in the old, restricted history.
    let mut draft = marked_drafts_with("zzreissued", Label::Amber, &["achpr"]).swap_remove(0);
    draft.fields.title.value = "zzdraftreissue title".into();
    let visit = draft.fields.visit.as_mut().expect("visit");
    visit.programme.clear();
    visit.notes = None;
    visit.mandate = "zzdraftreissue mandate".into();
    let old = ohchr.create(draft).await;
    let patch = VisitPatch {
        title: Some("Reissued visit to Senegal".into()),
        mandate: Some("SR on the right to education".into()),
        ..VisitPatch::default()
    };
    let answer = ohchr.request(Request::UpdateVisit { id: old, patch }).await;
    assert!(matches!(answer, Response::Updated(Some(1))), "{answer:?}");
    assert_eq!(ohchr.view(old).await.history.len(), 2, "the draft has two changes");
    let answer = ohchr
        .request(Request::Reissue { id: old, label: Label::Clear, audience: Vec::new() })
        .await;
    let Response::Id(new) = answer else { panic!("reissue answered {answer:?}") };

    until_status(mirror, &format!("/api/v1/items/{new}"), 200).await;
    for id in &gone {
        until_status(mirror, &format!("/api/v1/items/{id}"), 404).await;
    }
    fed.net.quiesce().await;

    // The reissued item: one change, by ohchr, superseding the old id, with the final fields.
    let prov = get_json(mirror, &format!("/items/{new}/provenance")).await;
    let provenance: Provenance =
        serde_json::from_value(prov["provenance"].clone()).expect("provenance");
    let checked = provenance.check().expect("the reissued item's provenance checks");
    assert_eq!(checked.changes.len(), 1, "a fresh history of one change: {:?}", checked.changes);
    assert_eq!(checked.header.supersedes, Some(old));
    assert_eq!(checked.header.label, Label::Clear);
    assert_eq!(checked.changes[0].1, fed.net[OHCHR].key());
    let document = base64_decode(&provenance.document);
    assert!(
        !readable(&String::from_utf8_lossy(&document)).contains("zzdraftreissue"),
        "draft text in the document"
    );
    let item = get_json(mirror, &format!("/api/v1/items/{new}")).await;
    assert_eq!(item["fields"]["title"]["value"], "Reissued visit to Senegal");
    assert_eq!(item["supersedes"], old.to_string());
    let url = format!("http://{mirror}/items/{new}/provenance");
    let (code, stdout, stderr) = verify(&url, fed.net[OHCHR].path()).await;
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(stdout.contains(" 1 changes "), "{stdout}");

    // Gone from every output of the mirror and of the member's site, and from their exports.
    // The old id may show as the new item's `supersedes` (its signed header names it), but
    // the old item itself is not found: checked below with the others.
    let mut hidden: BTreeSet<ItemId> = gone.iter().copied().collect();
    hidden.insert(narrowed_new);
    let secrets: BTreeSet<String> =
        ["zzwithdrawn", "zznarrowed", "zzdraftreissue"].map(String::from).into();
    let mut all = fed.all_ids().await;
    all.extend(&hidden);
    let never = get(mirror, &item_paths(&unknown_ids()[0])[1]).await;
    let mut problems = Vec::new();
    for (name, node, addr) in [("mirror", MIRROR, mirror), ("ohchr member site", OHCHR, member)] {
        let out = outputs(addr, &all).await;
        for (path, answer) in &out {
            for leak in leaks(&answer.body, &hidden, &secrets) {
                problems.push(format!("{name} GET {path}: {leak}"));
            }
        }
        for id in hidden.iter().chain([&old]) {
            for path in item_paths(&id.to_string()) {
                assert_eq!(out[&path].status, 404, "{name} {path}");
            }
            let answer = &out[&format!("/items/{id}/provenance")];
            assert_eq!(
                answer.comparable(),
                never.comparable(),
                "{name}: {id} answers unlike a missing item"
            );
        }
        assert!(
            out.values().any(|a| readable(&a.body).contains("reissued visit to senegal")),
            "{name}"
        );
        let dir = tempfile::tempdir().expect("tempdir");
        fed.export(node, dir.path()).await;
        let written = files_under(dir.path());
        for (path, text) in &written {
            for leak in leaks(text, &hidden, &secrets) {
                problems.push(format!("{name} static export {path}: {leak}"));
            }
        }
        assert!(
            written.contains_key(&format!("items/{new}/index.html")),
            "{name}: reissued item not exported"
        );
    }
    assert!(
        problems.is_empty(),
        "withdrawn or superseded content is public:\n{}",
        problems.join("\n")
    );
}
