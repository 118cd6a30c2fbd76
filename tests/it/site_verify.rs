//! `liaison verify URL` checks the provenance a mirror serves, and refuses a copy with any
//! byte changed.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::mirror_support::*;
use crate::site_support::*;
use crate::support::{base64_decode, base64_encode};

/// `liaison verify URL` accepts the provenance the mirror serves, signed by the node that
/// wrote the item, and refuses a copy with one byte changed: in the header, in the document,
/// in a change's signature or in the header's signature.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn liaison_verify_accepts_the_mirrors_provenance_and_refuses_any_changed_byte() {
    let fed = Fed::start().await;
    let mirror = fed.mirror();
    let ohchr_key = fed.net[OHCHR].key().to_string();
    let (id, _) = fed
        .public
        .iter()
        .find(|(_, title)| title.as_str() == "SR on torture: visit to Tunisia")
        .expect("the sample Tunisia visit");
    let url = format!("http://{mirror}/items/{id}/provenance");
    let ohchr = fed.net[OHCHR].path().to_owned();
    // With nothing to anchor the keys in, the signatures hold but no signer is trusted.
    let (code, stdout, stderr) = verify_with(&url, &[]).await;
    assert_eq!(code, 3, "verify {url} with no anchor: {stdout}{stderr}");
    assert!(stderr.contains("is not anchored"), "{stderr}");
    let (code, stdout, stderr) = verify(&url, &ohchr).await;
    assert_eq!(code, 0, "verify {url}: {stdout}{stderr}");
    assert!(stdout.starts_with("verified: visit"), "{stdout}");
    assert!(stdout.contains(&id.to_string()) && stdout.contains("owned by ohchr"), "{stdout}");
    assert!(stdout.contains(&format!("header signed by {ohchr_key}")), "{stdout}");

    let genuine = get_json(mirror, &format!("/items/{id}/provenance")).await;
    assert_eq!(genuine["creator"], ohchr_key.as_str(), "{genuine}");
    let p = &genuine["provenance"];
    let field = |name: &str| p[name].as_str().expect(name).to_owned();
    let mut copies: BTreeMap<String, Value> = BTreeMap::new();
    copies.insert("/genuine-copy".into(), genuine.clone());

    let mut header = base64_decode(&field("header"));
    let at = header.windows(5).position(|w| w == b"ohchr").expect("the owner in the header");
    header[at + 4] = b's';
    let mut copy = genuine.clone();
    copy["provenance"]["header"] = base64_encode(&header).into();
    copies.insert("/header-byte".into(), copy);

    let document = base64_decode(&field("document"));
    for (name, at) in
        [("/document-byte-middle", document.len() / 2), ("/document-byte-last", document.len() - 1)]
    {
        let mut changed = document.clone();
        changed[at] ^= 0x01;
        let mut copy = genuine.clone();
        copy["provenance"]["document"] = base64_encode(&changed).into();
        copies.insert(name.into(), copy);
    }

    let mut copy = genuine.clone();
    let sig =
        copy["provenance"]["signatures"][0]["signature"].as_str().expect("signature").to_owned();
    copy["provenance"]["signatures"][0]["signature"] = flip_hex_byte(&sig, 10).into();
    copies.insert("/change-signature-byte".into(), copy);

    let mut copy = genuine.clone();
    copy["provenance"]["header_signature"] = flip_hex_byte(&field("header_signature"), 63).into();
    copies.insert("/header-signature-byte".into(), copy);

    let server =
        serve_copies(copies.iter().map(|(k, v)| (k.clone(), v.to_string())).collect()).await;
    for path in copies.keys() {
        let url = format!("http://{server}{path}");
        let (code, stdout, stderr) = verify(&url, &ohchr).await;
        if path == "/genuine-copy" {
            assert_eq!(code, 0, "verify {url} (unchanged copy): {stdout}{stderr}");
        } else {
            assert_eq!(code, 2, "verify {url} must refuse it: {stdout}{stderr}");
            eprintln!("verify {path}: {}", stderr.trim());
            assert!(!stdout.contains("verified"), "{path}: {stdout}");
            assert_eq!(stderr.trim().lines().count(), 1, "{path}: one line: {stderr}");
        }
    }
}
