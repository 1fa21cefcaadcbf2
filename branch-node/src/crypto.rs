//! Secrets at rest: device passwords sealed with AES-256-GCM under the branch
//! key (a fresh random 96-bit nonce each time; the record id and field name
//! bound as associated data), and PIN hashing with argon2.

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use sync_core::body::Sealed;
use sync_core::ids::RecordId;

use crate::error::{NodeError, Result};

fn aad(record: RecordId, field: &str) -> Vec<u8> {
    let mut a = record.0.to_vec();
    a.extend_from_slice(field.as_bytes());
    a
}

/// Seal `plain` for `record`'s `field`.
pub fn seal(key: &[u8; 32], record: RecordId, field: &str, plain: &str) -> Result<Sealed> {
    let cipher = Aes256Gcm::new(key.into());
    let mut nonce = [0u8; 12];
    getrandom::getrandom(&mut nonce).map_err(|e| NodeError::Crypto(e.to_string()))?;
    let ct = cipher
        .encrypt(
            Nonce::from_slice(&nonce),
            Payload {
                msg: plain.as_bytes(),
                aad: &aad(record, field),
            },
        )
        .map_err(|_| NodeError::Crypto("encryption failed".into()))?;
    Ok(Sealed {
        nonce: hex::encode(nonce),
        ciphertext: hex::encode(ct),
    })
}

/// Open a sealed secret. Fails on a wrong key, an altered ciphertext, or a
/// ciphertext moved to another record or field.
pub fn open(key: &[u8; 32], record: RecordId, field: &str, sealed: &Sealed) -> Result<String> {
    let nonce =
        hex::decode(&sealed.nonce).map_err(|_| NodeError::Crypto("nonce is not hex".into()))?;
    let ct = hex::decode(&sealed.ciphertext)
        .map_err(|_| NodeError::Crypto("ciphertext is not hex".into()))?;
    if nonce.len() != 12 {
        return Err(NodeError::Crypto("nonce must be 12 bytes".into()));
    }
    let cipher = Aes256Gcm::new(key.into());
    let plain = cipher
        .decrypt(
            Nonce::from_slice(&nonce),
            Payload {
                msg: &ct,
                aad: &aad(record, field),
            },
        )
        .map_err(|_| {
            NodeError::Crypto("authentication failed: wrong key or altered ciphertext".into())
        })?;
    String::from_utf8(plain).map_err(|_| NodeError::Crypto("not UTF-8".into()))
}

/// argon2id PHC string of a PIN.
pub fn hash_pin(pin: &str) -> Result<String> {
    let salt = SaltString::generate(&mut rand_core::OsRng);
    Argon2::default()
        .hash_password(pin.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| NodeError::Crypto(e.to_string()))
}

pub fn verify_pin(pin: &str, phc: &str) -> bool {
    PasswordHash::new(phc).is_ok_and(|h| {
        Argon2::default()
            .verify_password(pin.as_bytes(), &h)
            .is_ok()
    })
}

/// A PIN: 4 to 8 digits.
pub fn check_pin(pin: &str) -> Result<()> {
    if (4..=8).contains(&pin.len()) && pin.chars().all(|c| c.is_ascii_digit()) {
        Ok(())
    } else {
        Err(NodeError::invalid("pin", "must be 4 to 8 digits"))
    }
}

pub fn random_bytes<const N: usize>() -> Result<[u8; N]> {
    let mut b = [0u8; N];
    getrandom::getrandom(&mut b).map_err(|e| NodeError::Crypto(e.to_string()))?;
    Ok(b)
}
