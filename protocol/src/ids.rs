//! Names of things: item ids, mechanism codes, node roles and node keys.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::FieldError;

/// The id of an item: a UUID v4, also its iCalendar UID and its Atom id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ItemId(uuid::Uuid);

impl ItemId {
    /// The id made from 16 random bytes (the caller brings the randomness).
    pub fn from_random_bytes(bytes: [u8; 16]) -> Self {
        Self(uuid::Builder::from_random_bytes(bytes).into_uuid())
    }

    /// The id's 16 bytes, as stored in keys.
    pub fn as_bytes(&self) -> &[u8; 16] {
        self.0.as_bytes()
    }

    /// The id from the 16 bytes of a key.
    pub fn from_bytes(bytes: [u8; 16]) -> Self {
        Self(uuid::Uuid::from_bytes(bytes))
    }
}

impl fmt::Display for ItemId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.hyphenated().fmt(f)
    }
}

impl FromStr for ItemId {
    type Err = FieldError;
    fn from_str(s: &str) -> Result<Self, FieldError> {
        uuid::Uuid::parse_str(s.trim()).map(Self).map_err(|_| {
            FieldError::new("id", s, "expected an item id (a UUID such as 0b8e...-...)")
        })
    }
}

/// A mechanism's short code: `ohchr`, `achpr`, `coe`, `iachr`, ...
///
/// Lowercase ASCII letters, digits and `-`, starting with a letter, 2 to 32 characters, so that
/// it is safe in file names, URLs, CSV and identity cards.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Mechanism(String);

impl Mechanism {
    /// The code as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Mechanism {
    type Error = FieldError;
    fn try_from(s: String) -> Result<Self, FieldError> {
        let ok = (2..=32).contains(&s.len())
            && s.starts_with(|c: char| c.is_ascii_lowercase())
            && s.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        if ok {
            Ok(Self(s))
        } else {
            Err(FieldError::new(
                "mechanism",
                s,
                "expected a short code of 2-32 lowercase letters, digits or '-' such as 'ohchr'",
            ))
        }
    }
}

impl FromStr for Mechanism {
    type Err = FieldError;
    fn from_str(s: &str) -> Result<Self, FieldError> {
        Self::try_from(s.to_owned())
    }
}

impl From<Mechanism> for String {
    fn from(m: Mechanism) -> String {
        m.0
    }
}

impl fmt::Display for Mechanism {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// What a node is in the federation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// A secretariat's node: reads and writes what its labels allow.
    Member,
    /// A public, read-only node: receives `clear` items only and never writes.
    Mirror,
}

impl Role {
    /// The role's name as written in cards, configs and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Member => "member",
            Role::Mirror => "mirror",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = FieldError;
    fn from_str(s: &str) -> Result<Self, FieldError> {
        match s {
            "member" => Ok(Role::Member),
            "mirror" => Ok(Role::Mirror),
            _ => Err(FieldError::new("role", s, "expected one of: member, mirror")),
        }
    }
}

/// A node's ed25519 public key: its libp2p identity and the key its signatures verify with.
///
/// Hex in human-readable formats (JSON, TOML), 32 raw bytes in CBOR.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PublicKey(pub [u8; 32]);

impl PublicKey {
    /// The key for verifying, if these bytes are a valid curve point.
    pub fn verifying_key(&self) -> Option<ed25519_dalek::VerifyingKey> {
        ed25519_dalek::VerifyingKey::from_bytes(&self.0).ok()
    }

    /// A short form for tables and logs: the first 8 hex digits.
    pub fn short(&self) -> String {
        data_encoding::HEXLOWER.encode(&self.0[..4])
    }
}

impl From<&ed25519_dalek::VerifyingKey> for PublicKey {
    fn from(key: &ed25519_dalek::VerifyingKey) -> Self {
        Self(key.to_bytes())
    }
}

impl fmt::Display for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&data_encoding::HEXLOWER.encode(&self.0))
    }
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PublicKey({})", self.short())
    }
}

impl FromStr for PublicKey {
    type Err = FieldError;
    fn from_str(s: &str) -> Result<Self, FieldError> {
        let err = || FieldError::new("key", s, "expected an ed25519 public key as 64 hex digits");
        let bytes = data_encoding::HEXLOWER_PERMISSIVE.decode(s.as_bytes()).map_err(|_| err())?;
        let bytes: [u8; 32] = bytes.try_into().map_err(|_| err())?;
        Ok(Self(bytes))
    }
}

impl Serialize for PublicKey {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        crate::bytes::serialize_fixed(&self.0, s)
    }
}

impl<'de> Deserialize<'de> for PublicKey {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        crate::bytes::deserialize_fixed(d).map(Self)
    }
}
