//! One-line text forms for things people copy and paste (identity cards, authority cards,
//! certificates): a prefix, then base64url (no padding) of the bytes followed by the first four
//! bytes of their SHA-256, so a damaged copy is caught before anything is parsed.

use sha2::{Digest, Sha256};

use crate::FieldError;

/// Why a text form was refused; every message tells the reader to copy the whole line.
pub type ArmorError = FieldError;

/// `prefix`, then base64url of `bytes` and their 4-byte SHA-256 checksum.
pub fn armor(prefix: &str, bytes: &[u8]) -> String {
    let mut body = bytes.to_vec();
    body.extend_from_slice(&Sha256::digest(bytes)[..4]);
    format!("{prefix}{}", data_encoding::BASE64URL_NOPAD.encode(&body))
}

/// The bytes of a text written by [`armor`] with `prefix`, at most `max` of them; `what` names
/// the thing in messages ("card", "certificate").
///
/// # Errors
/// A wrong prefix, encoding, length or checksum.
pub fn dearmor(text: &str, prefix: &str, what: &str, max: usize) -> Result<Vec<u8>, ArmorError> {
    let text = text.trim();
    let err = |why: String| FieldError::new(what, shorten(text), why);
    let body =
        text.strip_prefix(prefix).ok_or_else(|| err(format!("a {what} starts with '{prefix}'")))?;
    if body.len() > (max + 4) * 4 / 3 + 4 {
        return Err(err(format!("the {what} is too long to be one; copy the whole line")));
    }
    let bytes = data_encoding::BASE64URL_NOPAD.decode(body.as_bytes()).map_err(|_| {
        err(format!("the {what} is damaged: it is not base64url; copy the whole line"))
    })?;
    if bytes.len() < 5 || bytes.len() > max + 4 {
        return Err(err(format!("the {what} is damaged: wrong length; copy the whole line")));
    }
    let (payload, sum) = bytes.split_at(bytes.len() - 4);
    if Sha256::digest(payload)[..4] != *sum {
        return Err(err(format!("the {what}'s checksum does not match; copy the whole line")));
    }
    Ok(payload.to_vec())
}

fn shorten(text: &str) -> String {
    if text.len() > 24 {
        format!("{}...", text.chars().take(24).collect::<String>())
    } else {
        text.to_owned()
    }
}
