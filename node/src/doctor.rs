//! `liaison doctor`'s checks that need no running node: the data directory's and the key's
//! permissions, whether roster peers answer on their addresses, and free disk. Each finding
//! says what is wrong and what to do.

use std::net::{SocketAddr, TcpStream, ToSocketAddrs as _};
use std::path::Path;
use std::time::Duration;

use liaison_protocol::Card;

use crate::identity::KEY_FILE;

/// One problem, and what to do about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// What is wrong.
    pub problem: String,
    /// What to do.
    pub fix: String,
}

impl Finding {
    fn new(problem: impl Into<String>, fix: impl Into<String>) -> Self {
        Self { problem: problem.into(), fix: fix.into() }
    }
}

/// Below this much free space on the store's file system, the doctor warns.
pub const MIN_FREE_BYTES: u64 = 1 << 30;

/// The data directory and the key must be the owner's alone (0700 and 0600).
pub fn permissions(dir: &Path) -> Vec<Finding> {
    let mut out = Vec::new();
    for (path, wanted) in [(dir.to_owned(), 0o700), (dir.join(KEY_FILE), 0o600)] {
        let mode = match mode(&path) {
            Ok(Some(mode)) => mode,
            Ok(None) => continue,
            Err(e) => {
                out.push(Finding::new(
                    format!("{} cannot be read: {e}", path.display()),
                    "run the command as the node's user",
                ));
                continue;
            }
        };
        if mode & 0o077 != 0 {
            out.push(Finding::new(
                format!("{} is open to other users (mode {mode:o})", path.display()),
                format!("chmod {wanted:o} {}", path.display()),
            ));
        }
    }
    out
}

