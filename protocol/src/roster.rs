//! The roster (the nodes a node knows) and identity cards (how a node introduces itself).
//!
//! A node knows another's key in one of two ways: its card was pinned by hand (`roster add
//! CARD`), or an anchored authority certifies it (`roster add AUTHORITY-CARD`, then certificates
//! that travel through the federation). A revocation by the key's own mechanism's authority ends
//! both.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::codec::{self, MAX_CARD_BYTES};
use crate::trust::{Added, Anchors, Checkpoint, KeyError, MAX_CLOCK_SKEW, Signed, TrustError};
use crate::{FieldError, Mechanism, Peer, PublicKey, Role};

/// The prefix of every identity card.
pub const CARD_PREFIX: &str = "liaison1:";

/// A node as its operator introduces it: what `liaison id` prints and `roster add` reads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Card {
    /// The node's mechanism.
    pub mechanism: Mechanism,
    /// A human name for the node ("OHCHR Geneva").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Member or mirror.
    pub role: Role,
    /// Its public key.
    pub key: PublicKey,
    /// Where it listens, as libp2p multiaddresses.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub addrs: Vec<String>,
}

impl Card {
    /// The card as one line: `liaison1:` then base64url of CBOR and a 4-byte SHA-256 checksum.
    pub fn encode(&self) -> String {
        crate::trust::armor(CARD_PREFIX, &codec::encode(self))
    }

    /// Reads a card written by [`Card::encode`], checking its checksum.
    ///
    /// # Errors
    /// If the prefix, encoding, checksum or contents are wrong.
    pub fn decode(text: &str) -> Result<Self, FieldError> {
        let bytes = crate::trust::dearmor(text, CARD_PREFIX, "card", MAX_CARD_BYTES)?;
        codec::decode(&bytes, MAX_CARD_BYTES).map_err(|e| {
            FieldError::new("card", CARD_PREFIX, format!("the card does not decode: {e}"))
        })
    }

    /// The policy's view of this node.
    pub fn peer(&self) -> Peer {
        Peer { mechanism: self.mechanism.clone(), role: self.role }
    }
}

/// The nodes a node knows: pinned cards by public key, and the anchored authorities with what
/// they certified and revoked.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Roster {
    entries: BTreeMap<PublicKey, Card>,
    anchors: Anchors,
    /// The latest checkpoint of each mechanism's public items, by one of its member nodes.
    checkpoints: BTreeMap<Mechanism, (Checkpoint, Signed)>,
}

impl Roster {
    /// An empty roster.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds or replaces the entry for `card.key`.
    pub fn insert(&mut self, card: Card) {
        self.entries.insert(card.key, card);
    }

    /// Removes the entry for `key`, returning it.
    pub fn remove(&mut self, key: &PublicKey) -> Option<Card> {
        self.entries.remove(key)
    }

    /// The entry for `key`.
    pub fn get(&self, key: &PublicKey) -> Option<&Card> {
        self.entries.get(key)
    }

    /// The policy's view of the node with `key` at `at`: its pinned card, or else its
    /// certificate, as long as its mechanism's authority has not revoked it.
    pub fn peer(&self, key: &PublicKey, at: DateTime<Utc>) -> Option<Peer> {
        self.resolve(key, at).ok()
    }

    /// As [`Roster::peer`], with why a key is not a node here.
    ///
    /// # Errors
    /// [`KeyError::Unknown`] for a key neither pinned nor certified; revoked, or certified only
    /// at other times, as [`Anchors::node`] says.
    pub fn resolve(&self, key: &PublicKey, at: DateTime<Utc>) -> Result<Peer, KeyError> {
        match self.entries.get(key) {
            Some(card) => {
                self.anchors.check_not_revoked(key, &card.mechanism)?;
                Ok(card.peer())
            }
            None => self.anchors.node(key, at),
        }
    }

    /// The authorities, certificates and revocations this roster holds.
    pub fn anchors(&self) -> &Anchors {
        &self.anchors
    }

    /// The same, to add to.
    pub fn anchors_mut(&mut self) -> &mut Anchors {
        &mut self.anchors
    }

    /// Verifies and keeps a certificate, a revocation or a checkpoint (which one, its bytes
    /// tell). A checkpoint must be signed by a member node of its mechanism at its time, and
    /// not dated more than [`MAX_CLOCK_SKEW`] after `now`; it is kept when it is the latest of
    /// its mechanism.
    ///
    /// # Errors
    /// As [`Anchors::add_statement`]; for a checkpoint, a bad signature or signer.
    pub fn add_statement(
        &mut self,
        signed: &Signed,
        now: DateTime<Utc>,
    ) -> Result<Added, TrustError> {
        match self.anchors.add_statement(signed) {
            Err(TrustError::Decode(_)) => {}
            other => return other,
        }
        let checkpoint = signed.verify::<Checkpoint>()?.into_inner();
        let signer = self.resolve(&checkpoint.signer, checkpoint.time).map_err(|e| {
            FieldError::new("checkpoint", checkpoint.signer, format!("its signer: {e}"))
        })?;
        if signer.role != Role::Member || signer.mechanism != checkpoint.mechanism {
            return Err(FieldError::new(
                "checkpoint",
                checkpoint.signer,
                format!(
                    "signed by a node of {}, not a member of {}",
                    signer.mechanism, checkpoint.mechanism
                ),
            )
            .into());
        }
        if checkpoint.time > now + MAX_CLOCK_SKEW {
            return Err(FieldError::new(
                "checkpoint",
                checkpoint.time.to_rfc3339(),
                "dated in the future",
            )
            .into());
        }
        let newer = self
            .checkpoints
            .get(&checkpoint.mechanism)
            .is_none_or(|(kept, _)| kept.time < checkpoint.time);
        if newer {
            self.checkpoints
                .insert(checkpoint.mechanism.clone(), (checkpoint.clone(), signed.clone()));
        }
        Ok(Added::Checkpoint(checkpoint, newer))
    }

    /// The latest checkpoint kept of `mechanism`, with its signed form.
    pub fn checkpoint(&self, mechanism: &Mechanism) -> Option<&(Checkpoint, Signed)> {
        self.checkpoints.get(mechanism)
    }

    /// Every statement this roster passes on: certificates, revocations, latest checkpoints.
    pub fn statements(&self) -> impl Iterator<Item = &Signed> {
        self.anchors.statements().chain(self.checkpoints.values().map(|(_, s)| s))
    }

    /// Every entry, by key.
    pub fn iter(&self) -> impl Iterator<Item = &Card> {
        self.entries.values()
    }
}
