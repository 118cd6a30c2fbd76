//! `liaison verify SOURCE [--trust KEYSET|URL|CARD]...`: checks provenance, then who signed it.
//!
//! First what needs no trust: the header's signature by its creator, every change's signature by
//! the key that made it, consents and fields (exit 2 when any fails). Then whether each signer is
//! a node of the item's owner (or a co-owner, for changes) by an anchor the reader chose: a
//! keyset (a file or a URL, such as a mechanism's `/.well-known/liaison-keyset.json`), an
//! authority card, or else the roster of the node in `--data-dir`. Exit 0 when every signer is
//! anchored and allowed; 3 when the signatures hold but a key is not anchored; 2 when a key is
//! revoked, outside its certificate, or signed for a mechanism it does not belong to.

use std::path::Path;

use chrono::Utc;
use liaison_node::api::{Request, Response};
use liaison_protocol::trust::{AUTHORITY_PREFIX, AuthorityCard, CERT_PREFIX, KeysetFile, Signed};
use liaison_protocol::verify::{self, VerifyError};
use liaison_protocol::{ItemId, Provenance, Roster};
use serde_json::Value;

use crate::items::Conn;
use crate::{Failure, output};

/// Largest document `verify` reads.
const MAX_BYTES: u64 = 64 * 1024 * 1024;

/// Exit code when the signatures hold but trust in a signer is not established.
const NOT_ANCHORED: u8 = 3;

pub(crate) fn run(source: &str, trust: &[String], dir: &Path) -> Result<(), Failure> {
    let (mut roster, anchored_by) = anchors(trust, dir)?;
    let text = read(source)?;
    let bad = |why: String| Failure { code: 2, message: format!("{source}: {why}") };
    let json: Value = serde_json::from_str(&text).map_err(|e| bad(format!("not JSON: {e}")))?;
    let found = provenances(&json);
    if found.is_empty() {
        return Err(bad(
            "no provenance in it: expected a provenance document or a JSON export".to_owned()
        ));
    }
    let url_id = id_in_url(source);
    let mut not_anchored = Vec::new();
    for (document, value) in found {
        let p: Provenance =
            serde_json::from_value(value.clone()).map_err(|e| bad(format!("provenance: {e}")))?;
        let checked = p.check().map_err(|e| bad(e.to_string()))?;
        let h = &checked.header;
        if let Some(id) = url_id
            && id != h.id
        {
            return Err(bad(format!(
                "the provenance is for item {}, not for {id} as its URL says",
                h.id
            )));
        }
        check_convenience_fields(document, &checked).map_err(bad)?;
        // Certificates the document carries count only when an anchored authority signed them.
        for line in document.get("certificates").and_then(Value::as_array).into_iter().flatten() {
            if let Some(signed) =
                line.as_str().and_then(|l| Signed::decode(l, CERT_PREFIX, "certificate").ok())
            {
                let _ = roster.anchors_mut().add_statement(&signed);
            }
        }
        let (signed_header, doc) = p.decode().map_err(|e| bad(e.to_string()))?;
        let trusted =
            verify::verify_item(&signed_header, &doc, &p.signatures, &roster, &Default::default());
        let mut signers: Vec<String> = checked.changes.iter().map(|(_, k)| k.to_string()).collect();
        signers.dedup();
        let summary = format!(
            "{} {} owned by {}, header signed by {}, {} changes signed by {}",
            h.kind,
            h.id,
            h.owner,
            h.creator,
            checked.changes.len(),
            signers.join(", ")
        );
        match trusted {
            Ok(_) => output::line(&format!("verified: {summary}; anchored by {anchored_by}")),
            Err(VerifyError::UnknownSigner(key)) => {
                output::line(&format!("signatures valid: {summary}"));
                not_anchored.push(format!(
                    "{}: key {key} is not anchored ({})",
                    h.id,
                    if anchored_by.is_empty() {
                        "no anchor given: pass --trust KEYSET|URL|CARD, or --data-dir of a node"
                            .to_owned()
                    } else {
                        format!("not certified by {anchored_by}")
                    }
                ));
            }
            Err(e) => return Err(bad(format!("{}: {e}", h.id))),
        }
    }
    if !not_anchored.is_empty() {
        return Err(Failure { code: NOT_ANCHORED, message: not_anchored.join("; ") });
    }
    Ok(())
}

