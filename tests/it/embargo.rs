//! Embargo: an item published under a narrower label becomes `clear` on time, reissued with a
//! fresh history, also when its node was down at that moment.

use std::time::{Duration, Instant};

use chrono::Utc;
use liaison_node::api::{Request, Response};
use liaison_node::daemon::{self, Options, Running};
use liaison_node::{Draft, InitOptions, Query, Repo};
use liaison_protocol::{DocType, Fields, ItemId, Kind, Label, Report, Text};

/// An amber visit with a programme (which a clear item may not carry) and an embargo.
fn visit(until: chrono::DateTime<Utc>) -> Draft {
    let mut fields =
        Fields::new(Text { value: "Visit to Tunisia".to_owned(), lang: Default::default() });
    let mut visit = liaison_protocol::Visit::new(
        "SR on torture",
        "TN".parse().expect("country"),
        liaison_protocol::VisitStatus::Scheduled,
    );
    visit.programme = vec![liaison_protocol::ProgrammeEntry {
        date: "2027-05-04".parse().expect("date"),
        place: "Tunis".into(),
        meeting: "Marker interlocutors".into(),
    }];
    visit.notes = Some("Marker notes".into());
    fields.visit = Some(visit);
    fields.embargo_until = Some(until);
    let audience = vec!["achpr".parse().expect("code")];
    Draft {
        kind: Kind::Visit,
        fields,
        label: Label::Amber,
        audience,
        co_owners: Vec::new(),
        supersedes: None,
    }
}

fn draft(title: &str, until: chrono::DateTime<Utc>) -> Draft {
    let mut fields = Fields::new(Text { value: title.to_owned(), lang: Default::default() });
    fields.report = Some(Report {
        symbol: None,
        doc_type: DocType::EndOfVisitStatement,
        issued: "2027-05-14".parse().expect("date"),
        files: Vec::new(),
        summary: None,
        related_visit: None,
    });
    fields.embargo_until = Some(until);
    Draft {
        kind: Kind::Report,
        fields,
        label: Label::AmberStrict,
        audience: Vec::new(),
        co_owners: Vec::new(),
        supersedes: None,
    }
}

async fn start(dir: &std::path::Path) -> Running {
    daemon::start(dir.to_owned(), Options::default()).await.expect("start node")
}

async fn entries(node: &Running) -> Vec<liaison_node::Entry> {
    let query = Query { withdrawn: true, ..Query::default() };
    match node.handle.request(Request::List { query }).await.expect("list") {
        Response::Entries(e) => e,
        other => panic!("unexpected {other:?}"),
    }
}

/// Waits until the item superseding `old` is there and clear; returns it.
async fn published(node: &Running, old: ItemId) -> liaison_node::Entry {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let all = entries(node).await;
        if let Some(new) = all.iter().find(|e| e.header.supersedes == Some(old)) {
            let old_entry =
                all.iter().find(|e| e.header.id == old).expect("the old item stays, withdrawn");
            assert!(old_entry.record.state.withdrawn, "the embargoed original is withdrawn");
            return new.clone();
        }
        assert!(Instant::now() < deadline, "the embargoed item was not published in time");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn check_fresh(new: &liaison_node::Entry, title: &str) {
    assert_eq!(new.header.label, Label::Clear);
    assert_eq!(new.record.state.fields.title.value, title);
    assert_eq!(new.record.state.fields.embargo_until, None);
    assert_eq!(new.record.sigs.len(), 1, "a fresh history: one change, none of the drafts");
}

fn init(dir: &std::path::Path) {
    let options = InitOptions {
        mechanism: "ohchr".parse().expect("code"),
        name: None,
        role: liaison_protocol::Role::Member,
        listen: vec!["/ip4/127.0.0.1/tcp/0".into()],
        api: Some("127.0.0.1:0".into()),
        http: None,
    };
    drop(Repo::init(dir, options).expect("init"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_embargoed_item_becomes_public_on_time_without_its_history() {
    let dir = tempfile::tempdir().expect("tempdir");
    init(dir.path());
    let node = start(dir.path()).await;
    let until = Utc::now() + chrono::Duration::seconds(3);
    let Response::Id(id) = node
        .handle
        .request(Request::Create { draft: Box::new(visit(until)) })
        .await
        .expect("create")
    else {
        panic!("no id")
    };
    // Drafts before publication: history the wider audience must never see.
    for status in ["dates_proposed", "scheduled"] {
        let step = liaison_protocol::StatusStep {
            status: status.parse().expect("status"),
            date: Utc::now().date_naive(),
            note: Some("Marker draft".into()),
        };
        let patch = liaison_protocol::VisitPatch { status: Some(step), ..Default::default() };
        node.handle.request(Request::UpdateVisit { id, patch }).await.expect("update");
    }
    let before = entries(&node).await;
    assert!(
        before.iter().all(|e| e.header.label != Label::Clear),
        "nothing public before the embargo ends"
    );
    assert_eq!(before[0].record.sigs.len(), 3);
    let new = published(&node, id).await;
    assert!(Utc::now() >= until, "not before its time");
    check_fresh(&new, "Visit to Tunisia");
    let visit = new.record.state.fields.visit.as_ref().expect("a visit");
    assert!(
        visit.programme.is_empty() && visit.notes.is_none(),
        "programme and notes never go public"
    );
    let public = serde_json::to_string(&new.record.state).expect("json");
    assert!(!public.contains("Marker interlocutors") && !public.contains("Marker notes"));
    node.stop().await.expect("stop");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_embargo_that_ends_while_the_node_is_down_is_caught_up_at_start() {
    let dir = tempfile::tempdir().expect("tempdir");
    init(dir.path());
    let node = start(dir.path()).await;
    let until = Utc::now() + chrono::Duration::seconds(1);
    let Response::Id(id) = node
        .handle
        .request(Request::Create { draft: Box::new(draft("While down", until)) })
        .await
        .expect("create")
    else {
        panic!("no id")
    };
    node.stop().await.expect("stop");
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let node = start(dir.path()).await;
    let new = published(&node, id).await;
    check_fresh(&new, "While down");
    node.stop().await.expect("stop");
}
