//! `liaison doctor`: every check on this node, each problem printed with what to do; exits 1
//! when any is found.

use std::path::Path;
use std::time::Duration;

use liaison_node::Identity;
use liaison_node::api::{Request, Response};
use liaison_node::doctor::{self, Finding};

use crate::Failure;
use crate::items::Conn;
use crate::output;

/// How long a roster peer has to accept a TCP connection.
const DIAL_TIMEOUT: Duration = Duration::from_secs(3);

pub(crate) fn run(dir: &Path) -> Result<(), Failure> {
    let mut found = doctor::permissions(dir);
    let checked = match Identity::load(dir) {
        Ok(identity) => node_checks(dir, &identity, &mut found)?,
        Err(e) => {
            found.push(Finding {
                problem: e.to_string(),
                fix: "correct the file it names, or restore the node from a backup".to_owned(),
            });
            String::new()
        }
    };
    found.extend(doctor::disk(dir));
    for f in &found {
        output::line(&format!("problem: {}\n    what to do: {}", f.problem, f.fix));
    }
    if found.is_empty() {
        output::line(&format!("no problems found{checked}"));
        Ok(())
    } else {
        Err(Failure { code: 1, message: format!("{} problem(s) found", found.len()) })
    }
}

/// Checks every stored record (checksum, signatures, cached fields) and each roster peer's
/// address; returns what was checked, for the summary.
fn node_checks(
    dir: &Path,
    identity: &Identity,
    found: &mut Vec<Finding>,
) -> Result<String, Failure> {
    let mut conn = Conn::open(dir)?;
    let ids = match conn.call(Request::Ids)? {
        Response::Ids(ids) => ids,
        r => return Err(Failure::system(format!("unexpected answer from the node: {r:?}"))),
    };
    for id in &ids {
        if let Err(e) = conn.call(Request::View { id: *id }) {
            found.push(Finding {
                problem: format!("item {id}: {}", e.message),
                fix: "restore the node from a backup; its peers then resend what they hold"
                    .to_owned(),
            });
        }
    }
    let own = identity.public_key();
    let roster = match conn.call(Request::RosterList)? {
        Response::Cards(cards) => cards.into_iter().filter(|c| c.key != own).collect::<Vec<_>>(),
        r => return Err(Failure::system(format!("unexpected answer from the node: {r:?}"))),
    };
    found.extend(doctor::reachability(&roster, DIAL_TIMEOUT));
    match conn.call(Request::Trust)? {
        Response::Trust(view) => found.extend(doctor::trust(&view, &own, chrono::Utc::now())),
        r => return Err(Failure::system(format!("unexpected answer from the node: {r:?}"))),
    }
    // Clocks are measured by the running node when links open; a stopped node has none.
    let clocks = match conn.call(Request::Status) {
        Ok(Response::Status(status)) => {
            let measured = status.peers.iter().filter(|p| p.clock_offset_ms.is_some()).count();
            found.extend(doctor::clocks(&status.peers));
            format!(", clocks of {measured} connected peers")
        }
        _ => ", clocks not checked (the node is not running)".to_owned(),
    };
    Ok(format!(": {} items and {} roster peers checked{clocks}", ids.len(), roster.len()))
}
