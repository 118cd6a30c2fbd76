//! Fuzz target: sync requests and responses as a peer sends them, decoded through the protocol
//! codec with its size limit; what decodes must encode back to the same message, and a
//! reconciliation turn is answered against a catalogue.
#![no_main]

use std::sync::LazyLock;

use liaison_protocol::sync::{Catalog, Reconcile, Reconciler, SyncRequest, SyncResponse};
use libfuzzer_sys::fuzz_target;

static CATALOG: LazyLock<Catalog> = LazyLock::new(liaison_fuzz::catalog);

/// Answers `turn` with the default settings and with small ones (more splitting, capped
/// replies), as two differently configured peers would.
fn answer(turn: &Reconcile) {
    let small = Reconciler { split: 2, leaf: 1, max_ranges: 3 };
    for reconciler in [Reconciler::default(), small] {
        if let Ok(step) = reconciler.respond(&*CATALOG, turn)
            && let Some(reply) = step.reply
        {
            assert!(reply.ranges.len() <= reconciler.max_ranges.max(reconciler.split + 1));
        }
    }
}

fuzz_target!(init: liaison_fuzz::init(), |data: &[u8]| {
    if let Ok(request) = SyncRequest::decode(data) {
        let again = SyncRequest::decode(&request.encode()).expect("a decoded request re-decodes");
        assert_eq!(again, request);
        if let SyncRequest::Reconcile(turn) = &request {
            answer(turn);
        }
    }
    if let Ok(response) = SyncResponse::decode(data) {
        let again =
            SyncResponse::decode(&response.encode()).expect("a decoded response re-decodes");
        assert_eq!(again, response);
        if let SyncResponse::Reconcile(turn) = &response {
            answer(turn);
        }
    }
});
