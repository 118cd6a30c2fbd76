//! The roster (the nodes a node knows) and identity cards (how a node introduces itself).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::codec::{self, MAX_CARD_BYTES};
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

/// The nodes a node knows, by public key.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Roster {
    entries: BTreeMap<PublicKey, Card>,
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

    /// The policy's view of the node with `key`, if known.
    pub fn peer(&self, key: &PublicKey) -> Option<Peer> {
        self.get(key).map(Card::peer)
    }

    /// Every entry, by key.
    pub fn iter(&self) -> impl Iterator<Item = &Card> {
        self.entries.values()
    }
}
