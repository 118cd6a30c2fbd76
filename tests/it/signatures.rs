//! Signatures: imports refuse changes whose signature does not verify, whose signer is unknown,
//! or whose signer's mechanism may not write the item; genuine changes show as verified.

use std::str::FromStr as _;

use ed25519_dalek::SigningKey;
use liaison_protocol::{Edit, Fields, ItemDoc, ItemId};
use serde_json::Value;

use crate::support::{Node, base64_decode, base64_encode, hex_decode};

/// Node A of ohchr with one green visit updated once (two signed changes), and its export.
fn owner_with_export() -> (Node, String, Value) {
    let a = Node::init("ohchr");
    let id = a.publish(&["visit", "forecast", "--mandate", "CPT", "--country", "TN"]);
    a.ok(&["visit", "update", &id, "--status", "accepted", "--planned", "2027-Q3"]);
    let export = a.export_json();
    (a, id, export)
}

/// Imports `file` into `node`, expecting a refusal (exit 2, one line) containing `needle`, and
/// the store as it was.
fn import_refused(node: &Node, export: &Value, needle: &str) -> String {
    let before = node.items();
    let err = node.bad(&["import", &node.write_json("import.json", export)]);
    assert!(err.contains(needle), "expected {needle:?} in {err:?}");
    assert_eq!(node.items(), before, "a refused import changed the store");
    err
}

/// Flips the hex digit at `at` of `text` to another hex digit.
fn flip_hex(text: &str, at: usize) -> String {
    let mut chars: Vec<char> = text.chars().collect();
    chars[at] = if chars[at] == '0' { '1' } else { '0' };
    chars.into_iter().collect()
}

#[test]
fn a_change_with_a_bad_signature_is_refused() {
    let (a, _, export) = owner_with_export();
    let b = Node::init("achpr");
    b.knows(&a);
    b.publish(&["event", "add", "--title", "Session", "--start", "2027-04-01"]);
    let sig = |e: &mut Value, i: usize| e["items"][0]["provenance"]["signatures"][i].take();
    for at in [0, 63, 127] {
        for change in 0..2 {
            let mut forged = export.clone();
            let mut s = sig(&mut forged, change);
            s["signature"] = flip_hex(s["signature"].as_str().unwrap(), at).into();
            forged["items"][0]["provenance"]["signatures"][change] = s;
            import_refused(&b, &forged, "bad signature");
        }
    }
    let mut unsigned = export.clone();
    unsigned["items"][0]["provenance"]["signatures"].as_array_mut().unwrap().pop();
    import_refused(&b, &unsigned, "is not signed");
    let mut header = export.clone();
    let h = &mut header["items"][0]["provenance"]["header_signature"];
    *h = flip_hex(h.as_str().unwrap(), 5).into();
    import_refused(&b, &header, "header signature does not verify");
    let mut signer = export.clone();
    signer["items"][0]["provenance"]["signatures"][0]["signer"] = b.card_key().into();
    import_refused(&b, &signer, "bad signature");
    b.ok(&["import", &b.write_json("genuine.json", &export)]);
    assert_eq!(b.items().as_array().unwrap().len(), 2, "the genuine file imports");
}

#[test]
fn an_item_from_a_node_outside_the_roster_is_refused() {
    let (a, _, export) = owner_with_export();
    let b = Node::init("achpr");
    let err = import_refused(&b, &export, "is not in the roster");
    assert!(err.contains(&a.card_key()), "the unknown signer is named: {err}");
    let stranger = Node::init("ohchr");
    b.knows(&stranger);
    import_refused(&b, &export, "is not in the roster");
}

#[test]
fn a_node_of_another_mechanism_may_not_change_an_imported_item() {
    let (a, id, export) = owner_with_export();
    let c = Node::init("coe");
    c.knows(&a);
    c.ok(&["import", &c.write_json("a.json", &export)]);
    let (before, copy) = (c.items(), c.export_json());
    for args in [
        vec!["visit", "update", &id, "--status", "cancelled"],
        vec!["visit", "update", &id, "--title", "Retitled by coe"],
        vec!["withdraw", &id],
        vec!["reissue", &id, "--label", "green"],
    ] {
        let err = c.bad(&args);
        assert!(err.contains("owned by ohchr") && err.contains("(coe) may not change"), "{err}");
    }
    assert_eq!(c.items(), before);
    assert_eq!(c.export_json(), copy, "coe's copy stays exactly as ohchr signed it");
}

