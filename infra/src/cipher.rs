//! Field encryption of medical data: AES-256-GCM with a random 96-bit nonce, the owning record's
//! id as associated data (a sealed value cannot be moved to another record), and a key id kept
//! with every value so keys can be rotated.

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use healthcert_domain::sealed::Sealed;
use secrecy::{ExposeSecret, SecretString};
use serde::{Serialize, de::DeserializeOwned};
use std::collections::HashMap;
use std::sync::Arc;

const NONCE_LEN: usize = 12;

/// Why a value could not be sealed or opened.
#[derive(Debug, thiserror::Error)]
pub enum CipherError {
    /// A key setting is malformed.
    #[error("field encryption key {0}: must be base64 of exactly 32 bytes")]
    BadKey(String),
    /// `FIELD_ENCRYPTION_KEY` is missing.
    #[error("FIELD_ENCRYPTION_KEY is required")]
    MissingKey,
    /// The value was sealed with a key this process does not have.
    #[error("no field encryption key with id `{0}`")]
    UnknownKey(String),
    /// Tampered or foreign ciphertext.
    #[error("sealed value failed authentication")]
    Corrupt,
    /// The plaintext is not the expected type.
    #[error("sealed value has an unexpected shape")]
    Shape,
}

/// Seals and opens values with the current key; opens with previous keys too.
#[derive(Clone)]
pub struct FieldCipher {
    current_id: String,
    keys: Arc<HashMap<String, Aes256Gcm>>,
}

impl std::fmt::Debug for FieldCipher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FieldCipher")
            .field("current_id", &self.current_id)
            .finish_non_exhaustive()
    }
}

fn key_from_b64(id: &str, b64: &str) -> Result<Aes256Gcm, CipherError> {
    let bytes = B64
        .decode(b64.trim())
        .map_err(|_| CipherError::BadKey(id.to_owned()))?;
    Aes256Gcm::new_from_slice(&bytes).map_err(|_| CipherError::BadKey(id.to_owned()))
}

impl FieldCipher {
    /// Builds the cipher from `FIELD_ENCRYPTION_KEY`, `FIELD_ENCRYPTION_KEY_ID` and
    /// `FIELD_ENCRYPTION_PREVIOUS_KEYS`.
    pub fn from_settings(s: &crate::settings::FieldKeySettings) -> Result<Self, CipherError> {
        let current = s.key.as_ref().ok_or(CipherError::MissingKey)?;
        let mut keys = HashMap::new();
        keys.insert(
            s.key_id.clone(),
            key_from_b64(&s.key_id, current.expose_secret())?,
        );
        if let Some(prev) = &s.previous {
            for entry in prev
                .expose_secret()
                .split(',')
                .filter(|e| !e.trim().is_empty())
            {
                let (id, b64) = entry.split_once(':').ok_or_else(|| {
                    CipherError::BadKey("in FIELD_ENCRYPTION_PREVIOUS_KEYS".into())
                })?;
                keys.entry(id.trim().to_owned())
                    .or_insert(key_from_b64(id, b64)?);
            }
        }
        Ok(Self {
            current_id: s.key_id.clone(),
            keys: Arc::new(keys),
        })
    }

    /// A cipher with one key, given as base64.
    pub fn single(key_id: &str, key_b64: &SecretString) -> Result<Self, CipherError> {
        let mut keys = HashMap::new();
        keys.insert(
            key_id.to_owned(),
            key_from_b64(key_id, key_b64.expose_secret())?,
        );
        Ok(Self {
            current_id: key_id.to_owned(),
            keys: Arc::new(keys),
        })
    }

    /// Seals `value` (as JSON) bound to `owner` (the id of the record it belongs to).
    pub fn seal<T: Serialize>(&self, owner: &[u8], value: &T) -> Result<Sealed, CipherError> {
        let plaintext = serde_json::to_vec(value).map_err(|_| CipherError::Shape)?;
        let cipher = self
            .keys
            .get(&self.current_id)
            .ok_or(CipherError::MissingKey)?;
        let nonce_bytes: [u8; NONCE_LEN] = rand::random();
        let nonce = Nonce::from(nonce_bytes);
        let ct = cipher
            .encrypt(
                &nonce,
                Payload {
                    msg: &plaintext,
                    aad: owner,
                },
            )
            .map_err(|_| CipherError::Corrupt)?;
        let mut out = nonce_bytes.to_vec();
        out.extend_from_slice(&ct);
        Ok(Sealed {
            key_id: self.current_id.clone(),
            data: B64.encode(out),
        })
    }

    /// Opens a value sealed for `owner`.
    pub fn open<T: DeserializeOwned>(
        &self,
        owner: &[u8],
        sealed: &Sealed,
    ) -> Result<T, CipherError> {
        let cipher = self
            .keys
            .get(&sealed.key_id)
            .ok_or_else(|| CipherError::UnknownKey(sealed.key_id.clone()))?;
        let raw = B64.decode(&sealed.data).map_err(|_| CipherError::Corrupt)?;
        if raw.len() < NONCE_LEN {
            return Err(CipherError::Corrupt);
        }
        let (nonce, ct) = raw.split_at(NONCE_LEN);
        let nonce: [u8; NONCE_LEN] = nonce.try_into().map_err(|_| CipherError::Corrupt)?;
        let pt = cipher
            .decrypt(
                &Nonce::from(nonce),
                Payload {
                    msg: ct,
                    aad: owner,
                },
            )
            .map_err(|_| CipherError::Corrupt)?;
        serde_json::from_slice(&pt).map_err(|_| CipherError::Shape)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::FieldKeySettings;

    fn key(byte: u8) -> String {
        B64.encode([byte; 32])
    }

    fn cipher(id: &str, k: &str, prev: Option<String>) -> FieldCipher {
        FieldCipher::from_settings(&FieldKeySettings {
            key: Some(SecretString::from(k.to_owned())),
            key_id: id.into(),
            previous: prev.map(SecretString::from),
        })
        .expect("cipher")
    }

    #[test]
    fn a_sealed_value_opens_only_for_its_owner() {
        let c = cipher("k1", &key(1), None);
        let s = c
            .seal(b"owner-a", &vec!["No heavy lifting".to_string()])
            .expect("seal");
        assert!(!s.data.contains("heavy"));
        let v: Vec<String> = c.open(b"owner-a", &s).expect("open");
        assert_eq!(v, ["No heavy lifting"]);
        assert!(matches!(
            c.open::<Vec<String>>(b"owner-b", &s),
            Err(CipherError::Corrupt)
        ));
    }

    #[test]
    fn values_sealed_with_a_previous_key_still_open_after_rotation() {
        let old = cipher("k1", &key(1), None);
        let s = old.seal(b"o", &"fit").expect("seal");
        let new = cipher("k2", &key(2), Some(format!("k1:{}", key(1))));
        let v: String = new.open(b"o", &s).expect("open with previous key");
        assert_eq!(v, "fit");
        assert_eq!(new.seal(b"o", &"fit").expect("seal").key_id, "k2");
        let other = cipher("k3", &key(3), None);
        assert!(matches!(
            other.open::<String>(b"o", &s),
            Err(CipherError::UnknownKey(_))
        ));
    }

    #[test]
    fn a_key_of_the_wrong_length_is_refused() {
        let r = FieldCipher::from_settings(&FieldKeySettings {
            key: Some(SecretString::from(B64.encode([0u8; 16]))),
            key_id: "k1".into(),
            previous: None,
        });
        assert!(matches!(r, Err(CipherError::BadKey(_))));
    }
}