#[cfg(unix)]
fn mode(path: &Path) -> std::io::Result<Option<u32>> {
    use std::os::unix::fs::PermissionsExt as _;
    match std::fs::metadata(path) {
        Ok(m) => Ok(Some(m.permissions().mode() & 0o777)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}

#[cfg(not(unix))]
fn mode(_: &Path) -> std::io::Result<Option<u32>> {
    Ok(None)
}

/// The socket addresses of a `/ip4|ip6|dns|dns4|dns6/HOST/tcp/PORT` multiaddress.
fn socket_addrs(addr: &str) -> Option<Vec<SocketAddr>> {
    let parts: Vec<&str> = addr.split('/').collect();
    match parts.as_slice() {
        ["", "ip4" | "ip6" | "dns" | "dns4" | "dns6", host, "tcp", port, ..] => {
            let port: u16 = port.parse().ok()?;
            (*host, port).to_socket_addrs().ok().map(Iterator::collect)
        }
        _ => None,
    }
}

/// Whether each roster peer with addresses accepts a TCP connection on one of them within
/// `timeout`. A peer without an address dials this node, so it is not checked.
pub fn reachability(roster: &[Card], timeout: Duration) -> Vec<Finding> {
    let mut out = Vec::new();
    for card in roster.iter().filter(|c| !c.addrs.is_empty()) {
        let reached = card.addrs.iter().any(|addr| {
            socket_addrs(addr).is_some_and(|socks| {
                socks.iter().any(|s| TcpStream::connect_timeout(s, timeout).is_ok())
            })
        });
        if !reached {
            out.push(Finding::new(
                format!(
                    "roster peer {} ({}) does not answer at {}",
                    card.mechanism,
                    card.key,
                    card.addrs.join(", ")
                ),
                "ask its administrator whether it runs; check the firewalls on both sides \
                 and the address in 'liaison roster list'",
            ));
        }
    }
    out
}

/// Free space on the file system of `dir`.
pub fn disk(dir: &Path) -> Vec<Finding> {
    match rustix::fs::statvfs(dir) {
        Ok(s) => {
            let free = s.f_bavail.saturating_mul(s.f_frsize);
            if free < MIN_FREE_BYTES {
                vec![Finding::new(
                    format!("only {} MiB free on the file system of {}", free >> 20, dir.display()),
                    "free space or grow the disk: the store cannot write when it is full",
                )]
            } else {
                Vec::new()
            }
        }
        Err(e) => vec![Finding::new(
            format!("cannot read the free space of {}: {e}", dir.display()),
            "check the data directory's file system",
        )],
    }
}

/// How far a peer's clock may be from this node's before it is a problem: certificates are
/// read with a 10-minute allowance, checkpoints with 5.
pub const MAX_CLOCK_OFFSET_MS: i64 = 60_000;

/// Peers whose clock, measured when their link opened, is more than a minute from this node's.
pub fn clocks(peers: &[crate::api::PeerStatus]) -> Vec<Finding> {
    peers
        .iter()
        .filter_map(|p| {
            let offset = p.clock_offset_ms?;
            (offset.abs() > MAX_CLOCK_OFFSET_MS).then(|| Finding {
                problem: format!(
                    "the clock of peer {} ({}) is {:.0} s {} this node's",
                    p.name.as_deref().unwrap_or("?"),
                    p.key.map(|k| k.short()).unwrap_or_default(),
                    offset.unsigned_abs() as f64 / 1000.0,
                    if offset > 0 { "ahead of" } else { "behind" }
                ),
                fix: "check that both servers keep time (systemd-timesyncd or chrony); \
                      certificates and checkpoints are read against clocks"
                    .to_owned(),
            })
        })
        .collect()
}

/// Days before a certificate's end from which `doctor` warns.
pub const RENEW_WITHIN_DAYS: i64 = 30;

/// This node's own certificate (revoked, expired or ending soon) and the keysets it serves
/// (expired), where those exist.
pub fn trust(
    view: &crate::api::TrustView,
    own: &liaison_protocol::PublicKey,
    now: chrono::DateTime<chrono::Utc>,
) -> Vec<Finding> {
    let mut found = Vec::new();
    if let Some(r) = view.revocations.iter().find(|r| r.key == *own) {
        found.push(Finding {
            problem: format!("this node's key was revoked ({}) on {}", r.reason, r.revoked_at.date_naive()),
            fix: "stop the node, run 'liaison key rotate', and have the authority certify the new key"
                .to_owned(),
        });
    }
    for cert in view.certificates.iter().filter(|c| c.key == *own) {
        let Some(end) = cert.not_after else { continue };
        if end <= now {
            found.push(Finding {
                problem: format!("this node's certificate expired on {}", end.date_naive()),
                fix: "have the authority certify the node again ('liaison authority certify'), \
                      then 'liaison cert add' the new certificate"
                    .to_owned(),
            });
        } else if end - now < chrono::TimeDelta::days(RENEW_WITHIN_DAYS) {
            found.push(Finding {
                problem: format!("this node's certificate ends on {}", end.date_naive()),
                fix: "have the authority certify the node again before then, and 'liaison cert \
                      add' the new certificate"
                    .to_owned(),
            });
        }
    }
    for (mechanism, expires) in &view.keysets {
        if *expires <= now {
            found.push(Finding {
                problem: format!(
                    "the keyset of {mechanism} this node serves expired on {}",
                    expires.date_naive()
                ),
                fix: format!(
                    "install a current keyset of {mechanism} with 'liaison cert add --keyset FILE'"
                ),
            });
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use crate::api::PeerStatus;

    #[test]
    fn a_clock_more_than_a_minute_off_is_a_problem_either_way() {
        let peer = |offset| PeerStatus {
            name: Some("COE Strasbourg".into()),
            clock_offset_ms: offset,
            ..PeerStatus::default()
        };
        let peers = [peer(Some(59_000)), peer(None), peer(Some(-61_000)), peer(Some(3_600_000))];
        let found = super::clocks(&peers);
        assert_eq!(found.len(), 2, "{found:?}");
        assert!(found[0].problem.contains("61 s behind"), "{found:?}");
        assert!(found[1].problem.contains("3600 s ahead of"), "{found:?}");
    }
}
