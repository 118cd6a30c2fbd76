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
