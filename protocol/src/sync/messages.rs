//! The sync wire messages and their CBOR encoding. Ids, digests and fingerprints travel as CBOR
//! byte strings, never as arrays of integers.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::{Fingerprint, Range};
use crate::codec::{self, DecodeError};
use crate::{ChangeSig, ItemId, SignedHeader};

/// Largest sync message, request or response, before it is parsed.
pub const MAX_MESSAGE_BYTES: usize = 16 * 1024 * 1024;

/// What one side says about one range of ids.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum RangeMsg {
    /// The sender's fingerprint of the range.
    Fingerprint {
        /// The range.
        range: Range,
        /// The sender's fingerprint of it.
        fingerprint: Fingerprint,
    },
    /// The sender's complete list of the range's items, in id order.
    Items {
        /// The range.
        range: Range,
        /// Every item the sender holds in the range, with its digest.
        #[serde(with = "entries")]
        entries: Vec<(ItemId, [u8; 32])>,
    },
    /// The sender found the range to match.
    Done {
        /// The range.
        range: Range,
    },
}

impl RangeMsg {
    /// The range the message is about.
    pub fn range(&self) -> &Range {
        match self {
            RangeMsg::Fingerprint { range, .. }
            | RangeMsg::Items { range, .. }
            | RangeMsg::Done { range } => range,
        }
    }
}

/// One turn of catalogue reconciliation: what the sender says about each range still open, in
/// id order, ranges disjoint.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Reconcile {
    /// The ranges.
    pub ranges: Vec<RangeMsg>,
}

/// One item as it travels: everything [`crate::verify::verify_item`] needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ItemPayload {
    /// The signed header.
    pub header: SignedHeader,
    /// The saved automerge document.
    #[serde(with = "serde_bytes")]
    pub doc: Vec<u8>,
    /// The signatures of the document's changes.
    pub sigs: Vec<ChangeSig>,
}

/// What a node asks of a peer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum SyncRequest {
    /// A turn of catalogue reconciliation.
    Reconcile(Reconcile),
    /// Items the peer lacks or holds in another state: merge them.
    Push(Vec<ItemPayload>),
    /// Send these items.
    Fetch(Vec<ItemId>),
    /// Items the sender holds that the receiver may lack, with the sender's digest of each
    /// (at most [`super::MAX_OFFER`]): fetch those you lack, from whichever peer offered them.
    Offer(#[serde(with = "entries")] Vec<(ItemId, [u8; 32])>),
    /// Certificates and revocations the sender holds or just learned (at most
    /// [`super::MAX_STATEMENTS`]): the receiver keeps those its anchored authorities signed and
    /// passes on what was new to it. A node outside the receiver's roster may send this, and
    /// only this, to introduce itself by its certificate.
    Statements(Vec<crate::trust::Signed>),
    /// What time is it where you are? (How a node tells its operator that a peer's clock, or
    /// its own, is off: certificates and checkpoints are read against clocks.)
    Clock,
}

/// What a node answers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum SyncResponse {
    /// The next turn of catalogue reconciliation (empty when there is nothing left to say).
    Reconcile(Reconcile),
    /// The items asked for by a fetch (those the asker may receive).
    Items(Vec<ItemPayload>),
    /// The outcome of a push, or of an offer (then `accepted` counts the items wanted).
    Ack {
        /// How many items were merged.
        accepted: u32,
        /// The items refused, with why.
        refused: Vec<(ItemId, String)>,
    },
    /// The whole request was refused, with why.
    Refused(String),
    /// The answer to [`SyncRequest::Statements`]: the certificates and revocations the
    /// answering node holds (at most [`super::MAX_STATEMENTS`]).
    Statements(Vec<crate::trust::Signed>),
    /// The answer to [`SyncRequest::Clock`]: the answering node's time.
    Clock(chrono::DateTime<chrono::Utc>),
}

impl SyncRequest {
    /// The request as CBOR.
    pub fn encode(&self) -> Vec<u8> {
        codec::encode(self)
    }

    /// Decodes a request of at most [`MAX_MESSAGE_BYTES`].
    ///
    /// # Errors
    /// If it is larger, or not a request.
    pub fn decode(bytes: &[u8]) -> Result<Self, DecodeError> {
        codec::decode(bytes, MAX_MESSAGE_BYTES)
    }
}

impl SyncResponse {
    /// The response as CBOR.
    pub fn encode(&self) -> Vec<u8> {
        codec::encode(self)
    }

    /// Decodes a response of at most [`MAX_MESSAGE_BYTES`].
    ///
    /// # Errors
    /// If it is larger, or not a response.
    pub fn decode(bytes: &[u8]) -> Result<Self, DecodeError> {
        codec::decode(bytes, MAX_MESSAGE_BYTES)
    }
}

/// `N` bytes that serialize as one byte string.
#[derive(Clone, Copy)]
struct Fixed<const N: usize>([u8; N]);

impl<const N: usize> Serialize for Fixed<N> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        crate::bytes::serialize_fixed(&self.0, s)
    }
}

impl<'de, const N: usize> Deserialize<'de> for Fixed<N> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        crate::bytes::deserialize_fixed(d).map(Self)
    }
}

/// [`Range`] on the wire: `{"lo": bytes, "hi": bytes or null}`.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RangeWire {
    lo: Fixed<16>,
    hi: Option<Fixed<16>>,
}

impl Serialize for Range {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        RangeWire { lo: Fixed(self.lo), hi: self.hi.map(Fixed) }.serialize(s)
    }
}

impl<'de> Deserialize<'de> for Range {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let RangeWire { lo, hi } = RangeWire::deserialize(d)?;
        Ok(Range { lo: lo.0, hi: hi.map(|hi| hi.0) })
    }
}

/// [`Fingerprint`] on the wire: `{"xor": bytes, "count": n}`.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct FingerprintWire {
    xor: Fixed<32>,
    count: u64,
}

impl Serialize for Fingerprint {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        FingerprintWire { xor: Fixed(self.xor), count: self.count }.serialize(s)
    }
}

impl<'de> Deserialize<'de> for Fingerprint {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let FingerprintWire { xor, count } = FingerprintWire::deserialize(d)?;
        Ok(Fingerprint { xor: xor.0, count })
    }
}

/// Serde for `Items` entries: a list of `[id, digest]` pairs, both byte strings.
mod entries {
    use serde::{Deserialize, Deserializer, Serializer};

    use super::Fixed;
    use crate::ItemId;

    pub(super) fn serialize<S: Serializer>(
        entries: &[(ItemId, [u8; 32])],
        s: S,
    ) -> Result<S::Ok, S::Error> {
        s.collect_seq(entries.iter().map(|(id, digest)| (id, Fixed(*digest))))
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Vec<(ItemId, [u8; 32])>, D::Error> {
        let wire = Vec::<(ItemId, Fixed<32>)>::deserialize(d)?;
        Ok(wire.into_iter().map(|(id, digest)| (id, digest.0)).collect())
    }
}
