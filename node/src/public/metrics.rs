//! `/metrics`, in the Prometheus text format: items by kind and label, peers, sync counters and
//! refusals. Labels carry only kinds, label words and mechanism codes, never item data.

use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;

use super::{Refusal, Site};

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ItemLabels {
    kind: String,
    label: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct PeerLabels {
    mechanism: String,
    role: String,
}

pub(super) async fn metrics(State(site): State<Site>) -> Result<impl IntoResponse, Refusal> {
    // Counted once per store generation, not per request.
    let summary = site.read(|site| Ok(site.summary()?)).await?;
    let mut registry = Registry::default();
    let items = Family::<ItemLabels, Gauge>::default();
    for ((kind, label), count) in &summary.counts {
        items
            .get_or_create(&ItemLabels { kind: kind.to_string(), label: label.to_string() })
            .inc_by(*count);
    }
    registry.register("liaison_public_items", "Items this site serves, by kind and label", items);
    if let Some(status) = site.status() {
        let connected = Family::<PeerLabels, Gauge>::default();
        let sent = Family::<PeerLabels, Gauge>::default();
        let received = Family::<PeerLabels, Gauge>::default();
        let refused = Family::<PeerLabels, Gauge>::default();
        for p in &status.peers {
            let labels = PeerLabels {
                mechanism: p.mechanism.as_ref().map_or("unknown".into(), ToString::to_string),
                role: p.role.map_or("unknown".into(), |r| r.to_string()),
            };
            connected.get_or_create(&labels).inc_by(i64::from(p.connected));
            let gauge = |n: u64| i64::try_from(n).unwrap_or(i64::MAX);
            sent.get_or_create(&labels).inc_by(gauge(p.items_sent));
            received.get_or_create(&labels).inc_by(gauge(p.items_received));
            refused.get_or_create(&labels).inc_by(gauge(p.refused));
        }
        registry.register("liaison_peers_connected", "Roster peers connected now", connected);
        registry.register("liaison_items_sent", "Items sent to peers since start", sent);
        registry.register(
            "liaison_items_received",
            "Items received from peers that changed something",
            received,
        );
        registry.register(
            "liaison_refused",
            "Items or messages refused from peers since start",
            refused,
        );
    }
    let mut text = String::new();
    prometheus_client::encoding::text::encode(&mut text, &registry)
        .map_err(|e| Refusal::BadRequest(e.to_string()))?;
    Ok((
        [(header::CONTENT_TYPE, "application/openmetrics-text; version=1.0.0; charset=utf-8")],
        text,
    ))
}
