//! The multi-host federation test, `deploy/netns/run`: four secretariats and an NGO's mirror
//! on their own hosts (network namespaces) behind a router that delays far hosts' traffic,
//! through a partition, a node that only dials out and a node that moves. It needs root and
//! `ip netns` (and `jq`); without them it says that it skipped and why, unless
//! `LIAISON_REQUIRE_NETNS=1` (as `.ci/run` sets it), which makes the skip a failure.

use std::path::PathBuf;
use std::process::Command;

/// Why this machine cannot run the test, if it cannot.
fn unable() -> Option<String> {
    let root = Command::new("id").arg("-u").output().is_ok_and(|o| o.stdout.trim_ascii() == b"0");
    if !root {
        return Some("network namespaces need root".to_owned());
    }
    let probe = format!("liaison-probe-{}", std::process::id());
    let added = Command::new("ip").args(["netns", "add", &probe]).output();
    match added {
        Ok(o) if o.status.success() => {
            let _ = Command::new("ip").args(["netns", "del", &probe]).output();
        }
        Ok(o) => {
            let why = String::from_utf8_lossy(&o.stderr);
            return Some(format!("'ip netns add' fails: {}", why.trim()));
        }
        Err(e) => return Some(format!("no 'ip' command (iproute2): {e}")),
    }
    if Command::new("jq").arg("--version").output().is_err() {
        return Some("no 'jq' command".to_owned());
    }
    None
}

#[test]
fn a_federation_across_hosts_converges_through_partitions_and_moves() {
    if let Some(why) = unable() {
        assert!(
            std::env::var("LIAISON_REQUIRE_NETNS").as_deref() != Ok("1"),
            "LIAISON_REQUIRE_NETNS=1 but the netns federation test cannot run: {why}"
        );
        eprintln!("SKIPPED: the multi-host federation test (deploy/netns/run): {why}");
        return;
    }
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../deploy/netns/run");
    let run = Command::new(script)
        .env("LIAISON_BIN", env!("CARGO_BIN_EXE_liaison-under-test"))
        .env("LIAISON_RELAY_BIN", env!("CARGO_BIN_EXE_liaison-delay-relay"))
        .env_remove("LIAISON_DIR")
        .output()
        .expect("run deploy/netns/run");
    let stdout = String::from_utf8_lossy(&run.stdout);
    let stderr = String::from_utf8_lossy(&run.stderr);
    eprintln!("{stdout}");
    assert!(run.status.success(), "deploy/netns/run failed ({}):\n{stdout}\n{stderr}", run.status);
    assert!(stdout.contains("every node converged"), "no verdict from deploy/netns/run:\n{stdout}");
}
