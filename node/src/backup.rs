//! Backups of a node: a versioned, checksummed file signed by the node's key, holding every
//! item (withdrawn ones too), the roster and the config, and the key only when asked, sealed
//! with a passphrase. Reading a backup checks all of it before anything is restored.
//!
//! The file: `MAGIC`, the format version (u16, big-endian), the body's length (u64), the body's
//! SHA-256, the body (CBOR [`Body`]), and the node's ed25519 signature over
//! `"liaison/backup/v1\0" || sha256(body)`.

use std::fs;
use std::path::Path;

use chrono::{DateTime, Utc};
use ed25519_dalek::{Signer as _, SigningKey};
use liaison_protocol::codec;
use liaison_protocol::trust::{AuthorityCard, Signed};
use liaison_protocol::{Card, PublicKey, Roster, verify};
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};

use crate::identity::{CONFIG_FILE, KEY_FILE, STORE_DIR};
use crate::{Config, Error, Record, Store};

mod seal;

pub use seal::SealedKey;

/// The first bytes of every backup file.
pub const MAGIC: &[u8; 15] = b"liaison-backup\n";
/// The format version this release writes and reads.
pub const VERSION: u16 = 1;
/// The largest backup this release reads.
pub const MAX_BACKUP_BYTES: u64 = 4 << 30;
const SIG_CONTEXT: &[u8] = b"liaison/backup/v1\0";
const PREAMBLE: usize = MAGIC.len() + 2 + 8 + 32;

/// What a backup holds.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Body {
    /// When it was taken.
    pub taken: DateTime<Utc>,
    /// The node's public key; the file is signed by it.
    pub public_key: PublicKey,
    /// `config.toml`, as it was.
    pub config: String,
    /// The roster's cards (the node's own card left out).
    pub roster: Vec<Card>,
    /// The anchored authorities.
    #[serde(default)]
    pub authorities: Vec<AuthorityCard>,
    /// The certificates and revocations kept.
    #[serde(default)]
    pub statements: Vec<Signed>,
    /// Every item's record, withdrawn ones included.
    pub records: Vec<Record>,
    /// The key, sealed with a passphrase, when the backup includes it.
    pub key: Option<SealedKey>,
}

fn refused(why: impl Into<String>) -> Error {
    let why = why.into();
    tracing::error!(%why, "backup refused");
    Error::Backup(why)
}

/// Writes `body`, signed with `key`, to `path` (mode 0600, through a temporary file renamed
/// into place, so a failed backup never leaves a partial file under its name).
///
/// # Errors
/// IO errors; [`Error::Backup`] if `key` is not the body's.
pub fn write(path: &Path, body: &Body, key: &SigningKey) -> Result<(), Error> {
    if PublicKey::from(&key.verifying_key()) != body.public_key {
        return Err(refused("the key does not match the node's public key"));
    }
    let bytes = codec::encode(body);
    let sum = Sha256::digest(&bytes);
    let signature = key.sign(&[SIG_CONTEXT, &sum[..]].concat());
    let mut out = Vec::with_capacity(PREAMBLE + bytes.len() + 64);
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&VERSION.to_be_bytes());
    out.extend_from_slice(&(bytes.len() as u64).to_be_bytes());
    out.extend_from_slice(&sum);
    out.extend_from_slice(&bytes);
    out.extend_from_slice(&signature.to_bytes());
    let tmp = path.with_extension("partial");
    let _ = fs::remove_file(&tmp);
    crate::identity::write_private(&tmp, &out)?;
    fs::rename(&tmp, path).map_err(|e| Error::io(path, e))
}

/// Reads the backup at `path` and checks its format, checksum, signature, config and every
/// item's signatures against its roster.
///
/// # Errors
/// [`Error::Backup`] naming what is wrong; IO errors.
pub fn read(path: &Path) -> Result<Body, Error> {
    let len = fs::metadata(path).map_err(|e| Error::io(path, e))?.len();
    if len > MAX_BACKUP_BYTES {
        return Err(refused(format!(
            "{} is {len} bytes, more than a backup can be",
            path.display()
        )));
    }
    let bytes = fs::read(path).map_err(|e| Error::io(path, e))?;
    let body = parse(&bytes)?;
    check(&body)?;
    Ok(body)
}

fn parse(bytes: &[u8]) -> Result<Body, Error> {
    if bytes.len() < MAGIC.len() || &bytes[..MAGIC.len()] != MAGIC {
        return Err(refused("not a Liaison backup (it does not start as one)"));
    }
    if bytes.len() < PREAMBLE {
        return Err(refused("truncated: the file ends inside its header"));
    }
    let version = u16::from_be_bytes([bytes[15], bytes[16]]);
    if version != VERSION {
        return Err(refused(format!(
            "backup format version {version}; this release reads version {VERSION}"
        )));
    }
    let mut len = [0u8; 8];
    len.copy_from_slice(&bytes[17..25]);
    let len = usize::try_from(u64::from_be_bytes(len)).unwrap_or(usize::MAX);
    let rest = &bytes[PREAMBLE..];
    if rest.len() != len.saturating_add(64) {
        return Err(refused(format!(
            "truncated or extended: {} bytes follow the header, {} expected",
            rest.len(),
            len.saturating_add(64)
        )));
    }
    let (body_bytes, sig) = rest.split_at(len);
    let sum = Sha256::digest(body_bytes);
    if sum[..] != bytes[25..57] {
        return Err(refused("checksum mismatch: the file was corrupted or altered"));
    }
    let body: Body = codec::decode(body_bytes, MAX_BACKUP_BYTES as usize)
        .map_err(|e| refused(format!("the contents do not decode: {e}")))?;
    let signature: &[u8; 64] = sig.try_into().map_err(|_| refused("malformed signature"))?;
    if !body.public_key.verifies(&[SIG_CONTEXT, &sum[..]].concat(), signature) {
        return Err(refused("its signature is not by the node key it names"));
    }
    Ok(body)
}

