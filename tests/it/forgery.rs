//! Hostile input on every way in: a header claiming another mechanism's authorship, a co-owner
//! named without its consent, and fields a local write would refuse (a programme on a green
//! visit, `javascript:` and `data:` URLs, dates beyond any calendar) are refused by sync, by
//! import and by `liaison verify`, and a peer's attempts are counted in `liaison peers`.

use chrono::{NaiveDate, Utc};
use ed25519_dalek::SigningKey;
use liaison_node::{Entry, Record, export};
use liaison_protocol::sync::{ItemPayload, SyncRequest, SyncResponse, heads_digest};
use liaison_protocol::{
    Card, Consent, Edit, Fields, Header, ItemDoc, ItemId, Label, Link, ProgrammeEntry, Role,
    SCHEMA_VERSION, When,
};

use crate::fed_support::{TestNode, mech, visit};
use crate::support::Node;
use crate::wire_support::RawPeer;

fn card_of(key: &SigningKey, mechanism: &str) -> Card {
    Card {
        mechanism: mech(mechanism),
        name: None,
        role: Role::Member,
        key: (&key.verifying_key()).into(),
        addrs: Vec::new(),
    }
}

fn coe() -> SigningKey {
    SigningKey::from_bytes(&[31; 32])
}

/// A second node of coe.
fn coe_2() -> SigningKey {
    SigningKey::from_bytes(&[32; 32])
}

/// An item created and signed by `key`, owned by `owner`, with `co_owners` and `consents`, as
/// a hostile node can make it: nothing here checks anything.
fn signed_item(
    key: &SigningKey,
    seed: u8,
    (owner, co_owners): (&str, &[&str]),
    consents: impl FnOnce(ItemId) -> Vec<Consent>,
    label: Label,
    fields: &Fields,
) -> Entry {
    let id = ItemId::from_random_bytes([seed; 16]);
    let header = Header {
        v: SCHEMA_VERSION,
        id,
        kind: fields.kind().expect("one kind"),
        owner: mech(owner),
        co_owners: co_owners.iter().map(|m| mech(m)).collect(),
        label,
        audience: Vec::new(),
        created: Utc::now(),
        creator: (&key.verifying_key()).into(),
        supersedes: None,
        consents: consents(id),
    };
    let mut doc = ItemDoc::new();
    let edit = Edit { fields: Some(fields), withdraw: false, now: Utc::now(), session: [5; 8] };
    let sig = doc.write(key, id, edit).expect("write").expect("a change");
    let state = doc.read().expect("read");
    let digest = heads_digest(&doc.heads()).to_vec();
    let record = Record {
        header: header.clone().sign(key),
        doc: doc.save(),
        sigs: vec![sig],
        state,
        digest,
    };
    Entry { header, record }
}

fn payload(entry: &Entry) -> ItemPayload {
    let r = &entry.record;
    ItemPayload { header: r.header.clone(), doc: r.doc.clone(), sigs: r.sigs.clone() }
}

fn green_visit() -> Fields {
    visit("A visit to Tunisia", Label::Green, &[], &[]).fields
}

/// Forged authorship, each with what its refusal says: signed by coe's node, (1) claiming
/// ohchr as owner with coe as co-owner (coe consenting to itself), (2) naming ohchr as
/// co-owner without its consent, (3) with a consent for ohchr signed by another node of coe.
fn forgeries() -> Vec<(&'static str, Entry, &'static str)> {
    let fields = green_visit();
    let consent = |key: SigningKey, owner: &'static str, co: &'static str| {
        move |id| {
            vec![Consent::sign(&key, id, liaison_protocol::Kind::Visit, &mech(owner), &mech(co))]
        }
    };
    vec![
        (
            "owner claimed through co_owners",
            signed_item(
                &coe(),
                1,
                ("ohchr", &["coe"]),
                consent(coe(), "ohchr", "coe"),
                Label::Green,
                &fields,
            ),
            "not by a member node of ohchr",
        ),
        (
            "a co-owner named without consent",
            signed_item(&coe(), 2, ("coe", &["ohchr"]), |_| Vec::new(), Label::Green, &fields),
            "consent",
        ),
        (
            "a consent signed by a node of another mechanism",
            signed_item(
                &coe(),
                3,
                ("coe", &["ohchr"]),
                consent(coe_2(), "coe", "ohchr"),
                Label::Green,
                &fields,
            ),
            "not by a member node of ohchr",
        ),
    ]
}

