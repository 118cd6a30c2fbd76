//! `liaison backup` and `liaison restore`: a node's snapshot, and bringing it back.

use std::path::Path;

use chrono::Utc;
use liaison_node::api::{Request, Response};
use liaison_node::backup::{self, Body, SealedKey};
use liaison_node::identity::CONFIG_FILE;
use liaison_node::{Error, Identity, Query};

use crate::Failure;
use crate::args::{BackupArgs, RestoreArgs};
use crate::items::Conn;

/// The environment variable a passphrase is read from before asking on the terminal.
const PASSPHRASE_ENV: &str = "LIAISON_BACKUP_PASSPHRASE";

fn passphrase(prompt: &str) -> Result<String, Failure> {
    if let Ok(p) = std::env::var(PASSPHRASE_ENV) {
        return Ok(p);
    }
    if !std::io::IsTerminal::is_terminal(&std::io::stdin()) {
        return Err(Failure {
            code: 2,
            message: format!("a passphrase is needed: set {PASSPHRASE_ENV} or run on a terminal"),
        });
    }
    rpassword::prompt_password(prompt).map_err(Failure::system)
}

/// Takes a snapshot through the running node's API, or from the store when the node is down:
/// either way the items come from one request, which the node answers between two writes.
pub(crate) fn backup(a: BackupArgs, dir: &Path) -> Result<(), Failure> {
    let identity = Identity::load(dir)?;
    let config_path = dir.join(CONFIG_FILE);
    let config = std::fs::read_to_string(&config_path).map_err(|e| Error::io(&config_path, e))?;
    let mut conn = Conn::open(dir)?;
    let query = Query { withdrawn: true, ..Query::default() };
    let records = match conn.call(Request::List { query })? {
        Response::Entries(entries) => entries.into_iter().map(|e| e.record).collect::<Vec<_>>(),
        r => return Err(Failure::system(format!("unexpected answer from the node: {r:?}"))),
    };
    let own = identity.public_key();
    let roster = match conn.call(Request::RosterList)? {
        Response::Cards(cards) => cards.into_iter().filter(|c| c.key != own).collect::<Vec<_>>(),
        r => return Err(Failure::system(format!("unexpected answer from the node: {r:?}"))),
    };
    let trust = match conn.call(Request::Trust)? {
        Response::Trust(trust) => *trust,
        r => return Err(Failure::system(format!("unexpected answer from the node: {r:?}"))),
    };
    let key = if a.include_key {
        let pass = passphrase("Passphrase for the key in this backup: ")?;
        let sealed = SealedKey::seal(&identity.key, &pass, rand_bytes(), rand_bytes())
            .map_err(|message| Failure { code: 2, message })?;
        Some(sealed)
    } else {
        None
    };
    let body = Body {
        taken: Utc::now(),
        public_key: own,
        config,
        roster,
        authorities: trust.authorities,
        statements: trust.signed,
        records,
        key,
    };
    backup::write(&a.file, &body, &identity.key)?;
    eprintln!(
        "backed up {} items and {} roster entries to {}{}",
        body.records.len(),
        body.roster.len(),
        a.file.display(),
        if a.include_key { ", with the key (encrypted)" } else { "; the key is not in it" }
    );
    Ok(())
}

fn rand_bytes<const N: usize>() -> [u8; N] {
    liaison_node::backup::random_bytes()
}

/// Checks the whole backup, then writes it into `dir`.
pub(crate) fn restore(a: RestoreArgs, dir: &Path) -> Result<(), Failure> {
    let body = backup::read(&a.file)?;
    let pass = if body.key.is_some() {
        Some(passphrase("Passphrase of the key in this backup: ")?)
    } else {
        None
    };
    let restored = backup::restore(&body, dir, pass.as_deref())?;
    eprintln!(
        "restored {} items and {} roster entries into {} (backup taken {}){}",
        restored.items,
        restored.roster,
        dir.display(),
        body.taken.to_rfc3339(),
        if restored.key_from_backup || dir.join(liaison_node::identity::KEY_FILE).exists() {
            "; start it with 'liaison node': its peers bring it up to date"
        } else {
            "; put the node's node.key (mode 0600) in the directory before starting it"
        }
    );
    Ok(())
}