/// The config in `body`, checked to be the node's.
fn config(body: &Body) -> Result<Config, Error> {
    let config: Config = toml::from_str(&body.config)
        .map_err(|e| refused(format!("its {CONFIG_FILE} is invalid: {}", e.message())))?;
    if config.public_key != body.public_key {
        return Err(refused(format!("its {CONFIG_FILE} is another node's (public key differs)")));
    }
    Ok(config)
}

fn check(body: &Body) -> Result<(), Error> {
    let config = config(body)?;
    let mut roster = Roster::new();
    for card in &body.roster {
        roster.insert(card.clone());
    }
    roster.insert(Card {
        mechanism: config.mechanism.clone(),
        name: config.name.clone(),
        role: config.role,
        key: body.public_key,
        addrs: config.listen.clone(),
    });
    for record in &body.records {
        // The node's own items: every signature is checked; writers were when they arrived
        // (some may have been revoked since).
        let held = record.sigs.iter().map(|s| s.hash).collect();
        verify::verify_item(&record.header, &record.doc, &record.sigs, &roster, &held)
            .map_err(|e| refused(format!("an item does not verify: {e}")))?;
    }
    Ok(())
}

/// What a restore wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Restored {
    /// Items written.
    pub items: usize,
    /// Roster cards written.
    pub roster: usize,
    /// Whether the key came from the backup (else it was in the directory already).
    pub key_from_backup: bool,
}

/// Restores a checked `body` into `dir`, which must not hold a node; it may hold the node's
/// own `node.key` when the backup has none. `passphrase` opens the key the backup holds.
/// Everything is checked before the first byte is written.
///
/// # Errors
/// [`Error::AlreadyInitialised`]; [`Error::Backup`] for a wrong passphrase, a missing key or
/// another node's key; IO and store errors.
pub fn restore(body: &Body, dir: &Path, passphrase: Option<&str>) -> Result<Restored, Error> {
    if dir.join(CONFIG_FILE).exists() || dir.join(STORE_DIR).exists() {
        return Err(Error::AlreadyInitialised(dir.to_owned()));
    }
    config(body)?;
    let key_path = dir.join(KEY_FILE);
    let from_backup = match (&body.key, key_path.exists()) {
        (Some(_), true) => {
            return Err(refused(format!(
                "the backup holds the key and {} exists already; remove one",
                key_path.display()
            )));
        }
        (Some(sealed), false) => {
            let passphrase = passphrase.ok_or_else(|| {
                refused("the backup holds the key: give its passphrase (LIAISON_BACKUP_PASSPHRASE)")
            })?;
            Some(sealed.open(passphrase, &body.public_key).map_err(refused)?)
        }
        (None, true) => {
            let existing = crate::identity::read_key(&key_path)?;
            if PublicKey::from(&existing.verifying_key()) != body.public_key {
                return Err(refused(format!(
                    "the backup is of another node than the key in {}",
                    key_path.display()
                )));
            }
            None
        }
        (None, false) => None,
    };
    crate::identity::create_data_dir(dir)?;
    if let Some(key) = &from_backup {
        crate::identity::write_key(&key_path, key)?;
    }
    let config_path = dir.join(CONFIG_FILE);
    fs::write(&config_path, &body.config).map_err(|e| Error::io(&config_path, e))?;
    let store = Store::open(&dir.join(STORE_DIR))?;
    let headers = body
        .records
        .iter()
        .map(|r| r.header.verify().map(|h| h.into_inner()))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| refused(e.to_string()))?;
    let pairs: Vec<_> = headers.iter().zip(&body.records).collect();
    for chunk in pairs.chunks(1024) {
        store.put(chunk)?;
    }
    let own = body.public_key;
    let roster: Vec<&Card> = body.roster.iter().filter(|c| c.key != own).collect();
    for card in &roster {
        store.put_card(card)?;
    }
    for card in &body.authorities {
        store.put_authority(card)?;
    }
    for signed in &body.statements {
        store.put_statement(signed)?;
    }
    Ok(Restored {
        items: body.records.len(),
        roster: roster.len(),
        key_from_backup: from_backup.is_some(),
    })
}

/// Fresh random bytes for a salt or a nonce.
pub fn random_bytes<const N: usize>() -> [u8; N] {
    rand::random()
}
