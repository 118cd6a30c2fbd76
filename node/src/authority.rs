//! A mechanism's authority, kept offline: its key file (mode 0600, never on a node) holds the
//! signing key and everything the authority signed, so it can certify node keys, revoke them
//! and publish its keyset. `liaison authority ...` is a thin layer over this module.

use std::path::Path;

use chrono::{DateTime, Duration, Utc};
use ed25519_dalek::SigningKey;
use liaison_protocol::trust::{
    AuthorityCard, Certificate, Keyset, KeysetFile, Reason, Revocation, STATEMENT_VERSION, Signed,
};
use liaison_protocol::{Card, FieldError, Mechanism, PublicKey};
use serde::{Deserialize, Serialize};

use crate::Error;
use crate::identity::write_private;

/// The authority file's format.
const FORMAT: &str = "liaison-authority-key/1";

/// Largest authority file read: thousands of certificates.
const MAX_FILE_BYTES: u64 = 16 * 1024 * 1024;

/// An authority: its key and what it signed.
#[derive(Debug)]
pub struct Authority {
    mechanism: Mechanism,
    name: Option<String>,
    key: SigningKey,
    /// Certificates it issued, oldest first.
    certificates: Vec<Signed>,
    /// Revocations it made, oldest first.
    revocations: Vec<Signed>,
}

/// The file as stored (JSON; the secret key in hex).
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    format: String,
    mechanism: Mechanism,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    name: Option<String>,
    secret_key: String,
    #[serde(default)]
    certificates: Vec<String>,
    #[serde(default)]
    revocations: Vec<String>,
}

/// How long before its making a certificate starts to hold (see [`Authority::certify`]).
pub const CLOCK_ALLOWANCE: chrono::TimeDelta = chrono::TimeDelta::minutes(10);

impl Authority {
    /// Creates a new authority for `mechanism` with a fresh random key and writes its file at
    /// `path`, readable by its owner only. Refuses an existing file.
    ///
    /// # Errors
    /// An existing file, or a write that fails.
    pub fn init(path: &Path, mechanism: Mechanism, name: Option<String>) -> Result<Self, Error> {
        let seed: [u8; 32] = rand::random();
        if path.exists() {
            return Err(FieldError::new(
                "out",
                path.display(),
                "the file exists; an authority key is never overwritten",
            )
            .into());
        }
        let authority = Self {
            mechanism,
            name,
            key: SigningKey::from_bytes(&seed),
            certificates: Vec::new(),
            revocations: Vec::new(),
        };
        write_private(path, authority.to_json().as_bytes())?;
        Ok(authority)
    }

