//! The key inside a backup, sealed with a passphrase: Argon2id stretches the passphrase into a
//! key for ChaCha20-Poly1305, which encrypts the seed and authenticates the node's public key.

use argon2::{Algorithm, Argon2, Params, Version};
use chacha20poly1305::aead::{Aead as _, KeyInit as _, Payload};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};
use ed25519_dalek::SigningKey;
use liaison_protocol::PublicKey;
use serde::{Deserialize, Serialize};

/// A node key encrypted with a passphrase.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SealedKey {
    /// Argon2id memory cost, KiB.
    pub m_cost: u32,
    /// Argon2id passes.
    pub t_cost: u32,
    /// Argon2id lanes.
    pub p_cost: u32,
    /// Argon2id salt.
    #[serde(with = "serde_bytes")]
    pub salt: Vec<u8>,
    /// ChaCha20-Poly1305 nonce.
    #[serde(with = "serde_bytes")]
    pub nonce: Vec<u8>,
    /// The encrypted seed and its tag.
    #[serde(with = "serde_bytes")]
    pub sealed: Vec<u8>,
}

/// Argon2id with 64 MiB and 3 passes: well above the RFC 9106 second recommendation's floor,
/// and about a second on a small server, once per backup or restore.
const M_COST: u32 = 64 * 1024;
const T_COST: u32 = 3;
const P_COST: u32 = 1;
/// The most memory a backup file may ask Argon2 for (1 GiB), so a crafted file cannot exhaust it.
const MAX_M_COST: u32 = 1024 * 1024;
const MAX_T_COST: u32 = 16;

fn stretch(passphrase: &str, salt: &[u8], m: u32, t: u32, p: u32) -> Result<Key, String> {
    if m > MAX_M_COST || t > MAX_T_COST || p > 8 {
        return Err("the sealed key asks for more work than this release allows".to_owned());
    }
    let params = Params::new(m, t, p, Some(32)).map_err(|e| format!("sealed key: {e}"))?;
    let mut out = [0u8; 32];
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
        .hash_password_into(passphrase.as_bytes(), salt, &mut out)
        .map_err(|e| format!("sealed key: {e}"))?;
    Ok(out.into())
}

impl SealedKey {
    /// Seals `key` with `passphrase`; `salt` and `nonce` are fresh random bytes.
    ///
    /// # Errors
    /// If the passphrase is empty.
    pub fn seal(
        key: &SigningKey,
        passphrase: &str,
        salt: [u8; 16],
        nonce: [u8; 12],
    ) -> Result<Self, String> {
        if passphrase.is_empty() {
            return Err("the passphrase is empty".to_owned());
        }
        let public = PublicKey::from(&key.verifying_key());
        let cipher = ChaCha20Poly1305::new(&stretch(passphrase, &salt, M_COST, T_COST, P_COST)?);
        let payload = Payload { msg: key.as_bytes(), aad: &public.0 };
        let sealed = cipher
            .encrypt(Nonce::from_slice(&nonce), payload)
            .map_err(|_| "could not encrypt the key".to_owned())?;
        Ok(Self {
            m_cost: M_COST,
            t_cost: T_COST,
            p_cost: P_COST,
            salt: salt.to_vec(),
            nonce: nonce.to_vec(),
            sealed,
        })
    }

    /// Opens the sealed key with `passphrase`, and checks it is `public`'s.
    ///
    /// # Errors
    /// A wrong passphrase, an altered file, or another node's key.
    pub fn open(&self, passphrase: &str, public: &PublicKey) -> Result<SigningKey, String> {
        if self.nonce.len() != 12 {
            return Err("the sealed key is malformed".to_owned());
        }
        let key = stretch(passphrase, &self.salt, self.m_cost, self.t_cost, self.p_cost)?;
        let payload = Payload { msg: &self.sealed, aad: &public.0 };
        let seed = ChaCha20Poly1305::new(&key)
            .decrypt(Nonce::from_slice(&self.nonce), payload)
            .map_err(|_| "wrong passphrase, or the sealed key was altered".to_owned())?;
        let seed = <[u8; 32]>::try_from(seed.as_slice())
            .map_err(|_| "the sealed key is not an ed25519 seed".to_owned())?;
        let key = SigningKey::from_bytes(&seed);
        if PublicKey::from(&key.verifying_key()) != *public {
            return Err("the sealed key is another node's".to_owned());
        }
        Ok(key)
    }
}
