use serde::{Deserialize, Serialize};

use crate::clock::Timestamp;

/// An operator credential for SigV4-signed admin calls. The secret is kept encrypted under the
/// master key: verifying a SigV4 signature needs the secret itself.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct AccessKey {
    pub id: String,
    pub secret_enc: Vec<u8>,
    pub description: String,
    pub created_at: Timestamp,
}
