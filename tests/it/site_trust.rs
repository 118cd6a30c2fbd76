//! `liaison verify --trust KEYSET`: an NGO that anchors OHCHR's published keyset can tell a
//! genuine item from a forged one or from one served at another item's URL; with no anchor the
//! signatures still check, and the answer says that no key is anchored (exit 3). The owner's
//! signed checkpoints tell a current copy from a rolled back one: an old copy served with the
//! latest checkpoint fails, and with its own old checkpoint it fails `--max-age`.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use liaison_node::api::{Request, Response};
use liaison_protocol::trust::{AuthorityCard, CERT_PREFIX, KeysetFile, REVOCATION_PREFIX, Signed};
use liaison_protocol::{Label, Role};
use serde_json::Value;

use crate::fed_support::{TestNode, options, visit};
use crate::site_support::{get_json, get_ok, serve_copies, verify_with};
use crate::support::liaison_bin;

/// Runs `liaison authority ARGS` and returns what it printed.
fn authority(args: &[&str]) -> String {
    let out = Command::new(liaison_bin()).arg("authority").args(args).output().expect("run");
    assert!(out.status.success(), "authority {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

/// An OHCHR node serving its public site, certified by OHCHR's authority, whose keyset is
/// written to `keyset`.
async fn certified_node(dir: &Path, keyset: &Path) -> TestNode {
    let key_file = dir.join("ohchr-authority.key");
    let file = key_file.to_str().expect("utf-8");
    let card = authority(&["init", "--mechanism", "ohchr", "--out", file]);
    let mut node = TestNode::init("ohchr#0", "ohchr", Role::Member);
    let cert = authority(&["certify", "--authority", file, &node.card.encode()]);
    authority(&["keyset", "--authority", file, "-o", keyset.to_str().expect("utf-8")]);
    node.start_with(liaison_node::daemon::Options {
        http: Some("127.0.0.1:0".into()),
        checkpoint_every: std::time::Duration::from_secs(1),
        ..options()
    })
    .await;
    let card = AuthorityCard::decode(&card).expect("authority card");
    node.request(Request::RosterAddAuthority { card }).await;
    let signed = Signed::decode(&cert, CERT_PREFIX, "certificate").expect("certificate");
    match node.request(Request::AddStatements { statements: vec![signed] }).await {
        Response::Statements(outcomes) => {
            assert!(outcomes.iter().all(Result::is_ok), "{outcomes:?}")
        }
        other => panic!("cert add answered {other:?}"),
    }
    node
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verify_anchored_in_a_keyset_tells_genuine_from_forged_and_misplaced() {
    let dir = tempfile::tempdir().expect("tempdir");
    let keyset = dir.path().join("liaison-keyset.json");
    let keyset_arg = keyset.to_str().expect("utf-8").to_owned();
    let node = certified_node(dir.path(), &keyset).await;
    let site = node.running.as_ref().and_then(|r| r.http).expect("the node's public site");
    let chile = node.create(visit("Visit to Chile", Label::Clear, &[], &[])).await;
    let peru = node.create(visit("Visit to Peru", Label::Clear, &[], &[])).await;

    let url = format!("http://{site}/items/{chile}/provenance");
    let (code, out, err) = verify_with(&url, &["--trust", &keyset_arg]).await;
    assert_eq!(code, 0, "the genuine item: {out}{err}");
    assert!(out.contains("verified:") && out.contains("ohchr's keyset"), "{out}");
    let (code, out, err) = verify_with(&url, &[]).await;
    assert_eq!(code, 3, "no anchor: {out}{err}");
    assert!(err.contains("is not anchored"), "{err}");

    // The node serves the keyset it was given, as its authority signed it; a reader may anchor
    // in it by URL (here the same node: in practice the mechanism's own website).
    let file: KeysetFile =
        serde_json::from_str(&std::fs::read_to_string(&keyset).expect("read")).expect("keyset");
    match node.request(Request::AddKeyset { file: file.clone() }).await {
        Response::Statements(outcomes) => {
            assert!(outcomes.iter().all(Result::is_ok), "{outcomes:?}")
        }
        other => panic!("cert add --keyset answered {other:?}"),
    }
    let served: KeysetFile =
        serde_json::from_value(get_json(site, "/keysets/ohchr.json").await).expect("a keyset");
    assert_eq!(served, file);
    let keyset_url = format!("http://{site}/keysets/ohchr.json");
    let (code, out, err) = verify_with(&url, &["--trust", &keyset_url]).await;
    assert_eq!(code, 0, "anchored by URL: {out}{err}");

    // A node OHCHR's authority never certified writes an "OHCHR" item.
    let mut forger = TestNode::init("forger", "ohchr", Role::Member);
    forger
        .start_with(liaison_node::daemon::Options { http: Some("127.0.0.1:0".into()), ..options() })
        .await;
    let forged = forger.create(visit("Visit to Chile, cancelled", Label::Clear, &[], &[])).await;
    let forger_site = forger.running.as_ref().and_then(|r| r.http).expect("site");
    let genuine = get_json(site, &format!("/items/{chile}/provenance")).await;
    let forged_doc = get_json(forger_site, &format!("/items/{forged}/provenance")).await;
    let peru_doc = get_json(site, &format!("/items/{peru}/provenance")).await;
    let mut renamed = genuine.clone();
    renamed["signers"] = Value::Array(vec![]);

    let copies: BTreeMap<String, String> = [
        (format!("/items/{forged}/provenance"), forged_doc.to_string()),
        // Peru's genuine provenance where Chile's should be.
        (format!("/items/{chile}/provenance"), peru_doc.to_string()),
        // Chile's, with its unsigned list of signers emptied.
        ("/unsigned-fields".to_owned(), renamed.to_string()),
        ("/genuine".to_owned(), genuine.to_string()),
    ]
    .into_iter()
    .collect();
    let server = serve_copies(copies).await;
    let run = |path: String| {
        let keyset_arg = keyset_arg.clone();
        async move {
            let url = format!("http://{server}{path}");
            verify_with(&url, &["--trust", &keyset_arg]).await
        }
    };
    let (code, out, err) = run(format!("/items/{forged}/provenance")).await;
    assert_eq!(code, 3, "a key the keyset does not certify: {out}{err}");
    assert!(err.contains(&forger.key().to_string()), "names the key: {err}");
    let (code, out, err) = run(format!("/items/{chile}/provenance")).await;
    assert_eq!(code, 2, "another item at this URL: {out}{err}");
    assert!(err.contains(&format!("not for {chile}")), "{err}");
    let (code, out, err) = run("/unsigned-fields".to_owned()).await;
    assert_eq!(code, 2, "unsigned fields that disagree: {out}{err}");
    assert!(err.contains("'signers'"), "{err}");
    let (code, out, err) = run("/genuine".to_owned()).await;
    assert_eq!(code, 0, "a genuine copy anywhere: {out}{err}");
}

/// The provenance the site serves for `id`, once it comes with a proof against a checkpoint
/// of `count` items.
async fn proven(site: std::net::SocketAddr, id: liaison_protocol::ItemId, count: u64) -> Value {
    crate::fed_support::eventually(crate::fed_support::DEADLINE, || async {
        let doc = get_json(site, &format!("/items/{id}/provenance")).await;
        if doc["proof"]["size"].as_u64() == Some(count) {
            Ok(doc)
        } else {
            Err(format!("no proof against a checkpoint of {count} items yet: {}", doc["proof"]))
        }
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rolled_back_copy_fails_against_the_latest_checkpoint_or_the_max_age() {
    let dir = tempfile::tempdir().expect("tempdir");
    let keyset = dir.path().join("liaison-keyset.json");
    let keyset_arg = keyset.to_str().expect("utf-8").to_owned();
    let node = certified_node(dir.path(), &keyset).await;
    let site = node.running.as_ref().and_then(|r| r.http).expect("the node's public site");
    let chile = node.create(visit("Visit to Chile", Label::Clear, &[], &[])).await;
    let peru = node.create(visit("Visit to Peru", Label::Clear, &[], &[])).await;
    let chile_v1 = proven(site, chile, 2).await;
    let peru_v1 = proven(site, peru, 2).await;
    let url = format!("http://{site}/items/{chile}/provenance");
    let (code, out, err) = verify_with(&url, &["--trust", &keyset_arg, "--max-age", "1h"]).await;
    assert_eq!(code, 0, "the current copy: {out}{err}");
    assert!(out.contains("current as of ohchr's checkpoint"), "{out}");
    // The item's page says who signed it, who certified that key, and when the checkpoint is.
    let page = get_ok(site, &format!("/items/{chile}/")).await;
    assert!(page.contains("ohchr node certified by authority"), "{page}");
    assert!(page.contains("Latest checkpoint of ohchr"), "{page}");

    // Chile's dates change and Peru is withdrawn; the owner signs a new checkpoint.
    let patch = liaison_protocol::VisitPatch {
        title: Some("Visit to Chile, dates changed".into()),
        ..Default::default()
    };
    node.request(Request::UpdateVisit { id: chile, patch }).await;
    node.request(Request::Withdraw { id: peru }).await;
    let chile_v2 = proven(site, chile, 1).await;
    // A stale mirror serves the old copies, with the latest checkpoint, or with the old one.
    let with_latest = |old: &Value| {
        let mut copy = old.clone();
        copy["checkpoint"] = chile_v2["checkpoint"].clone();
        copy
    };
    let copies: BTreeMap<String, String> = [
        ("/chile-old-latest".to_owned(), with_latest(&chile_v1).to_string()),
        ("/peru-old-latest".to_owned(), with_latest(&peru_v1).to_string()),
        ("/chile-old-old".to_owned(), chile_v1.to_string()),
        ("/chile-current".to_owned(), chile_v2.to_string()),
    ]
    .into_iter()
    .collect();
    let server = serve_copies(copies.clone()).await;
    independent_check(&copies, &keyset);
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    for (path, max_age, expected) in [
        ("/chile-old-latest", None, 2),
        ("/peru-old-latest", None, 2),
        ("/chile-old-old", Some("1s"), 3),
        ("/chile-current", Some("1h"), 0),
    ] {
        let url = format!("http://{server}{path}");
        let mut args = vec!["--trust", keyset_arg.as_str()];
        args.extend(max_age.iter().flat_map(|m| ["--max-age", *m]));
        let (code, out, err) = verify_with(&url, &args).await;
        assert_eq!(code, expected, "{path} {args:?}: {out}{err}");
        if expected == 2 {
            assert!(err.contains("hidden"), "{path}: {err}");
        }
    }
}

/// The independent checker (automerge's JavaScript library, TweetNaCl, cborg; nothing of
/// Liaison's) accepts the current copy against the keyset, and refuses the rolled-back ones.
fn independent_check(copies: &BTreeMap<String, String>, keyset: &Path) {
    let skipped = "the independent check of items against a keyset in JavaScript";
    let Some(js) = crate::support::js_checks(skipped) else { return };
    let dir = tempfile::tempdir().expect("tempdir");
    for (path, expected) in
        [("/chile-current", true), ("/chile-old-latest", false), ("/peru-old-latest", false)]
    {
        let file = dir.path().join("provenance.json");
        std::fs::write(&file, &copies[path]).expect("write");
        let out = Command::new("node")
            .arg(js.join("check_item.mjs"))
            .arg(&file)
            .arg(keyset)
            .output()
            .expect("node");
        let printed = String::from_utf8_lossy(&out.stdout);
        assert_eq!(
            out.status.success(),
            expected,
            "{path}: {printed}{}",
            String::from_utf8_lossy(&out.stderr)
        );
        if expected {
            assert!(printed.contains("covered by the checkpoint"), "{path}: {printed}");
        }
    }
}

/// A change by a key revoked since still verifies where the owner's latest checkpoint covers the
/// state that holds it (a member took it before the revocation); without that, it does not.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_revoked_keys_earlier_change_verifies_where_a_checkpoint_vouches_for_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let keyset = dir.path().join("liaison-keyset.json");
    let keyset_arg = keyset.to_str().expect("utf-8").to_owned();
    let geneva = certified_node(dir.path(), &keyset).await;
    let authority_file = dir.path().join("ohchr-authority.key");
    let file = authority_file.to_str().expect("utf-8");
    let site = geneva.running.as_ref().and_then(|r| r.http).expect("the node's public site");

    let mut new_york = TestNode::init("ohchr#1", "ohchr", Role::Member);
    let cert = authority(&["certify", "--authority", file, &new_york.card.encode()]);
    new_york.start().await;
    let card = AuthorityCard::decode(&authority(&["card", "--authority", file])).expect("card");
    new_york.request(Request::RosterAddAuthority { card }).await;
    let signed = Signed::decode(&cert, CERT_PREFIX, "certificate").expect("certificate");
    new_york.request(Request::AddStatements { statements: vec![signed] }).await;
    let geneva_card = geneva.card.clone();
    new_york.knows(&geneva_card).await;

    let chile = geneva.create(visit("Visit to Chile", Label::Clear, &[], &[])).await;
    crate::fed_support::eventually(crate::fed_support::DEADLINE, || async {
        if new_york.entries().await.contains_key(&chile) {
            Ok(())
        } else {
            Err("not yet".to_owned())
        }
    })
    .await;
    let patch = liaison_protocol::VisitPatch {
        title: Some("Visit to Chile, dates agreed".into()),
        ..Default::default()
    };
    new_york.request(Request::UpdateVisit { id: chile, patch }).await;
    crate::fed_support::eventually(crate::fed_support::DEADLINE, || async {
        let doc = get_json(site, &format!("/api/v1/items/{chile}")).await;
        if doc["fields"]["title"]["value"] == "Visit to Chile, dates agreed" {
            Ok(())
        } else {
            Err("New York's change has not reached Geneva".to_owned())
        }
    })
    .await;

    // New York's key is revoked; the keyset says so.
    let revocation = authority(&[
        "revoke",
        "--authority",
        file,
        &new_york.key().to_string(),
        "--reason",
        "compromised",
    ]);
    authority(&["keyset", "--authority", file, "-o", &keyset_arg]);
    let signed = Signed::decode(&revocation, REVOCATION_PREFIX, "revocation").expect("revocation");
    geneva.request(Request::AddStatements { statements: vec![signed] }).await;
    let covered = proven(site, chile, 1).await;
    let mut bare = covered.clone();
    bare["checkpoint"] = Value::Null;
    bare["proof"] = Value::Null;
    let copies: BTreeMap<String, String> =
        [("/covered".to_owned(), covered.to_string()), ("/bare".to_owned(), bare.to_string())]
            .into_iter()
            .collect();
    let server = serve_copies(copies).await;
    let (code, out, err) =
        verify_with(&format!("http://{server}/covered"), &["--trust", &keyset_arg]).await;
    assert_eq!(code, 0, "covered by Geneva's checkpoint: {out}{err}");
    assert!(out.contains("taken before their revocation"), "{out}");
    let (code, out, err) =
        verify_with(&format!("http://{server}/bare"), &["--trust", &keyset_arg]).await;
    assert_eq!(code, 2, "nothing vouches for it: {out}{err}");
    assert!(err.contains("revoked"), "{err}");
}
