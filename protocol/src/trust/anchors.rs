//! What a node or a reader trusts: one authority key per mechanism, anchored by hand (a card in
//! the roster, a keyset the reader chose), and the certificates and revocations those
//! authorities signed. A node key belongs to a mechanism when its certificate holds and it is
//! not revoked; a certificate for another mechanism than its authority's is refused.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use super::{AuthorityCard, Certificate, KeysetFile, Reason, Revocation, Signed, TrustError};
use crate::{FieldError, Mechanism, Peer, PublicKey};

/// Authorities, certificates and revocations, all checked on the way in. Each statement is kept
/// with its signed form, so a node can pass on what it holds ([`Anchors::statements`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Anchors {
    authorities: BTreeMap<Mechanism, PublicKey>,
    certificates: BTreeMap<PublicKey, (Certificate, Signed)>,
    revocations: BTreeMap<PublicKey, (Revocation, Signed)>,
}

/// A certificate, a revocation or a checkpoint, as [`Anchors::add_statement`] or
/// [`crate::Roster::add_statement`] took it in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Added {
    /// A certificate, and whether it was new here (not a copy or an older one).
    Certificate(Certificate, bool),
    /// A revocation, and whether it was new here.
    Revocation(Revocation, bool),
    /// A member's checkpoint, and whether it was newer than the one kept for its mechanism.
    Checkpoint(super::Checkpoint, bool),
}

impl Added {
    /// Whether the statement told this node something it did not know.
    pub fn is_new(&self) -> bool {
        match self {
            Added::Certificate(_, new) | Added::Revocation(_, new) | Added::Checkpoint(_, new) => {
                *new
            }
        }
    }
}

/// Why a key is not (or no longer) a node of a mechanism.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum KeyError {
    /// No anchored authority certifies it.
    #[error("key {0} is not certified by any anchored authority")]
    Unknown(PublicKey),
    /// Its certificate does not hold at the time asked.
    #[error("the certificate of key {key} for {mechanism} does not hold at {at}")]
    NotValid {
        /// The key.
        key: PublicKey,
        /// Its mechanism.
        mechanism: Mechanism,
        /// The time asked.
        at: DateTime<Utc>,
    },
    /// Its authority revoked it.
    #[error("key {key} of {mechanism} was revoked ({reason}) at {at}")]
    Revoked {
        /// The key.
        key: PublicKey,
        /// Its mechanism.
        mechanism: Mechanism,
        /// Why.
        reason: Reason,
        /// When.
        at: DateTime<Utc>,
    },
}

impl Anchors {
    /// Nothing trusted.
    pub fn new() -> Self {
        Self::default()
    }

    /// Trusts `card`'s key as its mechanism's authority, replacing any earlier one.
    pub fn anchor(&mut self, card: &AuthorityCard) {
        self.authorities.insert(card.mechanism.clone(), card.key);
    }

    /// The anchored authority of `mechanism`.
    pub fn authority(&self, mechanism: &Mechanism) -> Option<PublicKey> {
        self.authorities.get(mechanism).copied()
    }

    /// Every anchored authority.
    pub fn authorities(&self) -> impl Iterator<Item = (&Mechanism, &PublicKey)> {
        self.authorities.iter()
    }

    /// Checks that `authority` is `mechanism`'s anchored authority.
    fn check_anchored(
        &self,
        mechanism: &Mechanism,
        authority: PublicKey,
    ) -> Result<(), FieldError> {
        match self.authorities.get(mechanism) {
            Some(k) if *k == authority => Ok(()),
            Some(k) => Err(FieldError::new(
                "authority",
                authority,
                format!(
                    "{mechanism}'s anchored authority is {k}; this statement is by another key"
                ),
            )),
            None => Err(FieldError::new(
                "authority",
                authority,
                format!(
                    "no authority of {mechanism} is anchored here: add its authority card first"
                ),
            )),
        }
    }

    /// Verifies and keeps a certificate by an anchored authority for its own mechanism.
    ///
    /// # Errors
    /// A bad signature, or a certificate by an authority that is not its mechanism's.
    pub fn add_certificate(&mut self, signed: &Signed) -> Result<Certificate, TrustError> {
        self.take_certificate(signed).map(|(cert, _)| cert)
    }

    fn take_certificate(&mut self, signed: &Signed) -> Result<(Certificate, bool), TrustError> {
        let cert = signed.verify::<Certificate>()?.into_inner();
        self.check_anchored(&cert.mechanism, cert.authority)?;
        let new = self.certificates.get(&cert.key).is_none_or(|(c, s)| {
            s != signed && (c.not_before, &c.not_after) <= (cert.not_before, &cert.not_after)
        });
        if new {
            self.certificates.insert(cert.key, (cert.clone(), signed.clone()));
        }
        Ok((cert, new))
    }

