//! `liaison node --metrics ADDR:PORT`: the operator's Prometheus metrics of a running node (member
//! or mirror), from the status the event loop publishes every tick: per peer, whether it is
//! connected, how long since the last completed reconciliation (the sync lag), refusals, items
//! and bytes moved; for the node, its items, store size and queue depths. It names peers by
//! mechanism, role and short key, never item data; it is for the operator's monitoring, so bind
//! it to an address only that can reach.

use axum::Router;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use chrono::Utc;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;
use tokio::sync::watch;

use crate::api::Status;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct PeerLabels {
    mechanism: String,
    role: String,
    key: String,
}

/// The router: `/metrics` only.
pub(super) fn router(status: watch::Receiver<Option<Status>>) -> Router {
    Router::new().route("/metrics", get(metrics)).with_state(status)
}

fn gauge(n: impl TryInto<i64>) -> i64 {
    n.try_into().unwrap_or(i64::MAX)
}

async fn metrics(State(status): State<watch::Receiver<Option<Status>>>) -> impl IntoResponse {
    let status = status.borrow().clone();
    let mut registry = Registry::default();
    if let Some(status) = status {
        let node = |name: &str, help: &str, value: i64| {
            let g = Gauge::<i64>::default();
            g.set(value);
            (name.to_owned(), help.to_owned(), g)
        };
        for (name, help, g) in [
            node("liaison_items", "Items in the store", gauge(status.items)),
            node("liaison_store_bytes", "Bytes the store takes on disk", gauge(status.store_bytes)),
            node(
                "liaison_queue_wanted",
                "Items offered and not fetched yet",
                gauge(status.queues.wanted),
            ),
            node("liaison_queue_fetching", "Fetches under way", gauge(status.queues.fetching)),
            node(
                "liaison_queue_to_verify",
                "Fetch answers waiting to be verified",
                gauge(status.queues.to_verify),
            ),
        ] {
            registry.register(name, help, g);
        }
        let families: [(&str, &str, Family<PeerLabels, Gauge>); 7] = [
            ("liaison_peer_connected", "1 when the peer is connected", Family::default()),
            (
                "liaison_peer_sync_lag_seconds",
                "Seconds since the last completed reconciliation with the peer (-1: none yet)",
                Family::default(),
            ),
            (
                "liaison_peer_refused",
                "Items or messages refused from the peer since start",
                Family::default(),
            ),
            ("liaison_peer_items_sent", "Items sent to the peer since start", Family::default()),
            (
                "liaison_peer_items_received",
                "Items from the peer that changed something",
                Family::default(),
            ),
            (
                "liaison_peer_bytes_sent",
                "Bytes of sync messages sent to the peer",
                Family::default(),
            ),
            (
                "liaison_peer_bytes_received",
                "Bytes of sync messages received from the peer",
                Family::default(),
            ),
        ];
        let now = Utc::now();
        for p in &status.peers {
            let labels = PeerLabels {
                mechanism: p.mechanism.as_ref().map_or("unknown".into(), ToString::to_string),
                role: p.role.map_or("unknown".into(), |r| r.to_string()),
                key: p.key.map_or("unknown".into(), |k| k.short()),
            };
            let lag = p.last_sync.map_or(-1, |t| (now - t).num_seconds());
            let values = [
                i64::from(p.connected),
                lag,
                gauge(p.refused),
                gauge(p.items_sent),
                gauge(p.items_received),
                gauge(p.bytes_sent),
                gauge(p.bytes_received),
            ];
            for ((_, _, family), value) in families.iter().zip(values) {
                family.get_or_create(&labels).set(value);
            }
        }
        for (name, help, family) in families {
            registry.register(name, help, family);
        }
    }
    let mut text = String::new();
    if let Err(e) = prometheus_client::encoding::text::encode(&mut text, &registry) {
        tracing::error!(error = %e, "encoding metrics");
    }
    ([(header::CONTENT_TYPE, "application/openmetrics-text; version=1.0.0; charset=utf-8")], text)
}
