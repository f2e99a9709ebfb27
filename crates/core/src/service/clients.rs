//! App clients: public programmatic clients and confidential ones with a secret.

use super::Warden;
use crate::crypto::random;
use crate::error::{CoreError, CoreResult};
use crate::model::{Client, ClientSettings};
use crate::secret::Secret;

#[derive(Debug, Clone, Default)]
pub struct ClientSpec {
    pub pool_id: String,
    pub name: String,
    pub generate_secret: bool,
    pub settings: ClientSettings,
}

/// A new client; the secret is shown here and by DescribeUserPoolClient, never logged.
#[derive(Debug, Clone)]
pub struct CreatedClient {
    pub client: Client,
    pub secret: Option<Secret<String>>,
}

impl Warden {
    pub async fn create_client(&self, spec: ClientSpec) -> CoreResult<CreatedClient> {
        let pool = self.pool(&spec.pool_id).await?;
        let name = spec.name.trim();
        if name.is_empty() || name.chars().count() > 128 {
            return Err(CoreError::invalid("ClientName must be 1 to 128 characters"));
        }
        validate_settings(&spec.settings)?;
        let secret = spec.generate_secret.then(random::client_secret);
        let now = self.clock.now();
        let client = Client {
            id: random::client_id(),
            pool_id: pool.id,
            name: name.to_owned(),
            secret_enc: secret.as_ref().map(|s| self.master.seal(s.as_bytes())),
            settings: spec.settings,
            created_at: now,
            updated_at: now,
        };
        self.store.insert_client(&client).await?;
        Ok(CreatedClient { client, secret: secret.map(Secret::new) })
    }

    pub async fn list_clients(&self, pool_id: &str, after: Option<&str>, limit: u32) -> CoreResult<Vec<Client>> {
        self.pool(pool_id).await?;
        if !(1..=60).contains(&limit) {
            return Err(CoreError::invalid("MaxResults must be between 1 and 60"));
        }
        Ok(self.store.list_clients(pool_id, after, limit).await?)
    }

    pub async fn update_client(&self, mut client: Client) -> CoreResult<Client> {
        validate_settings(&client.settings)?;
        client.updated_at = self.clock.now();
        self.store.update_client(&client).await?;
        self.forget_client(&client.id);
        Ok(client)
    }

    pub async fn delete_client(&self, pool_id: &str, client_id: &str) -> CoreResult<()> {
        let client = self.pool_client(pool_id, client_id).await?;
        self.store.delete_client(&client.id).await?;
        self.forget_client(&client.id);
        Ok(())
    }
}

/// Cognito's bounds: access and id tokens 5 minutes to 1 day, refresh 1 hour to 10 years, and
/// refresh longer than access and id.
fn validate_settings(s: &ClientSettings) -> CoreResult<()> {
    let v = s.token_validity;
    let day = 86_400;
    if !(300..=day).contains(&v.access_secs) {
        return Err(CoreError::invalid("AccessTokenValidity must be between 5 minutes and 1 day"));
    }
    if !(300..=day).contains(&v.id_secs) {
        return Err(CoreError::invalid("IdTokenValidity must be between 5 minutes and 1 day"));
    }
    if !(3600..=3650 * day).contains(&v.refresh_secs) {
        return Err(CoreError::invalid("RefreshTokenValidity must be between 60 minutes and 10 years"));
    }
    if v.refresh_secs <= v.access_secs || v.refresh_secs <= v.id_secs {
        return Err(CoreError::invalid(
            "RefreshTokenValidity must be longer than AccessTokenValidity and IdTokenValidity",
        ));
    }
    Ok(())
}
