//! A flood of uncached requests on a member's public site (wrk, with the benchmark's script of
//! varied query strings) while another member writes: every write still reaches the other
//! members, and the site keeps answering. wrk comes from outside cargo (Debian's `wrk`): without
//! it the test says plainly that it was skipped, and fails when `LIAISON_REQUIRE_WRK` is set.

use std::process::{Command, Stdio};

use liaison_protocol::{Label, Role};

use crate::fed_support::{DEADLINE, TestNet, eventually, options, visit};

/// The requests of the flood, shared with the benchmark harness.
const FLOOD_LUA: &str = include_str!("../src/bench/flood.lua");

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writes_reach_the_members_while_a_members_public_site_is_flooded() {
    if Command::new("wrk").arg("--version").output().is_err() {
        assert!(
            std::env::var_os("LIAISON_REQUIRE_WRK").is_none(),
            "LIAISON_REQUIRE_WRK is set but wrk was not found"
        );
        eprintln!("public site flood test skipped: wrk not found (apt-get install wrk)");
        return;
    }
    let site = liaison_node::daemon::Options { http: Some("127.0.0.1:0".into()), ..options() };
    let specs = [("ohchr", Role::Member), ("achpr", Role::Member), ("coe", Role::Member)];
    let mut net = TestNet::start_with(&specs, site).await;
    net.mesh().await;
    net.settle().await;
    for i in 0..20 {
        net[0].create(visit(&format!("visit before the flood #{i}"), Label::Clear, &[], &[])).await;
    }
    let addr = net[1].running.as_ref().and_then(|r| r.http).expect("member 1 serves its site");
    let script = net[1].path().join("flood.lua");
    std::fs::write(&script, FLOOD_LUA).expect("write the wrk script");
    let mut wrk = Command::new("wrk")
        .args(["-t1", "-c64", "-d600s", "-s"])
        .arg(&script)
        .arg(format!("http://{addr}/"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start wrk");
    for i in 0..10 {
        let id = net[0].create(visit(&format!("flooded #{i}"), Label::Clear, &[], &[])).await;
        for member in [1, 2] {
            eventually(DEADLINE, || async {
                if net[member].ids().await.contains(&id) { Ok(()) } else { Err(format!("{i}")) }
            })
            .await;
        }
    }
    assert!(matches!(wrk.try_wait(), Ok(None)), "the flood ended before the writes arrived");
    Command::new("kill").args(["-INT", &wrk.id().to_string()]).status().expect("stop wrk");
    let out = wrk.wait_with_output().expect("wrk's report");
    let report = String::from_utf8_lossy(&out.stdout);
    let requests: u64 = report
        .lines()
        .find_map(|l| l.trim().split_once(" requests in ")?.0.trim().parse().ok())
        .unwrap_or_else(|| panic!("no request count in wrk's report: {report}"));
    assert!(requests > 0, "the site answered nothing during the flood: {report}");
    let body = crate::site_support::exchange(
        addr,
        format!(
            "GET /api/v1/items?limit=500 HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
        )
        .as_bytes(),
    )
    .await
    .expect("the site answers after the flood")
    .body;
    assert!(body.contains("flooded #9"), "the last write is not on the site: {body}");
}