/// Items by coe with fields no local write would accept, with the field each refusal names.
fn bad_fields() -> Vec<(&'static str, Entry, &'static str)> {
    let mut programme = green_visit();
    if let Some(v) = programme.visit.as_mut() {
        v.programme.push(ProgrammeEntry {
            date: NaiveDate::from_ymd_opt(2027, 5, 3).expect("date"),
            place: "Tunis".to_owned(),
            meeting: "A witness at risk of reprisal".to_owned(),
        });
    }
    let mut script = green_visit();
    script.links.push(Link {
        rel: "related".to_owned(),
        href: "javascript:alert(1)".to_owned(),
        lang: None,
    });
    let mut data = green_visit();
    data.links.push(Link {
        rel: "related".to_owned(),
        href: "data:text/html,<script>alert(1)</script>".to_owned(),
        lang: None,
    });
    let mut far = green_visit();
    if let Some(v) = far.visit.as_mut() {
        v.actual = Some(liaison_protocol::Span { start: NaiveDate::MAX, end: NaiveDate::MAX });
    }
    let mut event = Fields::new(far.title.clone());
    event.event = Some(liaison_protocol::Event {
        category: liaison_protocol::EventCategory::Deadline,
        start: When::Date(NaiveDate::MAX),
        end: None,
        status: liaison_protocol::EventStatus::Confirmed,
        location: None,
        session: None,
        related: Vec::new(),
    });
    let by_coe = |seed, label, fields: &Fields| {
        signed_item(&coe(), seed, ("coe", &[]), |_| Vec::new(), label, fields)
    };
    vec![
        ("a programme on a green visit", by_coe(11, Label::Green, &programme), "programme"),
        ("a javascript: link", by_coe(12, Label::Clear, &script), "links.href"),
        ("a data: link", by_coe(13, Label::Clear, &data), "links.href"),
        ("a visit on the last day chrono knows", by_coe(14, Label::Clear, &far), "actual.start"),
        ("an all-day event with no day after it", by_coe(15, Label::Clear, &event), "start"),
    ]
}

/// `liaison peers --format json` of the running node, run as a process.
async fn peers_json(node: &TestNode) -> Vec<serde_json::Value> {
    let dir = node.path().to_owned();
    let run = tokio::task::spawn_blocking(move || {
        std::process::Command::new(crate::support::liaison_bin())
            .arg("--data-dir")
            .arg(dir)
            .args(["peers", "--format", "json"])
            .env_remove("LIAISON_DIR")
            .output()
            .expect("run liaison peers")
    })
    .await
    .expect("join");
    assert!(run.status.success(), "liaison peers: {}", String::from_utf8_lossy(&run.stderr));
    serde_json::from_slice(&run.stdout).expect("peers json")
}

/// Pushes `cases` one by one from coe's node; each is refused, nothing is stored, and
/// `liaison peers` counts every refusal against coe.
async fn refused_on_push(cases: Vec<(&'static str, Entry, &'static str)>) {
    let mut ohchr = TestNode::init("ohchr", "ohchr", Role::Member);
    ohchr.start().await;
    ohchr.knows(&card_of(&coe(), "coe")).await;
    ohchr.knows(&card_of(&coe_2(), "coe")).await;
    let (target, addr) = RawPeer::addr_of(&ohchr);
    let mut raw = RawPeer::new(&coe());
    for (what, entry, needle) in &cases {
        let push = SyncRequest::Push(vec![payload(entry)]);
        let answer = raw.request(target, &addr, push).await;
        match &answer {
            Ok(SyncResponse::Ack { accepted: 0, refused }) => {
                assert_eq!(refused.len(), 1, "{what}: {answer:?}");
                assert_eq!(refused[0].0, entry.header.id, "{what}");
                assert!(refused[0].1.contains(needle), "{what}: {answer:?}");
            }
            other => panic!("{what}: expected the item refused, got {other:?}"),
        }
    }
    assert!(ohchr.ids().await.is_empty(), "a refused item was stored");
    let peers = peers_json(&ohchr).await;
    let by_coe: u64 = peers
        .iter()
        .filter(|p| p["mechanism"] == "coe")
        .map(|p| p["refused"].as_u64().expect("refused count"))
        .sum();
    assert_eq!(by_coe, cases.len() as u64, "{peers:#?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forged_authorship_is_refused_by_sync_and_counted_in_peers() {
    refused_on_push(forgeries()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn received_fields_that_local_writes_refuse_are_refused_and_counted() {
    // Three per link: a fourth refusal would disconnect the peer, which is another test's.
    refused_on_push(bad_fields().into_iter().take(3).collect()).await;
}

/// A node of ohchr that knows both coe nodes.
fn ohchr_cli() -> Node {
    let node = Node::init("ohchr");
    for key in [coe(), coe_2()] {
        node.ok(&["roster", "add", &card_of(&key, "coe").encode()]);
    }
    node
}

#[test]
fn forged_authorship_and_bad_fields_are_refused_by_import() {
    let node = ohchr_cli();
    for (what, entry, needle) in forgeries().into_iter().chain(bad_fields()) {
        let file = node.path().join("in.json");
        std::fs::write(&file, export::to_json(&[entry])).expect("write");
        let err = node.bad(&["import", file.to_str().expect("utf-8")]);
        assert!(err.contains(needle), "{what}: {err}");
    }
    assert_eq!(node.items(), serde_json::json!([]), "a refused import stored something");
}

#[test]
fn liaison_verify_refuses_forged_authorship_and_bad_fields() {
    // Without a roster, `verify` cannot tell which mechanism a key belongs to, so a consent by
    // another node of coe passes it; a creator consenting for itself, or no consent, does not.
    let node = Node::empty();
    let forged = forgeries().into_iter().take(2).map(|(what, entry, _)| (what, entry, "consent"));
    for (what, entry, needle) in forged.chain(bad_fields()) {
        let file = node.path().join("item.json");
        std::fs::write(&file, export::to_json(&[entry])).expect("write");
        let err = node.bad(&["verify", file.to_str().expect("utf-8")]);
        assert!(err.contains(needle), "{what}: {err}");
    }
}
