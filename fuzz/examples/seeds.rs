//! Writes the seed corpus (`fuzz/seeds/<target>/`): real sync messages, identity cards, import
//! files, signed headers, items and documents of the fixture federation, and public site
//! requests. Run it from `fuzz/` with `cargo run --example seeds`; it replaces what was there.

use std::fs;
use std::path::Path;

use liaison_fuzz::{Federation, NODES, card, catalog, roster};
use liaison_node::export::{plan_import, to_json};
use liaison_node::{Entry, Query, verify_payloads};
use liaison_protocol::codec;
use liaison_protocol::sync::{
    Catalog, ItemPayload, Range, RangeMsg, Reconcile, Reconciler, SyncRequest, SyncResponse,
};
use serde_json::Value;

fn write(target: &str, name: &str, bytes: impl AsRef<[u8]>) {
    let dir = Path::new("seeds").join(target);
    fs::create_dir_all(&dir).expect("create the seed directory");
    fs::write(dir.join(name), bytes).expect("write a seed");
}

fn payload(entry: &Entry) -> ItemPayload {
    let record = entry.record.clone();
    ItemPayload { header: record.header, doc: record.doc, sigs: record.sigs }
}

fn sync_seeds(entries: &[Entry]) {
    let ours: Catalog = catalog();
    let mut theirs = ours.clone();
    let first = ours.entries(&Range::all())[0].0;
    theirs.insert(first, [0xee; 32]);
    let start = Reconciler::default().start(&ours);
    let reply = Reconciler::default().respond(&theirs, &start).expect("a valid turn");
    let reply = reply.reply.expect("the catalogues differ");
    let first_five: Catalog = ours.entries(&Range::all())[..5].iter().copied().collect();
    let few = Reconciler::default().start(&first_five);
    let done = Reconcile { ranges: vec![RangeMsg::Done { range: Range::all() }] };
    let payloads: Vec<ItemPayload> = entries.iter().take(2).map(payload).collect();
    let ids: Vec<_> = entries.iter().map(|e| e.header.id).collect();
    let offer = ours.entries(&Range::all())[..8].to_vec();
    let requests = [
        ("request_reconcile_start", SyncRequest::Reconcile(start.clone())),
        ("request_reconcile_split", SyncRequest::Reconcile(reply.clone())),
        ("request_reconcile_items", SyncRequest::Reconcile(few.clone())),
        ("request_push", SyncRequest::Push(payloads.clone())),
        ("request_fetch", SyncRequest::Fetch(ids.clone())),
        ("request_offer", SyncRequest::Offer(offer)),
    ];
    for (name, message) in requests {
        write("sync_message", name, message.encode());
    }
    let responses = [
        ("response_reconcile", SyncResponse::Reconcile(reply)),
        ("response_done", SyncResponse::Reconcile(done)),
        ("response_items", SyncResponse::Items(payloads)),
        ("response_ack", SyncResponse::Ack { accepted: 1, refused: vec![(ids[0], "no".into())] }),
        ("response_refused", SyncResponse::Refused("too many ranges".to_owned())),
    ];
    for (name, message) in responses {
        write("sync_message", name, message.encode());
    }
}

fn card_seeds(federation: &Federation) {
    for (mechanism, seed, role) in NODES {
        write("card", mechanism, card(mechanism, seed, role).encode());
    }
    let named = federation.members[0].identity().card();
    write("card", "with_addrs_and_name", named.encode());
}

fn import_seeds(entries: &[Entry]) {
    // The seeds must reach past parsing: the signed ones verify against the fixture roster.
    let own = "ohchr".parse().expect("a valid mechanism");
    let plan = plan_import(&to_json(entries), &roster(), &own).expect("the export imports");
    assert_eq!(plan.signed.len(), entries.len());
    write("import_file", "all", to_json(entries));
    write("import_file", "one", to_json(&entries[..1]));
    let mut file: Value = serde_json::from_str(&to_json(&entries[..2])).expect("export is JSON");
    for item in file["items"].as_array_mut().expect("items").iter_mut() {
        let item = item.as_object_mut().expect("an item is an object");
        for key in ["id", "owner", "provenance", "created", "updated", "revision"] {
            item.remove(key);
        }
    }
    let new_items = serde_json::to_string_pretty(&file).expect("json");
    let plan = plan_import(&new_items, &roster(), &own).expect("the new items import");
    assert_eq!(plan.drafts.len(), 2);
    write("import_file", "new_items", new_items);
}

fn item_seeds(federation: &Federation) {
    for (m, repo) in federation.members.iter().enumerate() {
        let entries = repo.list(&Query::default()).expect("list the fixture items");
        for (n, entry) in entries.iter().take(3).enumerate() {
            let name = format!("{}_{n}", NODES[m].0);
            write("header", &name, codec::encode(&entry.record.header));
            let checked = verify_payloads(&roster(), &[payload(entry)], |_| Default::default());
            assert!(checked.iter().all(Result::is_ok), "a seed item verifies");
            write("item", &name, codec::encode(&payload(entry)));
            write("doc", &name, &entry.record.doc);
        }
    }
}

fn public_seeds(entries: &[Entry]) {
    let clear = entries.iter().find(|e| e.header.label == liaison_protocol::Label::Clear);
    let id = clear.map_or_else(String::new, |e| e.header.id.to_string());
    let queries = [
        "kind=visit&country=TUN".to_owned(),
        "mechanism=ohchr&from=2027-01-01&to=2027-12-31".to_owned(),
        "limit=2".to_owned(),
        format!("limit=1&cursor=2027-03-01_{id}"),
        "country=&kind=".to_owned(),
        "/visits/?country=tn&from=2027-02-30".to_owned(),
        "/reports/?mechanism=achpr".to_owned(),
        "/events/?to=2028-01-01".to_owned(),
        "/calendar.ics?country=KEN".to_owned(),
        "/reports.atom?mechanism=ohchr".to_owned(),
        "/countries/TUN/".to_owned(),
        format!("/items/{id}/"),
        format!("/items/{id}/provenance"),
        format!("/api/v1/items/{id}"),
    ];
    for (n, query) in queries.iter().enumerate() {
        write("public_query", &format!("query_{n:02}"), query);
    }
}

fn main() {
    let _ = fs::remove_dir_all("seeds");
    let dir = tempfile::tempdir().expect("a temporary directory");
    let federation = Federation::create(dir.path());
    let entries = federation.members[0].list(&Query::default()).expect("list the fixture items");
    sync_seeds(&entries);
    card_seeds(&federation);
    import_seeds(&entries);
    item_seeds(&federation);
    public_seeds(&entries);
}
