//! Sealing secrets with AES-256-GCM: device passwords under the branch key,
//! and the branch key itself when it travels (wrapped under an enrollment
//! code's secret) or rests at the hub (wrapped under the owner's passphrase).
//! The caller supplies the random 96-bit nonce, so this module stays pure.

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use serde::{Deserialize, Serialize};

use crate::error::CoreError;

/// Nonce and ciphertext, hex-encoded.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sealed {
    pub nonce: String,
    pub ciphertext: String,
}

pub fn seal(key: &[u8; 32], nonce: [u8; 12], aad: &[u8], plain: &[u8]) -> Sealed {
    let ct = Aes256Gcm::new(key.into())
        .encrypt(Nonce::from_slice(&nonce), Payload { msg: plain, aad })
        .expect("AES-GCM encryption cannot fail for in-memory buffers");
    Sealed {
        nonce: hex::encode(nonce),
        ciphertext: hex::encode(ct),
    }
}

/// Open a sealed secret; fails on a wrong key, altered bytes or other `aad`.
pub fn open(key: &[u8; 32], aad: &[u8], sealed: &Sealed) -> Result<Vec<u8>, CoreError> {
    let nonce =
        hex::decode(&sealed.nonce).map_err(|_| CoreError::invalid("nonce", "is not hex"))?;
    let ct = hex::decode(&sealed.ciphertext)
        .map_err(|_| CoreError::invalid("ciphertext", "is not hex"))?;
    if nonce.len() != 12 {
        return Err(CoreError::invalid("nonce", "must be 12 bytes"));
    }
    Aes256Gcm::new(key.into())
        .decrypt(Nonce::from_slice(&nonce), Payload { msg: &ct, aad })
        .map_err(|_| {
            CoreError::invalid(
                "ciphertext",
                "does not open: wrong key, or the bytes were altered",
            )
        })
}

/// Associated data binding a wrapped branch key to its branch.
pub fn branch_key_aad(branch: &crate::ids::BranchId) -> Vec<u8> {
    let mut a = b"branch-key:".to_vec();
    a.extend_from_slice(&branch.0);
    a
}