/// The roster to check signers against, and a phrase saying what anchors it ("" for nothing).
fn anchors(trust: &[String], dir: &Path) -> Result<(Roster, String), Failure> {
    let mut roster = Roster::new();
    let mut names = Vec::new();
    let bad =
        |what: &str, why: String| Failure { code: 2, message: format!("--trust {what}: {why}") };
    for source in trust {
        let text =
            if source.starts_with(AUTHORITY_PREFIX) { source.clone() } else { read(source)? };
        if text.trim_start().starts_with(AUTHORITY_PREFIX) {
            let card =
                AuthorityCard::decode(text.trim()).map_err(|e| bad(source, e.to_string()))?;
            roster.anchors_mut().anchor(&card);
            names.push(format!("{}'s authority card", card.mechanism));
            continue;
        }
        let file: KeysetFile = serde_json::from_str(&text)
            .map_err(|e| bad(source, format!("neither an authority card nor a keyset: {e}")))?;
        roster
            .anchors_mut()
            .add_keyset(&file, true, Utc::now())
            .map_err(|e| bad(source, e.to_string()))?;
        let mechanism = file.open(Utc::now()).map(|k| k.keyset.mechanism.to_string());
        names.push(format!("{}'s keyset", mechanism.unwrap_or_default()));
    }
    if trust.is_empty() && dir.join(liaison_node::identity::CONFIG_FILE).exists() {
        let mut conn = Conn::open(dir)?;
        let cards = match conn.call(Request::RosterList)? {
            Response::Cards(cards) => cards,
            r => return Err(Failure::system(format!("unexpected answer from the node: {r:?}"))),
        };
        let trust = match conn.call(Request::Trust)? {
            Response::Trust(trust) => *trust,
            r => return Err(Failure::system(format!("unexpected answer from the node: {r:?}"))),
        };
        for card in cards {
            roster.insert(card);
        }
        for card in &trust.authorities {
            roster.anchors_mut().anchor(card);
        }
        for signed in &trust.signed {
            let _ = roster.anchors_mut().add_statement(signed);
        }
        names.push(format!("the roster of {}", dir.display()));
    }
    Ok((roster, names.join(", ")))
}

/// The fields a provenance document repeats for convenience, outside the signed bytes, must say
/// what the signed bytes say: a reader may trust them at a glance.
fn check_convenience_fields(
    document: &Value,
    checked: &liaison_protocol::provenance::Checked,
) -> Result<(), String> {
    let h = &checked.header;
    let disagree = |field: &str, shown: &Value, signed: String| {
        Err(format!("its unsigned '{field}' says {shown}, the signed header says {signed}"))
    };
    for (field, signed) in [
        ("id", h.id.to_string()),
        ("owner", h.owner.to_string()),
        ("creator", h.creator.to_string()),
    ] {
        if let Some(shown) = document.get(field)
            && shown.as_str() != Some(signed.as_str())
        {
            return disagree(field, shown, signed);
        }
    }
    if let Some(shown) = document.get("signers").and_then(Value::as_array) {
        let mut listed: Vec<String> =
            shown.iter().filter_map(|s| s.get("key")?.as_str().map(str::to_owned)).collect();
        let mut actual: Vec<String> = checked
            .changes
            .iter()
            .map(|(_, k)| k.to_string())
            .chain([h.creator.to_string()])
            .collect();
        listed.sort();
        listed.dedup();
        actual.sort();
        actual.dedup();
        if listed != actual {
            return disagree("signers", &Value::from(listed), actual.join(", "));
        }
    }
    Ok(())
}

/// The item id in a URL such as `.../items/ID/provenance` or `.../api/v1/items/ID`.
fn id_in_url(source: &str) -> Option<ItemId> {
    if !(source.starts_with("http://") || source.starts_with("https://")) {
        return None;
    }
    let path = source.split(['?', '#']).next().unwrap_or_default();
    let parts: Vec<&str> = path.split('/').collect();
    let at = parts.iter().rposition(|p| *p == "items")?;
    parts.get(at + 1)?.parse().ok()
}

/// Every provenance object in `json`, with the document around it (whose unsigned fields are
/// checked against it): the document itself, its `provenance`, or an export's items'.
fn provenances(json: &Value) -> Vec<(&Value, &Value)> {
    if json.get("header").is_some() && json.get("document").is_some() {
        return vec![(json, json)];
    }
    if let Some(p) = json.get("provenance") {
        return vec![(json, p)];
    }
    json.get("items")
        .and_then(Value::as_array)
        .map(|items| items.iter().filter_map(|i| Some((i, i.get("provenance")?))).collect())
        .unwrap_or_default()
}

fn read(source: &str) -> Result<String, Failure> {
    if source.starts_with("http://") || source.starts_with("https://") {
        let agent: ureq::Agent =
            ureq::Agent::config_builder().http_status_as_error(false).build().into();
        let mut answer =
            agent.get(source).call().map_err(|e| Failure::system(format!("{source}: {e}")))?;
        if answer.status() != 200 {
            return Err(Failure {
                code: 2,
                message: format!("{source}: HTTP {}", answer.status()),
            });
        }
        return answer
            .body_mut()
            .with_config()
            .limit(MAX_BYTES)
            .read_to_string()
            .map_err(|e| Failure::system(format!("{source}: {e}")));
    }
    let meta = std::fs::metadata(source)
        .map_err(|e| Failure { code: 2, message: format!("{source}: {e}") })?;
    if meta.len() > MAX_BYTES {
        return Err(Failure {
            code: 2,
            message: format!("{source}: larger than {MAX_BYTES} bytes"),
        });
    }
    std::fs::read_to_string(source)
        .map_err(|e| Failure { code: 2, message: format!("{source}: {e}") })
}
