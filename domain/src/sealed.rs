//! An opaque, encrypted value: medical data travels through workflows and rests in the
//! databases only in this form.

use serde::{Deserialize, Serialize};

/// Ciphertext of a medical field (AES-256-GCM), with the id of the key that sealed it so keys
/// can be rotated. Only `infra`'s field cipher can open it.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sealed {
    /// Which key sealed the value.
    pub key_id: String,
    /// 96-bit nonce followed by ciphertext and tag, base64 (standard alphabet).
    pub data: String,
}

impl std::fmt::Debug for Sealed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sealed")
            .field("key_id", &self.key_id)
            .finish_non_exhaustive()
    }
}
