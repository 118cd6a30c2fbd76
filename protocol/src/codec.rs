//! CBOR encoding and decoding with explicit size limits.

use serde::Serialize;
use serde::de::DeserializeOwned;

/// Largest encoded header.
pub const MAX_HEADER_BYTES: usize = 4 * 1024;
/// Largest saved item document. A calendar item is a few KiB; this leaves room for a long history.
pub const MAX_DOC_BYTES: usize = 4 * 1024 * 1024;
/// Largest stored record: a document, its header, its signatures and its fields.
pub const MAX_RECORD_BYTES: usize = 2 * MAX_DOC_BYTES;
/// Largest identity card, decoded.
pub const MAX_CARD_BYTES: usize = 2 * 1024;

/// Bytes that could not be decoded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DecodeError {
    /// Larger than the limit for its kind; nothing was parsed.
    #[error("{len} bytes, the limit is {max}")]
    TooLarge {
        /// Bytes given.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// Not valid CBOR for the expected type.
    #[error("invalid cbor: {0}")]
    Cbor(String),
}

/// Encodes `value` as CBOR.
pub fn encode<T: Serialize>(value: &T) -> Vec<u8> {
    let mut out = Vec::new();
    // Writing to a Vec cannot fail, and every type encoded here is serializable.
    if let Err(e) = ciborium::into_writer(value, &mut out) {
        unreachable!("encoding to memory failed: {e}");
    }
    out
}

/// Decodes CBOR of at most `max` bytes into `T`.
///
/// # Errors
/// [`DecodeError::TooLarge`] before parsing anything, or [`DecodeError::Cbor`].
pub fn decode<T: DeserializeOwned>(bytes: &[u8], max: usize) -> Result<T, DecodeError> {
    if bytes.len() > max {
        return Err(DecodeError::TooLarge { len: bytes.len(), max });
    }
    ciborium::from_reader(bytes).map_err(|e| DecodeError::Cbor(e.to_string()))
}

#[cfg(test)]
mod tests;
