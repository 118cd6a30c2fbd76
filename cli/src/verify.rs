//! `liaison verify FILE|URL`: checks provenance with nothing but the document itself: the
//! header's signature by its creator, and every change's signature by the key that made it.

use liaison_protocol::Provenance;
use serde_json::Value;

use crate::{Failure, output};

/// Largest document `verify` reads.
const MAX_BYTES: u64 = 64 * 1024 * 1024;

pub(crate) fn run(source: &str) -> Result<(), Failure> {
    let text = read(source)?;
    let bad = |why: String| Failure { code: 2, message: format!("{source}: {why}") };
    let json: Value = serde_json::from_str(&text).map_err(|e| bad(format!("not JSON: {e}")))?;
    let found = provenances(&json);
    if found.is_empty() {
        return Err(bad(
            "no provenance in it: expected a provenance document or a JSON export".to_owned()
        ));
    }
    for value in found {
        let p: Provenance =
            serde_json::from_value(value.clone()).map_err(|e| bad(format!("provenance: {e}")))?;
        let checked = p.check().map_err(|e| bad(e.to_string()))?;
        let h = &checked.header;
        let mut signers: Vec<String> = checked.changes.iter().map(|(_, k)| k.to_string()).collect();
        signers.dedup();
        output::line(&format!(
            "verified: {} {} owned by {}, header signed by {}, {} changes signed by {}",
            h.kind,
            h.id,
            h.owner,
            h.creator,
            checked.changes.len(),
            signers.join(", ")
        ));
    }
    Ok(())
}

/// Every provenance object in `json`: the document itself, its `provenance`, or an export's items'.
fn provenances(json: &Value) -> Vec<&Value> {
    if json.get("header").is_some() && json.get("document").is_some() {
        return vec![json];
    }
    if let Some(p) = json.get("provenance") {
        return vec![p];
    }
    json.get("items")
        .and_then(Value::as_array)
        .map(|items| items.iter().filter_map(|i| i.get("provenance")).collect())
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
