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

use chrono::{TimeDelta, Utc};
use data_encoding::HEXLOWER_PERMISSIVE;
use liaison_node::api::{Request, Response};
use liaison_protocol::sync::heads_digest;
use liaison_protocol::trust::{
    AUTHORITY_PREFIX, AuthorityCard, CERT_PREFIX, CHECKPOINT_PREFIX, Checkpoint, KeyError,
    KeysetFile, Proof, Signed, leaf_hash,
};
use liaison_protocol::verify::{self, VerifyError};
use liaison_protocol::{ItemDoc, ItemId, Provenance, Role, Roster};
use serde_json::Value;

use crate::items::Conn;
use crate::{Failure, output};

/// Largest document `verify` reads.
const MAX_BYTES: u64 = 64 * 1024 * 1024;

/// Exit code when the signatures hold but trust in a signer is not established.
const NOT_ANCHORED: u8 = 3;

pub(crate) fn run(
    source: &str,
    trust: &[String],
    max_age: Option<TimeDelta>,
    dir: &Path,
) -> Result<(), Failure> {
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
        let (fresh, covered) =
            freshness(document, &checked, &doc, &roster, max_age).map_err(|(code, why)| {
                Failure { code, message: format!("{source}: {}: {why}", h.id) }
            })?;
        // Changes by a key revoked since stay valid where the owner's checkpoint covers this
        // very state: a member took them before the revocation (it refuses any after).
        let revoked: Vec<_> = checked
            .changes
            .iter()
            .filter(|(_, k)| roster.anchors().revocation(k).is_some())
            .collect();
        let vouched: verify::Held = if covered {
            revoked.iter().map(|(c, _)| c.hash.0).collect()
        } else {
            verify::Held::new()
        };
        let trusted = verify::verify_item(&signed_header, &doc, &p.signatures, &roster, &vouched);
        let fresh = if vouched.is_empty() {
            fresh
        } else {
            format!("{fresh}; its changes by revoked keys were taken before their revocation")
        };
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
            Ok(_) => {
                output::line(&format!("verified: {summary}; anchored by {anchored_by}; {fresh}"))
            }
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

/// Whether the copy is the state the owner's latest checkpoint covers, and how old that is:
/// a line to print and whether a checkpoint covers it, or the exit code and why.
fn freshness(
    document: &Value,
    checked: &liaison_protocol::provenance::Checked,
    doc: &[u8],
    roster: &Roster,
    max_age: Option<TimeDelta>,
) -> Result<(String, bool), (u8, String)> {
    let h = &checked.header;
    let Some(line) = document.get("checkpoint").and_then(Value::as_str) else {
        return match max_age {
            Some(_) => {
                Err((NOT_ANCHORED, "no checkpoint comes with it, so its age cannot be told".into()))
            }
            None => {
                Ok(("no checkpoint: whether this copy is current cannot be told".into(), false))
            }
        };
    };
    let invalid = |why: String| (2, why);
    let checkpoint = Signed::decode(line, CHECKPOINT_PREFIX, "checkpoint")
        .and_then(|s| s.verify::<Checkpoint>())
        .map_err(|e| invalid(format!("checkpoint: {e}")))?
        .into_inner();
    if checkpoint.mechanism != h.owner {
        return Err(invalid(format!(
            "the checkpoint is of {}, not of the owner {}",
            checkpoint.mechanism, h.owner
        )));
    }
    match roster.resolve(&checkpoint.signer, checkpoint.time) {
        Ok(p) if p.role == Role::Member && p.mechanism == h.owner => {}
        Ok(p) => {
            return Err(invalid(format!("the checkpoint is signed by a node of {}", p.mechanism)));
        }
        Err(KeyError::Unknown(key)) => {
            return Err((NOT_ANCHORED, format!("the checkpoint's signer {key} is not anchored")));
        }
        Err(e) => return Err(invalid(format!("the checkpoint's signer: {e}"))),
    }
    let proof: Option<Proof> = document.get("proof").and_then(|p| {
        let path = p.get("path")?.as_array()?;
        Some(Proof {
            index: p.get("index")?.as_u64()?,
            size: p.get("size")?.as_u64()?,
            path: path
                .iter()
                .map(|h| HEXLOWER_PERMISSIVE.decode(h.as_str()?.as_bytes()).ok()?.try_into().ok())
                .collect::<Option<Vec<[u8; 32]>>>()?,
        })
    });
    let state = ItemDoc::load(doc).map_err(|e| invalid(e.to_string()))?;
    let leaf = leaf_hash(h.id, &heads_digest(&state.heads()));
    let covered =
        proof.is_some_and(|p| p.size == checkpoint.count && p.verifies(&leaf, &checkpoint.root));
    let last_change = checked.changes.iter().map(|(c, _)| c.time).max().unwrap_or(i64::MIN);
    if !covered && last_change >= checkpoint.time.timestamp() {
        // Changed since the checkpoint: not an old copy, but nothing vouches that it is the
        // latest either, until the owner's next checkpoint.
        let why = format!(
            "changed after {}'s latest checkpoint ({}): whether it is current cannot be told yet",
            h.owner,
            checkpoint.time.to_rfc3339()
        );
        return match max_age {
            Some(_) => Err((NOT_ANCHORED, why)),
            None => Ok((why, false)),
        };
    }
    if !covered {
        return Err(invalid(format!(
            "this copy is older than the state {}'s latest checkpoint ({}) covers: a later change \
             or its withdrawal is hidden",
            h.owner,
            checkpoint.time.to_rfc3339()
        )));
    }
    let age = Utc::now() - checkpoint.time;
    let shown = format!("{}m{}s", age.num_minutes(), age.num_seconds() % 60);
    if let Some(max) = max_age
        && age > max
    {
        return Err((
            NOT_ANCHORED,
            format!(
                "its checkpoint is {shown} old, older than --max-age: a later change may be hidden"
            ),
        ));
    }
    let line = format!(
        "current as of {}'s checkpoint of {} ({shown} old)",
        h.owner,
        checkpoint.time.to_rfc3339()
    );
    Ok((line, true))
}

/// A duration such as `90s`, `30m`, `2h` or `1d`.
pub(crate) fn parse_duration(text: &str) -> Result<TimeDelta, String> {
    let text = text.trim();
    let split = text.find(|c: char| !c.is_ascii_digit()).unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let n: i64 =
        number.parse().map_err(|_| format!("{text}: expected a number and s, m, h or d"))?;
    let seconds = match unit {
        "s" | "" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => return Err(format!("{text}: expected a number and s, m, h or d")),
    };
    n.checked_mul(seconds)
        .and_then(TimeDelta::try_seconds)
        .ok_or_else(|| format!("{text}: too long"))
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
