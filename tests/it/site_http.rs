//! The public site's HTTP: kept answers, bad query parameters, write methods, oversized
//! requests and stalled clients are all refused or bounded.

use crate::mirror_support::*;
use crate::site_support::*;

/// The API's and the feeds' answers are kept until the store changes: a repeated request gets
/// the same answer, and a client that accepts gzip gets it gzipped, the same once unzipped.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kept_answers_are_the_same_gzipped_or_not() {
    let fed = Fed::start().await;
    let mirror = fed.mirror();
    for path in [
        "/api/v1/items?limit=500",
        "/api/v1/items?country=TN&limit=1",
        "/calendar.ics",
        "/calendar.ics?country=TN",
        "/reports.atom",
    ] {
        let made = get(mirror, path).await;
        let kept = get(mirror, path).await;
        assert_eq!(made.status, 200, "GET {path}: {made:?}");
        assert_eq!(made.comparable(), kept.comparable(), "GET {path}: the kept answer differs");
        assert_eq!(made.header("vary"), Some("accept-encoding"), "GET {path}");
        assert_eq!(made.header("content-encoding"), None, "GET {path}");
        let zipped = request(mirror, "GET", path, "Accept-Encoding: gzip, br\r\n", b"")
            .await
            .unwrap_or_else(|e| panic!("GET {path} with gzip: {e}"));
        assert_eq!(zipped.body, made.body, "GET {path} with gzip: another answer");
        let length = |a: &Answer| a.header("content-length").and_then(|l| l.parse::<usize>().ok());
        if made.body.len() >= 1024 {
            assert_eq!(zipped.header("content-encoding"), Some("gzip"), "GET {path}");
            assert!(length(&zipped) < length(&made), "GET {path}: gzip is not smaller");
        }
    }
}

/// Unknown parameters and malformed values get 400 with a message naming them; valid edge
/// values (lower case, empty) are accepted.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_query_parameters_are_refused_with_a_message_naming_them() {
    let fed = Fed::start().await;
    let mirror = fed.mirror();
    let mut problems = Vec::new();
    let lists = ["/visits/", "/calendar/", "/reports/", "/contacts/", "/api/v1/items"];
    let feeds = ["/calendar.ics", "/reports.atom"];
    for path in lists.iter().chain(&feeds) {
        refused(mirror, &format!("{path}?bogus=1"), "bogus", &mut problems).await;
        refused(mirror, &format!("{path}?country=XX"), "XX", &mut problems).await;
        refused(mirror, &format!("{path}?mechanism=NOT%20A%20CODE"), "NOT A CODE", &mut problems)
            .await;
        refused(mirror, &format!("{path}?country=TN&country=FR"), "country", &mut problems).await;
    }
    for path in &lists {
        refused(mirror, &format!("{path}?from=notadate"), "notadate", &mut problems).await;
        refused(mirror, &format!("{path}?to=2027-13-45"), "2027-13-45", &mut problems).await;
    }
    for path in ["/visits/", "/calendar/"] {
        refused(mirror, &format!("{path}?kind=visit"), "kind", &mut problems).await;
    }
    for limit in ["0", "501", "-1", "ten"] {
        refused(
            mirror,
            &format!("/api/v1/items?limit={limit}"),
            &format!("'{limit}'"),
            &mut problems,
        )
        .await;
    }
    for cursor in ["garbage", "2027-01-01_nope", "notadate_5a5a5a5a-5a5a-4a5a-9a5a-5a5a5a5a5a5a"] {
        refused(mirror, &format!("/api/v1/items?cursor={cursor}"), cursor, &mut problems).await;
    }
    refused(mirror, "/api/v1/items?kind=spaceship", "spaceship", &mut problems).await;
    let huge = "99999999999999999999999";
    refused(mirror, &format!("/api/v1/items?limit={huge}"), huge, &mut problems).await;
    for path in ["/visits/?country=%FF", "/api/v1/items?country=%FF", "/calendar.ics?country=%FF"] {
        let answer = get(mirror, path).await;
        if answer.status != 400 {
            problems.push(format!(
                "GET {path}: {} instead of 400: {}",
                answer.status,
                answer.body.trim()
            ));
        }
    }
    for path in [
        "/visits/?country=tn",
        "/visits/?country=",
        "/api/v1/items?country=tn&limit=500",
        "/calendar.ics?country=tn",
    ] {
        let answer = get(mirror, path).await;
        if answer.status != 200 {
            problems.push(format!(
                "GET {path}: {} instead of 200: {}",
                answer.status,
                answer.body.trim()
            ));
        }
    }
    assert!(problems.is_empty(), "bad input not refused as it should be:\n{}", problems.join("\n"));
}