    /// Reads the authority file at `path`. Refuses a file other users may read.
    ///
    /// # Errors
    /// A missing, unreadable, exposed or malformed file.
    pub fn open(path: &Path) -> Result<Self, Error> {
        let meta = std::fs::metadata(path).map_err(|e| Error::io(path, e))?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = meta.permissions().mode() & 0o777;
            if mode & 0o077 != 0 {
                return Err(Error::CorruptKey {
                    path: path.to_owned(),
                    why: format!(
                        "mode {mode:o} lets other users read the authority key; run chmod 600 on it"
                    ),
                });
            }
        }
        if meta.len() > MAX_FILE_BYTES {
            return Err(corrupt(path, "larger than any authority file"));
        }
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        let file: File = serde_json::from_str(&text).map_err(|e| corrupt(path, e))?;
        if file.format != FORMAT {
            return Err(corrupt(path, format!("format '{}', expected {FORMAT}", file.format)));
        }
        let seed: [u8; 32] = data_encoding::HEXLOWER_PERMISSIVE
            .decode(file.secret_key.as_bytes())
            .ok()
            .and_then(|b| b.try_into().ok())
            .ok_or_else(|| corrupt(path, "secret_key is not 32 bytes of hex"))?;
        let read = |lines: &[String], prefix: &str, what: &str| {
            lines
                .iter()
                .map(|l| Signed::decode(l, prefix, what).map_err(|e| corrupt(path, e)))
                .collect::<Result<Vec<_>, Error>>()
        };
        use liaison_protocol::trust::{CERT_PREFIX, REVOCATION_PREFIX};
        Ok(Self {
            mechanism: file.mechanism,
            name: file.name,
            key: SigningKey::from_bytes(&seed),
            certificates: read(&file.certificates, CERT_PREFIX, "certificate")?,
            revocations: read(&file.revocations, REVOCATION_PREFIX, "revocation")?,
        })
    }

    fn to_json(&self) -> String {
        use liaison_protocol::trust::{CERT_PREFIX, REVOCATION_PREFIX};
        let file = File {
            format: FORMAT.to_owned(),
            mechanism: self.mechanism.clone(),
            name: self.name.clone(),
            secret_key: data_encoding::HEXLOWER.encode(&self.key.to_bytes()),
            certificates: self.certificates.iter().map(|c| c.encode(CERT_PREFIX)).collect(),
            revocations: self.revocations.iter().map(|r| r.encode(REVOCATION_PREFIX)).collect(),
        };
        // A struct of strings always serializes.
        serde_json::to_string_pretty(&file).unwrap_or_default()
    }

    /// Rewrites the file at `path` with what the authority signed so far, atomically.
    ///
    /// # Errors
    /// A write that fails.
    pub fn save(&self, path: &Path) -> Result<(), Error> {
        let tmp = path.with_extension("tmp");
        let _ = std::fs::remove_file(&tmp);
        write_private(&tmp, self.to_json().as_bytes())?;
        std::fs::rename(&tmp, path).map_err(|e| Error::io(path, e))
    }

    /// The authority's public key.
    pub fn public_key(&self) -> PublicKey {
        PublicKey::from(&self.key.verifying_key())
    }

    /// The card that `roster add` takes.
    pub fn card(&self) -> AuthorityCard {
        AuthorityCard {
            v: STATEMENT_VERSION,
            mechanism: self.mechanism.clone(),
            key: self.public_key(),
            name: self.name.clone(),
        }
    }

    /// Certifies the node of `card` from `now` until `until` (or until revoked).
    ///
    /// # Errors
    /// A card of another mechanism, the authority's own key, or an end before now.
    pub fn certify(
        &mut self,
        card: &Card,
        until: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> Result<Signed, Error> {
        if card.mechanism != self.mechanism {
            return Err(FieldError::new(
                "card",
                &card.mechanism,
                format!("this authority certifies nodes of {} only", self.mechanism),
            )
            .into());
        }
        let cert = Certificate {
            v: STATEMENT_VERSION,
            mechanism: self.mechanism.clone(),
            role: card.role,
            key: card.key,
            name: card.name.clone(),
            // Changes carry their time in whole seconds, and a node's clock may run a little
            // behind the authority's: the certificate holds from a few minutes before now.
            not_before: now - CLOCK_ALLOWANCE,
            not_after: until,
            authority: self.public_key(),
        };
        let signed = Signed::sign(&cert, &self.key);
        signed.verify::<Certificate>().map_err(|e| {
            FieldError::new(
                "until",
                until.map(|t| t.to_rfc3339()).unwrap_or_default(),
                e.to_string(),
            )
        })?;
        self.certificates.push(signed.clone());
        Ok(signed)
    }

    /// Revokes `key` for `reason`, as of `now`.
    ///
    /// # Errors
    /// The authority's own key.
    pub fn revoke(
        &mut self,
        key: PublicKey,
        reason: Reason,
        now: DateTime<Utc>,
    ) -> Result<Signed, Error> {
        if key == self.public_key() {
            return Err(FieldError::new("key", key, "an authority does not revoke itself").into());
        }
        let revocation = Revocation {
            v: STATEMENT_VERSION,
            mechanism: self.mechanism.clone(),
            key,
            reason,
            revoked_at: now,
            authority: self.public_key(),
        };
        let signed = Signed::sign(&revocation, &self.key);
        self.revocations.push(signed.clone());
        Ok(signed)
    }

    /// The keyset as of `now`, valid for `valid`: every certificate not revoked and not yet
    /// ended, and every revocation.
    pub fn keyset(&self, now: DateTime<Utc>, valid: Duration) -> KeysetFile {
        let revoked: Vec<PublicKey> = self
            .revocations
            .iter()
            .filter_map(|r| r.verify::<Revocation>().ok().map(|r| r.key))
            .collect();
        let certificates = self
            .certificates
            .iter()
            .filter(|c| {
                c.verify::<Certificate>().is_ok_and(|c| {
                    !revoked.contains(&c.key) && c.not_after.is_none_or(|end| end > now)
                })
            })
            .cloned()
            .collect();
        let keyset = Keyset {
            v: STATEMENT_VERSION,
            mechanism: self.mechanism.clone(),
            authority: self.public_key(),
            issued: now,
            expires: now.checked_add_signed(valid).unwrap_or(DateTime::<Utc>::MAX_UTC),
            certificates,
            revocations: self.revocations.clone(),
        };
        KeysetFile::new(&Signed::sign(&keyset, &self.key))
    }
}

fn corrupt(path: &Path, why: impl ToString) -> Error {
    Error::Corrupt { what: format!("authority file {}", path.display()), why: why.to_string() }
}
