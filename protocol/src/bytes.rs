//! Serde for fixed-size byte strings: hex in human-readable formats, a CBOR byte string otherwise.

use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serializer};

/// Writes `bytes` as hex (JSON, TOML) or as one byte string (CBOR).
pub(crate) fn serialize_fixed<S: Serializer>(bytes: &[u8], s: S) -> Result<S::Ok, S::Error> {
    if s.is_human_readable() {
        s.serialize_str(&data_encoding::HEXLOWER.encode(bytes))
    } else {
        s.serialize_bytes(bytes)
    }
}

/// Reads what [`serialize_fixed`] wrote, refusing any other length.
pub(crate) fn deserialize_fixed<'de, D: Deserializer<'de>, const N: usize>(
    d: D,
) -> Result<[u8; N], D::Error> {
    let bytes = if d.is_human_readable() {
        let text = String::deserialize(d)?;
        data_encoding::HEXLOWER_PERMISSIVE.decode(text.as_bytes()).map_err(D::Error::custom)?
    } else {
        serde_bytes::ByteBuf::deserialize(d)?.into_vec()
    };
    let len = bytes.len();
    bytes.try_into().map_err(|_| D::Error::custom(format!("expected {N} bytes, got {len}")))
}