/// The site writes nothing: every method but GET and HEAD, on every route, is refused with
/// 405 or 404, and nothing changes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn write_methods_are_refused_on_every_route() {
    let fed = Fed::start().await;
    let mirror = fed.mirror();
    let id = fed.public.keys().next().expect("a public item").to_string();
    let before = get_ok(mirror, "/api/v1/items?limit=500").await;
    let routes = [
        "/".to_owned(),
        "/visits/".into(),
        "/calendar/".into(),
        "/reports/".into(),
        "/contacts/".into(),
        "/countries/TN/".into(),
        format!("/items/{id}/"),
        format!("/items/{id}/provenance"),
        "/api/v1/items".into(),
        format!("/api/v1/items/{id}"),
        "/calendar.ics".into(),
        "/reports.atom".into(),
        "/healthz".into(),
        "/metrics".into(),
        "/no/such/route".into(),
    ];
    let body = br#"{"title":"written through the mirror"}"#;
    let mut problems = Vec::new();
    for route in &routes {
        for method in ["POST", "PUT", "DELETE", "PATCH"] {
            let extra = "Content-Type: application/json\r\n";
            match request(mirror, method, route, extra, body).await {
                Ok(a) if a.status == 404 || a.status == 405 => {}
                Ok(a) => problems.push(format!("{method} {route}: {} {}", a.status, a.body.trim())),
                Err(e) => problems.push(format!("{method} {route}: no answer: {e}")),
            }
        }
    }
    assert!(problems.is_empty(), "write methods not refused:\n{}", problems.join("\n"));
    assert_eq!(get_ok(mirror, "/api/v1/items?limit=500").await, before, "the mirror changed");
}

/// Oversized requests (a large body, a large header block, a long URL) are refused, not
/// served, and the site keeps answering.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversized_requests_are_refused() {
    let fed = Fed::start().await;
    let mirror = fed.mirror();
    let big_body = vec![b'x'; 2 * 1024 * 1024];
    let mut problems = Vec::new();
    let mut check = |what: &str, answer: Result<Answer, String>| match answer {
        Ok(a) if (200..300).contains(&a.status) => {
            problems.push(format!("{what}: served with {}", a.status));
        }
        Ok(a) => eprintln!("{what}: refused with {}", a.status),
        Err(e) => eprintln!("{what}: connection closed without an answer ({e})"),
    };
    check("POST with a 2 MiB body", request(mirror, "POST", "/api/v1/items", "", &big_body).await);
    check("GET with a 2 MiB body", request(mirror, "GET", "/api/v1/items", "", &big_body).await);
    let headers: String =
        (0..4096).map(|i| format!("X-Filler-{i}: {}\r\n", "y".repeat(200))).collect();
    check("GET with 800 KiB of headers", request(mirror, "GET", "/", &headers, b"").await);
    let long = format!("/visits/?country={}", "A".repeat(100_000));
    check("GET with a 100 kB URL", request(mirror, "GET", &long, "", b"").await);
    assert!(problems.is_empty(), "oversized requests served:\n{}", problems.join("\n"));
    assert_eq!(get_ok(mirror, "/healthz").await.trim(), "ok", "the site still answers");
}

/// A client that sends half a request and stalls is cut off within the request timeout, so
/// slow clients cannot hold the site's connections.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_stalls_mid_request_is_cut_off() {
    let fed = Fed::start().await;
    let mirror = fed.mirror();
    let partial_line = b"GET /visits/?country=T".as_slice();
    let partial_headers = format!("GET /visits/ HTTP/1.1\r\nHost: {mirror}\r\nUser-Agent: slow");
    let (line, headers) =
        tokio::join!(stall(mirror, partial_line), stall(mirror, partial_headers.as_bytes()));
    let mut problems = Vec::new();
    for (what, outcome) in [("half a request line", line), ("half the headers", headers)] {
        match outcome {
            Some((after, how)) => eprintln!("{what}: cut off after {after:?} ({how})"),
            None => {
                problems.push(format!("{what}: the connection is still open after {STALL_LIMIT:?}"))
            }
        }
    }
    assert_eq!(get_ok(mirror, "/healthz").await.trim(), "ok", "the site still answers");
    assert!(problems.is_empty(), "stalled clients are not cut off:\n{}", problems.join("\n"));
}