    /// Verifies and keeps a certificate or a revocation (which one, its bytes tell).
    ///
    /// # Errors
    /// As [`Anchors::add_certificate`] and [`Anchors::add_revocation`].
    pub fn add_statement(&mut self, signed: &Signed) -> Result<Added, TrustError> {
        match self.take_certificate(signed) {
            Ok((cert, new)) => Ok(Added::Certificate(cert, new)),
            Err(TrustError::Decode(_)) => {
                self.take_revocation(signed).map(|(r, new)| Added::Revocation(r, new))
            }
            Err(e) => Err(e),
        }
    }

    /// Every certificate and revocation kept, signed, certificates first: what a node passes on.
    pub fn statements(&self) -> impl Iterator<Item = &Signed> {
        self.certificates.values().map(|(_, s)| s).chain(self.revocations.values().map(|(_, s)| s))
    }

    /// Verifies and keeps a revocation by an anchored authority for its own mechanism.
    ///
    /// # Errors
    /// A bad signature, or a revocation by an authority that is not its mechanism's.
    pub fn add_revocation(&mut self, signed: &Signed) -> Result<Revocation, TrustError> {
        self.take_revocation(signed).map(|(r, _)| r)
    }

    fn take_revocation(&mut self, signed: &Signed) -> Result<(Revocation, bool), TrustError> {
        let revocation = signed.verify::<Revocation>()?.into_inner();
        self.check_anchored(&revocation.mechanism, revocation.authority)?;
        let earlier = self
            .revocations
            .get(&revocation.key)
            .is_none_or(|(r, _)| revocation.revoked_at < r.revoked_at);
        if earlier {
            self.revocations.insert(revocation.key, (revocation.clone(), signed.clone()));
        }
        Ok((revocation, earlier))
    }

    /// Takes in a keyset: anchors its authority when `anchor` (the reader chose this keyset), or
    /// else requires it to be its mechanism's anchored authority; then keeps its certificates and
    /// revocations.
    ///
    /// # Errors
    /// What [`KeysetFile::open`] refuses, or a keyset by an authority that is not anchored.
    pub fn add_keyset(
        &mut self,
        file: &KeysetFile,
        anchor: bool,
        now: DateTime<Utc>,
    ) -> Result<(), TrustError> {
        let opened = file.open(now)?;
        let keyset = &opened.keyset;
        if anchor {
            self.authorities.insert(keyset.mechanism.clone(), keyset.authority);
        } else {
            self.check_anchored(&keyset.mechanism, keyset.authority)?;
        }
        for signed in &keyset.certificates {
            self.add_certificate(signed)?;
        }
        for signed in &keyset.revocations {
            self.add_revocation(signed)?;
        }
        Ok(())
    }

    /// The certificate kept for `key`.
    pub fn certificate(&self, key: &PublicKey) -> Option<&Certificate> {
        self.certificates.get(key).map(|(c, _)| c)
    }

    /// Every certificate kept.
    pub fn certificates(&self) -> impl Iterator<Item = &Certificate> {
        self.certificates.values().map(|(c, _)| c)
    }

    /// The revocation of `key`, if any.
    pub fn revocation(&self, key: &PublicKey) -> Option<&Revocation> {
        self.revocations.get(key).map(|(r, _)| r)
    }

    /// Every revocation kept.
    pub fn revocations(&self) -> impl Iterator<Item = &Revocation> {
        self.revocations.values().map(|(r, _)| r)
    }

    /// Refuses `key` when an anchored authority of `mechanism` revoked it.
    ///
    /// # Errors
    /// [`KeyError::Revoked`].
    pub fn check_not_revoked(
        &self,
        key: &PublicKey,
        mechanism: &Mechanism,
    ) -> Result<(), KeyError> {
        match self.revocations.get(key) {
            Some((r, _)) if &r.mechanism == mechanism => Err(KeyError::Revoked {
                key: *key,
                mechanism: r.mechanism.clone(),
                reason: r.reason,
                at: r.revoked_at,
            }),
            _ => Ok(()),
        }
    }

    /// The node `key` is at `at`: its mechanism and role, when an anchored authority certifies it
    /// then and has not revoked it. A revoked key is refused whatever time is asked: a stolen key
    /// can claim any time, so a revocation ends its word, not just its future.
    ///
    /// # Errors
    /// [`KeyError`]: unknown, revoked, or outside its certificate's time.
    pub fn node(&self, key: &PublicKey, at: DateTime<Utc>) -> Result<Peer, KeyError> {
        let (cert, _) = self.certificates.get(key).ok_or(KeyError::Unknown(*key))?;
        self.check_not_revoked(key, &cert.mechanism)?;
        if self.authorities.get(&cert.mechanism) != Some(&cert.authority) {
            return Err(KeyError::Unknown(*key));
        }
        if !cert.holds_at(at) {
            return Err(KeyError::NotValid { key: *key, mechanism: cert.mechanism.clone(), at });
        }
        Ok(Peer { mechanism: cert.mechanism.clone(), role: cert.role })
    }
}
