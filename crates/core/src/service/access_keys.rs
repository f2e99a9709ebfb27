//! Operator access keys for SigV4-signed admin calls.

use crate::crypto::random;
use crate::error::{CoreError, CoreResult};
use crate::model::AccessKey;
use crate::secret::Secret;
use crate::service::services::Directory;

impl Directory {
    /// A new key; the secret is returned once here (and stays retrievable only to verify
    /// signatures).
    pub async fn create_access_key(&self, description: &str) -> CoreResult<(AccessKey, Secret<String>)> {
        let secret = random::access_key_secret();
        let key = AccessKey {
            id: random::access_key_id(),
            secret_enc: self.kernel.master.seal(secret.as_bytes()),
            description: description.to_owned(),
            created_at: self.kernel.clock.now(),
        };
        self.kernel.store.insert_access_key(&key).await?;
        Ok((key, Secret::new(secret)))
    }

    /// Makes sure the key `id` exists with `secret` (bootstrap from configuration; idempotent).
    pub async fn ensure_access_key(&self, id: &str, secret: &Secret<String>) -> CoreResult<()> {
        if id.len() < 16 || id.len() > 128 || !id.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err(CoreError::invalid("access key id must be 16 to 128 letters and digits"));
        }
        if secret.expose().len() < 16 {
            return Err(CoreError::invalid("access key secret must be at least 16 characters"));
        }
        if let Some(existing) = self.kernel.store.get_access_key(id).await? {
            if self.kernel.master.open(&existing.secret_enc)? == secret.expose().as_bytes() {
                return Ok(());
            }
            self.kernel.store.delete_access_key(id).await?;
        }
        let key = AccessKey {
            id: id.to_owned(),
            secret_enc: self.kernel.master.seal(secret.expose().as_bytes()),
            description: "bootstrap".into(),
            created_at: self.kernel.clock.now(),
        };
        self.kernel.store.insert_access_key(&key).await?;
        Ok(())
    }

    /// The secret of key `id`, to verify a signature made with it.
    pub async fn access_key_secret(&self, id: &str) -> CoreResult<Option<Secret<String>>> {
        match self.kernel.store.get_access_key(id).await? {
            Some(key) => Ok(Some(Secret::new(self.kernel.master.open_string(&key.secret_enc)?))),
            None => Ok(None),
        }
    }

    pub async fn list_access_keys(&self) -> CoreResult<Vec<AccessKey>> {
        Ok(self.kernel.store.list_access_keys().await?)
    }

    pub async fn delete_access_key(&self, id: &str) -> CoreResult<()> {
        if self.kernel.store.delete_access_key(id).await? {
            Ok(())
        } else {
            Err(CoreError::not_found(format!("Access key {id} does not exist.")))
        }
    }
}
