//! A mechanism's keyset: its authority key, the node keys it certifies and those it revoked,
//! signed by the authority and valid until it expires. Meant for the mechanism's own website at
//! `/.well-known/liaison-keyset.json`, where an NGO can anchor `liaison verify`.

use chrono::{DateTime, Utc};
use data_encoding::{BASE64, HEXLOWER, HEXLOWER_PERMISSIVE};
use serde::{Deserialize, Serialize};

use super::statements::STATEMENT_VERSION;
use super::{Certificate, Revocation, Signed, Statement, TrustError};
use crate::{FieldError, Mechanism, PublicKey, Verified};

/// The `format` of a keyset file.
pub const KEYSET_FORMAT: &str = "liaison-keyset/1";

/// What a keyset says, signed by `authority`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Keyset {
    /// Format version.
    pub v: u16,
    /// The mechanism.
    pub mechanism: Mechanism,
    /// Its authority key, which signs the keyset and everything in it.
    pub authority: PublicKey,
    /// When it was made.
    pub issued: DateTime<Utc>,
    /// When readers stop trusting it: a stale keyset could hide a revocation.
    pub expires: DateTime<Utc>,
    /// The node keys it certifies.
    pub certificates: Vec<Signed>,
    /// The node keys it revoked.
    pub revocations: Vec<Signed>,
}

/// A keyset as a JSON file: the signed CBOR in base64 and the signature in hex. There are no
/// unsigned convenience fields: a reader decodes `keyset` and trusts only what it says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeysetFile {
    /// Always [`KEYSET_FORMAT`].
    pub format: String,
    /// The keyset's CBOR, base64.
    pub keyset: String,
    /// The authority's signature over `"liaison/keyset/v1\0" || keyset bytes`, hex.
    pub signature: String,
}

impl Statement for Keyset {
    const CONTEXT: &'static [u8] = b"liaison/keyset/v1\0";

    fn signer(&self) -> PublicKey {
        self.authority
    }

    fn validate(&self) -> Result<(), FieldError> {
        if self.v != STATEMENT_VERSION {
            return Err(FieldError::new("v", self.v, "this build reads keyset version 1"));
        }
        if self.expires <= self.issued {
            return Err(FieldError::new(
                "expires",
                self.expires,
                "a keyset expires after it is issued",
            ));
        }
        Ok(())
    }
}

/// A keyset whose signature, certificates and revocations all verified, by one authority for one
/// mechanism.
#[derive(Debug, Clone)]
pub struct OpenedKeyset {
    /// The keyset.
    pub keyset: Keyset,
    /// Its certificates, verified.
    pub certificates: Vec<Certificate>,
    /// Its revocations, verified.
    pub revocations: Vec<Revocation>,
}

impl KeysetFile {
    /// The file for a signed keyset.
    pub fn new(signed: &Signed) -> Self {
        Self {
            format: KEYSET_FORMAT.to_owned(),
            keyset: BASE64.encode(&signed.bytes),
            signature: HEXLOWER.encode(&signed.signature),
        }
    }

    /// Verifies the keyset and everything in it, and that it has not expired at `now`.
    ///
    /// # Errors
    /// An unknown format, bad encoding, a bad signature, a certificate or revocation by another
    /// authority or for another mechanism, or an expired keyset.
    pub fn open(&self, now: DateTime<Utc>) -> Result<OpenedKeyset, TrustError> {
        if self.format != KEYSET_FORMAT {
            return Err(FieldError::new(
                "format",
                &self.format,
                format!("expected {KEYSET_FORMAT}"),
            )
            .into());
        }
        let bytes = BASE64
            .decode(self.keyset.as_bytes())
            .map_err(|_| FieldError::new("keyset", "…", "expected base64"))?;
        let signature: [u8; 64] = HEXLOWER_PERMISSIVE
            .decode(self.signature.as_bytes())
            .ok()
            .and_then(|b| b.try_into().ok())
            .ok_or_else(|| {
                FieldError::new("signature", &self.signature, "expected 64 bytes in hex")
            })?;
        let keyset = Signed { bytes, signature }.verify::<Keyset>()?.into_inner();
        if keyset.expires <= now {
            return Err(FieldError::new(
                "expires",
                keyset.expires.to_rfc3339(),
                format!("the keyset of {} has expired; fetch a current one", keyset.mechanism),
            )
            .into());
        }
        let certificates = keyset
            .certificates
            .iter()
            .map(|c| own(&keyset, c.verify::<Certificate>()?, |c| (&c.mechanism, c.authority)))
            .collect::<Result<_, TrustError>>()?;
        let revocations = keyset
            .revocations
            .iter()
            .map(|r| own(&keyset, r.verify::<Revocation>()?, |r| (&r.mechanism, r.authority)))
            .collect::<Result<_, TrustError>>()?;
        Ok(OpenedKeyset { keyset, certificates, revocations })
    }
}

/// `statement`, if it is by the keyset's authority about the keyset's mechanism.
fn own<T>(
    keyset: &Keyset,
    statement: Verified<T>,
    whose: impl Fn(&T) -> (&Mechanism, PublicKey),
) -> Result<T, TrustError> {
    let (mechanism, authority) = whose(&statement);
    if *mechanism != keyset.mechanism || authority != keyset.authority {
        return Err(FieldError::new(
            "keyset",
            mechanism,
            format!(
                "holds a statement by {authority} for {mechanism}, not by {}'s authority",
                keyset.mechanism
            ),
        )
        .into());
    }
    Ok(statement.into_inner())
}
