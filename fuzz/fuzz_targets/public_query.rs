//! Fuzz target: requests to the public site (a path and its query: filters, dates, cursors,
//! limits, item ids), answered by the real router over a store of sample items. Bad input must
//! get a 4xx answer, never a panic or a 5xx.
#![no_main]

use std::sync::LazyLock;

use axum::Router;
use axum::body::Body;
use axum::http::Request;
use liaison_node::public::{Site, router};
use libfuzzer_sys::fuzz_target;
use tower::ServiceExt as _;

struct Fixture {
    runtime: tokio::runtime::Runtime,
    router: Router,
    _dir: tempfile::TempDir,
}

static FIXTURE: LazyLock<Fixture> = LazyLock::new(|| {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let federation = liaison_fuzz::Federation::create(dir.path());
    let store = federation.members[0].store().clone();
    let runtime =
        tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a runtime");
    let router = router(Site::offline(store.read_only(), "Liaison mirror".to_owned()));
    Fixture { runtime, router, _dir: dir }
});

fuzz_target!(init: liaison_fuzz::init(), |data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    // A leading '/' gives the whole path; anything else is a query of the items API.
    let uri = if text.starts_with('/') { text.to_owned() } else { format!("/api/v1/items?{text}") };
    let Ok(request) = Request::get(uri).body(Body::empty()) else { return };
    let fixture = &*FIXTURE;
    let answer = fixture.runtime.block_on(fixture.router.clone().oneshot(request));
    let status = answer.expect("the router is infallible").status();
    assert!(!status.is_server_error(), "{status} for {text:?}");
});