/// The 32-byte seed in `node`'s key file, as a signing key.
fn signing_key(node: &Node) -> SigningKey {
    let text = std::fs::read_to_string(node.key_file()).unwrap();
    SigningKey::from_bytes(&hex_decode(text.trim()).try_into().expect("32 bytes"))
}

/// `export` with one more change to its first item, made and validly signed by `key`, and every
/// other field brought in line with the new document, as a careful forger would.
fn forge_change(export: &Value, key: &SigningKey) -> Value {
    let mut forged = export.clone();
    let item = &mut forged["items"][0];
    let id = ItemId::from_str(item["id"].as_str().unwrap()).unwrap();
    let mut doc = ItemDoc::load(&base64_decode(item["provenance"]["document"].as_str().unwrap()))
        .expect("the exported document loads");
    let mut fields = item["fields"].clone();
    fields["visit"]["status"] = "cancelled".into();
    let fields: Fields = serde_json::from_value(fields).unwrap();
    let edit =
        Edit { fields: Some(&fields), withdraw: false, now: chrono::Utc::now(), session: [7; 8] };
    let sig = doc.write(key, id, edit).unwrap().expect("a change");
    assert!(sig.verifies(id), "the forged change carries a valid signature by its signer");
    let state = doc.read().unwrap();
    item["fields"] = serde_json::to_value(&state.fields).unwrap();
    item["updated"] = serde_json::to_value(state.updated).unwrap();
    item["revision"] = state.revision.into();
    item["provenance"]["document"] = base64_encode(&doc.save()).into();
    let sigs = item["provenance"]["signatures"].as_array_mut().unwrap();
    sigs.push(serde_json::to_value(&sig).unwrap());
    forged
}

#[test]
fn a_change_signed_by_a_node_of_another_mechanism_is_refused() {
    let (a, id, export) = owner_with_export();
    let c = Node::init("coe");
    c.knows(&a);
    let forged = forge_change(&export, &signing_key(&c));
    let b = Node::init("achpr");
    b.knows(&a);
    b.knows(&c);
    let err = import_refused(&b, &forged, "may not write");
    assert!(err.contains("coe") && err.contains("ohchr") && err.contains(&c.card_key()), "{err}");
    b.ok(&["import", &b.write_json("genuine.json", &export)]);
    import_refused(&b, &forged, "may not write");
    assert_eq!(b.show_json(&id)["item"]["fields"]["visit"]["status"], "accepted");
    let unknown = Node::init("achpr");
    unknown.knows(&a);
    import_refused(&unknown, &forged, "is not in the roster");
}

#[test]
fn a_change_signed_by_another_node_of_the_owner_mechanism_is_accepted() {
    let (a, id, export) = owner_with_export();
    let a2 = Node::init("ohchr");
    let forged = forge_change(&export, &signing_key(&a2));
    let b = Node::init("achpr");
    b.knows(&a);
    b.knows(&a2);
    b.ok(&["import", &b.write_json("two-writers.json", &forged)]);
    let shown = b.show_json(&id);
    assert_eq!(shown["item"]["fields"]["visit"]["status"], "cancelled");
    assert_eq!(shown["item"]["revision"], 2);
    let history = shown["history"].as_array().unwrap();
    assert_eq!(history.len(), 3);
    assert!(history.iter().all(|c| c["verifies"] == true && c["mechanism"] == "ohchr"), "{shown}");
}

#[test]
fn show_reports_that_genuine_signatures_verify() {
    let (a, id, export) = owner_with_export();
    let b = Node::init("coe");
    b.knows(&a);
    b.ok(&["import", &b.write_json("a.json", &export)]);
    for node in [&a, &b] {
        let shown = node.ok(&["show", &id]);
        let history: Vec<&str> = shown.lines().skip_while(|l| *l != "history").skip(1).collect();
        assert_eq!(history.len(), 2, "{shown}");
        assert!(history.iter().all(|l| l.contains("signature verifies")), "{shown}");
        assert!(history.iter().all(|l| l.contains("ohchr")), "{shown}");
        assert!(!shown.contains("NOT VERIFY"), "{shown}");
        assert!(shown.contains("signed by ohchr") && shown.contains(": verifies"), "{shown}");
        let json = node.show_json(&id);
        assert_eq!(json["header_verifies"], true);
        assert!(json["history"].as_array().unwrap().iter().all(|c| c["verifies"] == true));
    }
}
