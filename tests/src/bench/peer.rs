//! Figure 8: the peer users would otherwise pick. automerge-repo 2.5.6 syncs the same number of
//! small documents between two repos over WebSocket on loopback (`tests/bench-peer/sync.mjs`),
//! in the same run as Liaison's initial sync at that size.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use super::initial::Sync;
use super::log;
use super::report::{Row, Verdict, bytes, count, secs};

const TARGET: &str = ">= 50x its docs/s";
const FIGURE: &str = "8. automerge-repo 2.5.6 peer over WebSocket";

fn peer_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("bench-peer")
}

fn works(program: &str) -> bool {
    Command::new(program)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Installs the peer's packages once, from the lock file. `npm install` rather than `npm ci`:
/// `npm ci` refuses the lock when the registry lacks the optional per-platform binaries of
/// `cbor-extract` (a speed-up automerge-repo does without).
fn install(dir: &Path) -> Result<(), String> {
    if dir.join("node_modules/@automerge/automerge-repo").exists() {
        return Ok(());
    }
    log("automerge-repo peer: npm install");
    let status = Command::new("npm")
        .args(["install", "--no-audit", "--no-fund"])
        .current_dir(dir)
        .stdout(Stdio::null())
        .status()
        .map_err(|e| format!("npm install: {e}"))?;
    if status.success() { Ok(()) } else { Err(format!("npm install failed ({status})")) }
}

/// The rows of figure 8: skipped with the reason, or one per size.
pub(crate) async fn run(root: &Path, enabled: bool, sizes: &[usize], syncs: &[Sync]) -> Vec<Row> {
    let skipped = |why: &str| vec![Row::not_measured(FIGURE, format!("skipped: {why}"), TARGET)];
    if !enabled {
        return skipped("run with --peer (needs node and npm)");
    }
    if !works("node") || !works("npm") {
        return skipped("node or npm not found");
    }
    let dir = peer_dir();
    if let Err(e) = install(&dir) {
        return skipped(&e);
    }
    let mut rows = Vec::new();
    for &n in sizes {
        let out_dir = root.join(format!("automerge-{n}"));
        log(&format!("automerge-repo peer: {n} documents"));
        let script = dir.join("sync.mjs");
        let run = tokio::task::spawn_blocking(move || {
            Command::new("node")
                .arg(script)
                .args(["--n", &n.to_string(), "--dir"])
                .arg(out_dir)
                .stderr(Stdio::inherit())
                .output()
        })
        .await;
        let figure = format!("{FIGURE}, N = {}", count(n as u64));
        let output = match run {
            Ok(Ok(output)) if output.status.success() => output,
            Ok(Ok(output)) => {
                rows.push(Row::not_measured(figure, format!("failed: {}", output.status), TARGET));
                continue;
            }
            Ok(Err(e)) => {
                rows.push(Row::not_measured(figure, format!("failed: {e}"), TARGET));
                continue;
            }
            Err(e) => {
                rows.push(Row::not_measured(figure, format!("failed: {e}"), TARGET));
                continue;
            }
        };
        let text = String::from_utf8_lossy(&output.stdout);
        let Some(result) =
            text.lines().rev().find_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        else {
            rows.push(Row::not_measured(figure, "failed: no result line", TARGET));
            continue;
        };
        rows.push(row(figure, n, &result, syncs.iter().find(|s| s.n == n)));
    }
    rows
}

fn row(figure: String, n: usize, r: &serde_json::Value, liaison: Option<&Sync>) -> Row {
    let num = |k: &str| r.get(k).and_then(serde_json::Value::as_f64).unwrap_or(0.0);
    let docs = num("docs").max(1.0);
    let seconds = num("sync_seconds").max(1e-9);
    let docs_per_s = docs / seconds;
    let mut measured = format!(
        "full sync {} ({docs_per_s:.0} docs/s, {} per doc); reconnect with nothing changed {}, \
         {} per doc; peak RSS {} (client), {} (server)",
        secs(std::time::Duration::from_secs_f64(seconds)),
        bytes((num("sync_bytes") / docs) as u64),
        secs(std::time::Duration::from_secs_f64(num("reconnect_seconds"))),
        bytes((num("reconnect_bytes") / docs) as u64),
        bytes(num("client_peak_rss") as u64),
        bytes(num("server_peak_rss") as u64),
    );
    let (retries, errors) = (num("retries"), num("internal_errors"));
    if retries + errors > 0.0 {
        measured.push_str(&format!(
            "; {retries} finds retried, {errors} internal time-outs of automerge-repo"
        ));
    }
    let verdict = match liaison {
        Some(s) => {
            let ratio = s.rate() / docs_per_s;
            measured.push_str(&format!(
                "; Liaison, figure 2 at the same N: {:.0} items/s, {} per item: {ratio:.1}x",
                s.rate(),
                bytes(s.bytes / s.items.max(1) as u64),
            ));
            Verdict::of(ratio >= 50.0)
        }
        None => {
            measured.push_str(&format!("; Liaison did not run at N = {n}"));
            Verdict::None
        }
    };
    Row::new(figure, measured, TARGET, verdict)
}
