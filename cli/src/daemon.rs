//! `liaison node`, `liaison status` and `liaison peers`: running a node and looking at it.

use std::path::Path;
use std::time::Duration;

use liaison_node::api::Status;
use liaison_node::api::{Request, Response};
use liaison_node::daemon::{self, Options};

use crate::Failure;
use crate::args::{NodeArgs, PeersArgs, ShowFormat};
use crate::items::Conn;
use crate::output;

/// Runs the node in `dir` until SIGINT or SIGTERM.
pub(crate) fn run(a: NodeArgs, dir: &Path) -> Result<(), Failure> {
    for addr in &a.listen {
        liaison_node::identity::check_multiaddr(addr)?;
    }
    let runtime = tokio::runtime::Runtime::new().map_err(Failure::system)?;
    runtime.block_on(async {
        let options = Options {
            listen: a.listen,
            api: a.api,
            allow_mirrors: a.allow_mirrors,
            http: a.http,
            reconcile_every: Duration::from_secs(a.reconcile_every.max(1)),
            checkpoint_every: Duration::from_secs(a.checkpoint_every.max(1)),
            metrics: a.metrics,
        };
        let mut node = daemon::start(dir.to_owned(), options).await?;
        for addr in &node.listening {
            eprintln!("listening on {addr}/p2p/{}", node.peer_id);
        }
        if let Some(http) = node.http {
            eprintln!("public site on http://{http}/");
        }
        if let Some(metrics) = node.metrics {
            eprintln!("metrics on http://{metrics}/metrics");
        }
        eprintln!("local API on {}; stop with Ctrl-C", node.api);
        tokio::select! {
            () = stop_signal() => {
                eprintln!("stopping");
                node.stop().await?;
            }
            result = node.wait() => result?,
        }
        Ok(())
    })
}

async fn stop_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

fn fetch_status(conn: &mut Conn) -> Result<Status, Failure> {
    match conn {
        Conn::Local(_) => Err(liaison_node::Error::NotRunning.into()),
        Conn::Remote(_) => match conn.call(Request::Status)? {
            Response::Status(status) => Ok(*status),
            r => Err(Failure::system(format!("unexpected answer from the node: {r:?}"))),
        },
    }
}

pub(crate) fn status(conn: &mut Conn) -> Result<(), Failure> {
    let s = fetch_status(conn)?;
    let connected = s.peers.iter().filter(|p| p.connected).count();
    let mut out = String::new();
    out.push_str(&format!(
        "node          {} {} ({})\n",
        s.card.role,
        s.card.mechanism,
        s.card.key.short()
    ));
    if let Some(name) = &s.card.name {
        out.push_str(&format!("name          {name}\n"));
    }
    for addr in &s.listening {
        out.push_str(&format!("listening     {addr}\n"));
    }
    out.push_str(&format!("local API     {}\n", s.api));
    out.push_str(&format!("items         {}\n", s.items));
    out.push_str(&format!("peers         {connected} of {} connected\n", s.peers.len()));
    output::write(None, &out)
}

pub(crate) fn peers(conn: &mut Conn, a: PeersArgs) -> Result<(), Failure> {
    let s = fetch_status(conn)?;
    if let ShowFormat::Json = a.format {
        return output::write(
            None,
            &(serde_json::to_string_pretty(&s.peers).unwrap_or_default() + "\n"),
        );
    }
    let mut out = format!(
        "{:<10} {:<7} {:<9} {:<10} {:<20} {:>6} {:>6} {:>7}\n",
        "MECHANISM", "ROLE", "KEY", "STATE", "LAST SYNC", "SENT", "RECV", "REFUSED"
    );
    for p in &s.peers {
        out.push_str(&format!(
            "{:<10} {:<7} {:<9} {:<10} {:<20} {:>6} {:>6} {:>7}\n",
            p.mechanism.as_ref().map_or("?", |m| m.as_str()),
            p.role.map_or("?", |r| r.as_str()),
            p.key.map(|k| k.short()).unwrap_or_default(),
            if p.connected { "connected" } else { "away" },
            p.last_sync
                .map(|t| t.format("%Y-%m-%d %H:%M:%SZ").to_string())
                .unwrap_or_else(|| "never".to_owned()),
            p.items_sent,
            p.items_received,
            p.refused,
        ));
        if let Some(why) = &p.last_refusal {
            out.push_str(&format!("           last refusal: {why}\n"));
        }
    }
    if s.peers.is_empty() {
        out.push_str("(no peers: add some with 'liaison roster add CARD')\n");
    }
    output::write(None, &out)
}
