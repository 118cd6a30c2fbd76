//! The JSON API (`/api/v1/items`, `/api/v1/items/{id}`) and item provenance.

use axum::Json;
use axum::extract::{Path, Query, State};
use liaison_protocol::Provenance;
use serde_json::{Value, json};

use super::{ListQuery, Refusal, Site, path_id};
use crate::export::{ExportItem, export_item};
use crate::store::Entry;

/// Items per page unless `limit` says otherwise.
const DEFAULT_LIMIT: usize = 100;

/// An item as the API shows it: the export shape without provenance, plus its links.
pub(crate) fn public_json(entry: &Entry) -> Value {
    let item = ExportItem { provenance: None, ..export_item(entry) };
    let mut value = serde_json::to_value(item).unwrap_or(Value::Null);
    let id = entry.header.id;
    if let Value::Object(map) = &mut value {
        map.insert(
            "urls".to_owned(),
            json!({"html": format!("/items/{id}/"), "provenance": format!("/items/{id}/provenance")}),
        );
    }
    value
}

pub(super) async fn items(
    State(site): State<Site>,
    query: Result<Query<ListQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Value>, Refusal> {
    let Query(q) = query?;
    let (limit, after) = (q.limit(DEFAULT_LIMIT)?, q.after()?);
    site.read(move |site| {
        let (page, next) = site.page(&q.filter(), after, limit)?;
        Ok(Json(json!({
            "items": page.iter().map(public_json).collect::<Vec<_>>(),
            "next_cursor": next,
        })))
    })
    .await
}

pub(super) async fn item(
    State(site): State<Site>,
    Path(id): Path<String>,
) -> Result<Json<Value>, Refusal> {
    let id = path_id(&id)?;
    site.read(move |site| {
        let entry = site.item(id)?.ok_or(Refusal::NotFound)?;
        Ok(Json(public_json(&entry)))
    })
    .await
}

/// How to check provenance by hand, included in every provenance document.
pub(crate) const HOW_TO_VERIFY: &str = "header: base64 of the CBOR header; header_signature: ed25519 by \
the header's creator key over \"liaison/header/v1\\0\" || header bytes. document: base64 of the automerge \
document; each of its changes has a signature: ed25519 by signer over \"liaison/change/v1\\0\" || item id \
(16 bytes) || change hash (32 bytes), and the change's actor id starts with the signer's key. \
'liaison verify FILE|URL' does all of this.";

/// The provenance document of a public item.
pub(crate) fn provenance_json(site: &Site, entry: &Entry) -> Value {
    let r = &entry.record;
    let roster = site.store.trust().unwrap_or_default();
    let mut keys: Vec<_> = r.sigs.iter().map(|s| s.signer).chain([entry.header.creator]).collect();
    keys.sort();
    keys.dedup();
    let anchors = roster.anchors();
    let signers: Vec<Value> = keys
        .iter()
        .map(|k| {
            let card = roster.get(k);
            let cert = anchors.certificate(k);
            let mechanism = card.map(|c| &c.mechanism).or(cert.map(|c| &c.mechanism));
            let name = card.and_then(|c| c.name.clone()).or(cert.and_then(|c| c.name.clone()));
            let authority = cert.map(|c| c.authority);
            json!({"key": k, "mechanism": mechanism, "name": name, "certified_by": authority})
        })
        .collect();
    // The signers' certificates, so that a reader who anchored only an authority card can
    // tell which keys it certifies.
    let certificates: Vec<String> = anchors
        .statements()
        .filter(|s| {
            s.verify::<liaison_protocol::trust::Certificate>().is_ok_and(|c| keys.contains(&c.key))
        })
        .map(|s| s.encode(liaison_protocol::trust::CERT_PREFIX))
        .collect();
    let (checkpoint, proof) = checkpoint_and_proof(site, &roster, entry);
    json!({
        "id": entry.header.id,
        "owner": entry.header.owner,
        "creator": entry.header.creator,
        "provenance": Provenance::new(&r.header, &r.doc, &r.sigs),
        "signers": signers,
        "certificates": certificates,
        "checkpoint": checkpoint,
        "proof": proof,
        "how_to_verify": HOW_TO_VERIFY,
    })
}

/// The latest checkpoint of the item's owner, and the proof that this copy is the state it
/// covers (`null` when this site holds another state than the checkpoint covers: the item
/// changed since, here or at its owner).
fn checkpoint_and_proof(
    site: &Site,
    roster: &liaison_protocol::Roster,
    entry: &Entry,
) -> (Value, Value) {
    let Some((checkpoint, signed)) = roster.checkpoint(&entry.header.owner) else {
        return (Value::Null, Value::Null);
    };
    let line = Value::from(signed.encode(liaison_protocol::trust::CHECKPOINT_PREFIX));
    let digest: [u8; 32] = entry.record.digest.as_slice().try_into().unwrap_or([0; 32]);
    let proof = site
        .leaves(&entry.header.owner)
        .ok()
        .and_then(|leaves| checkpoint.prove(&leaves, entry.header.id, &digest));
    let proof = proof.map_or(Value::Null, |p| {
        json!({
            "index": p.index,
            "size": p.size,
            "path": p.path.iter().map(|h| data_encoding::HEXLOWER.encode(h)).collect::<Vec<_>>(),
        })
    });
    (line, proof)
}

pub(super) async fn provenance(
    State(site): State<Site>,
    Path(id): Path<String>,
) -> Result<Json<Value>, Refusal> {
    let id = path_id(&id)?;
    site.read(move |site| {
        let entry = site.item(id)?.ok_or(Refusal::NotFound)?;
        Ok(Json(provenance_json(site, &entry)))
    })
    .await
}

/// `/keysets/CODE.json`: the latest keyset of mechanism CODE this node was given, as its
/// authority signed it (readers check it; the site only passes it on).
pub(super) async fn keyset(
    State(site): State<Site>,
    Path(file): Path<String>,
) -> Result<axum::response::Response, Refusal> {
    use axum::response::IntoResponse as _;
    let mechanism: liaison_protocol::Mechanism =
        file.strip_suffix(".json").and_then(|c| c.parse().ok()).ok_or(Refusal::NotFound)?;
    site.read(move |site| {
        let json = site.store.keyset(&mechanism)?.ok_or(Refusal::NotFound)?;
        Ok(([(axum::http::header::CONTENT_TYPE, "application/json")], json).into_response())
    })
    .await
}
