//! What an authority says: who it is (its card), which node keys belong to its mechanism
//! (certificates), and which no longer do (revocations).

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{MAX_STATEMENT_BYTES, Signed, Statement, TrustError, armor, dearmor};
use crate::codec::{self, MAX_CARD_BYTES};
use crate::{FieldError, Mechanism, PublicKey, Role};

/// The version of every statement this build writes and reads.
pub const STATEMENT_VERSION: u16 = 1;

/// The prefix of an authority card.
pub const AUTHORITY_PREFIX: &str = "liaison-authority1:";
/// The prefix of a certificate's text form.
pub const CERT_PREFIX: &str = "liaison-cert1:";
/// The prefix of a revocation's text form.
pub const REVOCATION_PREFIX: &str = "liaison-revocation1:";

/// A mechanism's authority as its secretariat introduces it: what `authority init` prints and
/// `roster add` reads. The key stays offline; only its public half travels.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuthorityCard {
    /// Format version.
    pub v: u16,
    /// The mechanism whose node keys it certifies, and no other.
    pub mechanism: Mechanism,
    /// Its public key.
    pub key: PublicKey,
    /// A human name ("OHCHR authority").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// An authority's word that `key` is a node of `mechanism`, with `role`, from `not_before`
/// until `not_after` (or until revoked).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Certificate {
    /// Format version.
    pub v: u16,
    /// The mechanism the node belongs to: the authority's own.
    pub mechanism: Mechanism,
    /// Member or mirror.
    pub role: Role,
    /// The node's key.
    pub key: PublicKey,
    /// The node's name ("OHCHR New York").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// When the certificate starts to hold.
    pub not_before: DateTime<Utc>,
    /// When it stops holding, if ever.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not_after: Option<DateTime<Utc>>,
    /// The authority that signs it.
    pub authority: PublicKey,
}

/// Why a key was revoked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Reason {
    /// The key may be in someone else's hands: nothing it signs is accepted any more, whatever
    /// time it claims.
    Compromised,
    /// The node was taken out of service: nothing new is accepted from it.
    Retired,
}

/// An authority's word that `key` is no longer one of its mechanism's nodes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Revocation {
    /// Format version.
    pub v: u16,
    /// The mechanism the key belonged to.
    pub mechanism: Mechanism,
    /// The revoked key.
    pub key: PublicKey,
    /// Why.
    pub reason: Reason,
    /// When the authority revoked it.
    pub revoked_at: DateTime<Utc>,
    /// The authority that signs it.
    pub authority: PublicKey,
}

fn check_version(v: u16) -> Result<(), FieldError> {
    if v == STATEMENT_VERSION {
        Ok(())
    } else {
        Err(FieldError::new("v", v, format!("this build reads version {STATEMENT_VERSION}")))
    }
}

impl AuthorityCard {
    /// The card as one line (see [`armor`]).
    pub fn encode(&self) -> String {
        armor(AUTHORITY_PREFIX, &codec::encode(self))
    }

    /// Reads a card written by [`AuthorityCard::encode`].
    ///
    /// # Errors
    /// A damaged line, or contents that are not an authority card.
    pub fn decode(text: &str) -> Result<Self, FieldError> {
        let bytes = dearmor(text, AUTHORITY_PREFIX, "authority card", MAX_CARD_BYTES)?;
        let card: Self = codec::decode(&bytes, MAX_CARD_BYTES).map_err(|e| {
            FieldError::new("authority card", AUTHORITY_PREFIX, format!("does not decode: {e}"))
        })?;
        check_version(card.v)?;
        Ok(card)
    }
}

impl Statement for Certificate {
    const CONTEXT: &'static [u8] = b"liaison/cert/v1\0";

    fn signer(&self) -> PublicKey {
        self.authority
    }

    fn validate(&self) -> Result<(), FieldError> {
        check_version(self.v)?;
        if self.not_after.is_some_and(|end| end <= self.not_before) {
            return Err(FieldError::new(
                "not_after",
                self.not_after.map(|t| t.to_rfc3339()).unwrap_or_default(),
                "a certificate ends after it starts",
            ));
        }
        if self.key == self.authority {
            return Err(FieldError::new("key", self.key, "an authority does not certify itself"));
        }
        Ok(())
    }
}

impl Certificate {
    /// Whether it holds at `at`.
    pub fn holds_at(&self, at: DateTime<Utc>) -> bool {
        self.not_before <= at && self.not_after.is_none_or(|end| at < end)
    }
}

impl Statement for Revocation {
    const CONTEXT: &'static [u8] = b"liaison/revocation/v1\0";

    fn signer(&self) -> PublicKey {
        self.authority
    }

    fn validate(&self) -> Result<(), FieldError> {
        check_version(self.v)
    }
}

impl Signed {
    /// The statement as one line with `prefix` (a certificate or a revocation, for people to
    /// pass on by hand).
    pub fn encode(&self, prefix: &str) -> String {
        armor(prefix, &codec::encode(self))
    }

    /// Reads a signed statement written by [`Signed::encode`] with `prefix`.
    ///
    /// # Errors
    /// A damaged line, or bytes that are not a signed statement.
    pub fn decode(text: &str, prefix: &str, what: &str) -> Result<Self, TrustError> {
        let bytes = dearmor(text, prefix, what, MAX_STATEMENT_BYTES)?;
        Ok(codec::decode(&bytes, MAX_STATEMENT_BYTES + 128)?)
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Reason::Compromised => "compromised",
            Reason::Retired => "retired",
        })
    }
}

impl FromStr for Reason {
    type Err = FieldError;

    fn from_str(s: &str) -> Result<Self, FieldError> {
        match s {
            "compromised" => Ok(Reason::Compromised),
            "retired" => Ok(Reason::Retired),
            _ => Err(FieldError::new("reason", s, "expected one of: compromised, retired")),
        }
    }
}
