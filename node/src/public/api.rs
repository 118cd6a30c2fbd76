//! The JSON API (`/api/v1/items`, `/api/v1/items/{id}`) and item provenance.

use axum::Json;
use axum::extract::{Path, Query, State};
use chrono::NaiveDate;
use liaison_protocol::Provenance;
use serde::Deserialize;
use serde_json::{Value, json};

use super::{Filter, Refusal, Site, SortKey, path_id, sort_key};
use crate::export::{ExportItem, export_item};
use crate::store::Entry;

/// Items per page unless `limit` says otherwise.
const DEFAULT_LIMIT: usize = 100;
/// Most items per page.
const MAX_LIMIT: usize = 500;

/// The query of `/api/v1/items`: the filters plus paging. (The filters are spelled out rather
/// than flattened from [`Filter`], so errors name the parameter and unknown ones are refused.)
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ListQuery {
    #[serde(default, deserialize_with = "super::parsed")]
    kind: Option<liaison_protocol::Kind>,
    #[serde(default, deserialize_with = "super::parsed")]
    country: Option<liaison_protocol::CountryCode>,
    #[serde(default, deserialize_with = "super::parsed")]
    mechanism: Option<liaison_protocol::Mechanism>,
    #[serde(default, deserialize_with = "super::parsed_date")]
    from: Option<NaiveDate>,
    #[serde(default, deserialize_with = "super::parsed_date")]
    to: Option<NaiveDate>,
    /// Where the previous page ended (`next_cursor` of the previous answer).
    cursor: Option<String>,
    /// Items per page, 1 to 500.
    limit: Option<String>,
}

impl ListQuery {
    fn filter(&self) -> Filter {
        Filter {
            kind: self.kind,
            country: self.country,
            mechanism: self.mechanism.clone(),
            from: self.from,
            to: self.to,
        }
    }
}

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

fn parse_cursor(text: &str) -> Result<SortKey, Refusal> {
    let bad = || {
        Refusal::BadRequest(format!(
            "invalid cursor '{text}': pass back next_cursor as it was given"
        ))
    };
    let (date, id) = text.split_once('_').ok_or_else(bad)?;
    Ok((date.parse().map_err(|_| bad())?, id.parse().map_err(|_| bad())?))
}

pub(super) async fn items(
    State(site): State<Site>,
    query: Result<Query<ListQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Value>, Refusal> {
    let Query(q) = query?;
    let limit = match q.limit.as_deref() {
        None => DEFAULT_LIMIT,
        Some(l) => l.parse().ok().filter(|l| (1..=MAX_LIMIT).contains(l)).ok_or_else(|| {
            Refusal::BadRequest(format!(
                "invalid limit '{l}': expected a number from 1 to {MAX_LIMIT}"
            ))
        })?,
    };
    let after = q.cursor.as_deref().map(parse_cursor).transpose()?;
    let mut page = site.page(&q.filter(), after, limit + 1)?;
    let next = (page.len() > limit).then(|| {
        page.truncate(limit);
        page.last().map(|e| {
            let (date, id) = sort_key(e);
            format!("{date}_{id}")
        })
    });
    Ok(Json(json!({
        "items": page.iter().map(public_json).collect::<Vec<_>>(),
        "next_cursor": next.flatten(),
    })))
}

pub(super) async fn item(
    State(site): State<Site>,
    Path(id): Path<String>,
) -> Result<Json<Value>, Refusal> {
    let entry = site.item(path_id(&id)?)?.ok_or(Refusal::NotFound)?;
    Ok(Json(public_json(&entry)))
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
    let roster = site.store.roster().unwrap_or_default();
    let mut keys: Vec<_> = r.sigs.iter().map(|s| s.signer).chain([entry.header.creator]).collect();
    keys.sort();
    keys.dedup();
    let signers: Vec<Value> = keys
        .iter()
        .map(|k| {
            let card = roster.iter().find(|c| c.key == *k);
            json!({"key": k, "mechanism": card.map(|c| c.mechanism.as_str()), "name": card.and_then(|c| c.name.clone())})
        })
        .collect();
    json!({
        "id": entry.header.id,
        "owner": entry.header.owner,
        "creator": entry.header.creator,
        "provenance": Provenance::new(&r.header, &r.doc, &r.sigs),
        "signers": signers,
        "how_to_verify": HOW_TO_VERIFY,
    })
}

pub(super) async fn provenance(
    State(site): State<Site>,
    Path(id): Path<String>,
) -> Result<Json<Value>, Refusal> {
    let entry = site.item(path_id(&id)?)?.ok_or(Refusal::NotFound)?;
    Ok(Json(provenance_json(&site, &entry)))
}
