//! Finding pools, clients and users, with the errors Cognito gives when they are missing.

use crate::error::{CoreError, CoreResult, Refusal, Taken};
use crate::model::{Client, Pool, User};
use crate::secret::Secret;
use crate::service::services::Kernel;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::sync::Arc;
use subtle::ConstantTimeEq;

/// What a presented client secret is worth.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SecretCheck {
    /// The client has a secret and this is it.
    Matches,
    /// The client has a secret and this is not it (or none was given).
    Wrong,
    /// The client has no secret and no keys.
    Public,
    /// The client proves itself with keys (private_key_jwt), never a secret.
    KeysOnly,
}

/// Why a client that authenticates with private_key_jwt is refused by the Cognito API.
fn assertion_only(client: &Client) -> String {
    format!("Client {} authenticates with private_key_jwt: use the token endpoint", client.id)
}

fn resource_server_key(pool_id: &str, identifier: &str) -> String {
    format!("{pool_id}\n{identifier}")
}

impl Kernel {
    pub async fn pool(&self, pool_id: &str) -> CoreResult<Pool> {
        if let Some(p) = self.pools.get(pool_id) {
            return Ok((*p).clone());
        }
        let pool = self
            .store
            .get_pool(pool_id)
            .await?
            .ok_or_else(|| CoreError::not_found(format!("User pool {pool_id} does not exist.")))?;
        self.pools.put(pool_id, Arc::new(pool.clone()));
        Ok(pool)
    }

    pub async fn client(&self, client_id: &str) -> CoreResult<Client> {
        if let Some(c) = self.clients.get(client_id) {
            return Ok((*c).clone());
        }
        let client = self
            .store
            .get_client(client_id)
            .await?
            .ok_or_else(|| CoreError::not_found(format!("User pool client {client_id} does not exist.")))?;
        self.clients.put(client_id, Arc::new(client.clone()));
        Ok(client)
    }

    /// Drops cached copies after this instance changed a pool or client.
    pub(crate) fn forget_pool(&self, pool_id: &str) {
        self.pools.forget(pool_id);
        // A deleted pool takes its clients and resource servers with it.
        self.clients.clear();
        self.resource_servers.clear();
    }

    pub(crate) fn forget_client(&self, client_id: &str) {
        self.clients.forget(client_id);
    }

    /// A pool's resource server, if any, from the cache when read in the last few seconds.
    pub(crate) async fn cached_resource_server(
        &self,
        pool_id: &str,
        identifier: &str,
    ) -> CoreResult<Option<Arc<crate::model::ResourceServer>>> {
        let key = resource_server_key(pool_id, identifier);
        if let Some(found) = self.resource_servers.get(&key) {
            return Ok(found);
        }
        let found = self.store.get_resource_server(pool_id, identifier).await?.map(Arc::new);
        self.resource_servers.put(&key, found.clone());
        Ok(found)
    }

    /// After this instance created, changed or deleted a resource server.
    pub(crate) fn forget_resource_server(&self, pool_id: &str, identifier: &str) {
        self.resource_servers.forget(&resource_server_key(pool_id, identifier));
    }

    /// A client of the given pool (admin calls name both).
    pub async fn pool_client(&self, pool_id: &str, client_id: &str) -> CoreResult<Client> {
        let client = self.client(client_id).await?;
        if client.pool_id != pool_id {
            return Err(CoreError::not_found(format!("User pool client {client_id} does not exist.")));
        }
        Ok(client)
    }

    /// A user by username, or by email when the pool signs users in by email.
    pub async fn find_user(&self, pool: &Pool, username: &str) -> CoreResult<Option<User>> {
        if let Some(u) = self.store.get_user_by_username(&pool.id, &User::normalise_username(username)).await? {
            return Ok(Some(u));
        }
        for attr in &pool.settings.username_attributes {
            let mut found = self.store.find_users_by_attribute(&pool.id, attr, username).await?;
            if found.len() == 1 {
                return Ok(found.pop());
            }
        }
        Ok(None)
    }

    /// In a pool that signs users in by `email` (or `phone_number`), a new user's address must
    /// name nobody else, as a username or as the same attribute, and the new username must not be
    /// someone's address: otherwise `find_user` could no longer tell them apart, and a sign-up
    /// could lock a user out of signing in by address, or answer for them.
    pub(crate) async fn check_aliases_free(&self, user: &User) -> CoreResult<()> {
        let pool = self.pool(&user.pool_id).await?;
        for attr in &pool.settings.username_attributes {
            let taken =
                || CoreError::exists(Taken::Username, format!("An account with the given {attr} already exists."));
            if self.store.find_users_by_attribute(&pool.id, attr, &user.username).await?.iter().any(|u| u.id != user.id)
            {
                return Err(taken());
            }
            let Some(value) = user.attributes.get(attr) else {
                continue;
            };
            let others = self.store.find_users_by_attribute(&pool.id, attr, value).await?;
            if others.iter().any(|u| u.id != user.id)
                || self
                    .store
                    .get_user_by_username(&pool.id, &User::normalise_username(value))
                    .await?
                    .is_some_and(|u| u.id != user.id)
            {
                return Err(taken());
            }
        }
        Ok(())
    }

    /// A user who must exist (admin calls): not found otherwise. As on Cognito, an
    /// admin call names a user by username, by an alias the pool signs in with, or by `sub`.
    pub async fn existing_user(&self, pool: &Pool, username: &str) -> CoreResult<User> {
        if let Some(user) = self.find_user(pool, username).await? {
            return Ok(user);
        }
        if uuid::Uuid::try_parse(username).is_ok() {
            if let Some(user) = self.store.get_user(&pool.id, &username.to_ascii_lowercase()).await? {
                return Ok(user);
            }
        }
        Err(CoreError::user_not_found("User does not exist."))
    }

    /// The client's secret, if it has one.
    pub fn client_secret(&self, client: &Client) -> CoreResult<Option<Secret<String>>> {
        client.secret_enc.as_deref().map(|sealed| self.master.open_string(sealed).map(Secret::new)).transpose()
    }

    /// Checks the secret hash = Base64(HMAC-SHA256(secret, username + client_id)) when the client has
    /// a secret. Any of `usernames` may be the one the hash was computed over.
    pub fn check_secret_hash(&self, client: &Client, given: Option<&str>, usernames: &[&str]) -> CoreResult<()> {
        let Some(secret) = self.client_secret(client)? else {
            // A private_key_jwt client proves itself with an assertion this API cannot carry:
            // without this, anyone knowing its id could get tokens issued to it here.
            if client.is_confidential() {
                return Err(CoreError::refused(Refusal::ClientCredentials, assertion_only(client)));
            }
            return Ok(());
        };
        let given = given.ok_or_else(|| {
            CoreError::refused(
                Refusal::ClientCredentials,
                format!("Client {} is configured with secret but no secret hash was received", client.id),
            )
        })?;
        let given = STANDARD.decode(given.trim()).unwrap_or_default();
        let ok = usernames.iter().any(|name| {
            let mut mac = Hmac::<Sha256>::new_from_slice(secret.expose().as_bytes()).expect("HMAC takes any key");
            mac.update(name.as_bytes());
            mac.update(client.id.as_bytes());
            mac.finalize().into_bytes().as_slice().ct_eq(&given).into()
        });
        if ok {
            Ok(())
        } else {
            Err(CoreError::refused(
                Refusal::ClientCredentials,
                format!("Unable to verify secret hash for client {}", client.id),
            ))
        }
    }

    /// The one comparison of a client secret presented as such (constant time): the token
    /// endpoint's client authentication and a revocation through the Cognito API both use it,
    /// and each words the outcome its way.
    pub(crate) fn compare_client_secret(&self, client: &Client, given: Option<&str>) -> CoreResult<SecretCheck> {
        Ok(match self.client_secret(client)? {
            Some(secret) => match given {
                Some(given) if bool::from(secret.expose().as_bytes().ct_eq(given.as_bytes())) => SecretCheck::Matches,
                _ => SecretCheck::Wrong,
            },
            None if client.is_confidential() => SecretCheck::KeysOnly,
            None => SecretCheck::Public,
        })
    }

    /// A revocation's client secret: a public client needs none.
    pub fn check_client_secret(&self, client: &Client, given: Option<&str>) -> CoreResult<()> {
        match self.compare_client_secret(client, given)? {
            SecretCheck::Matches | SecretCheck::Public => Ok(()),
            SecretCheck::KeysOnly => Err(CoreError::refused(Refusal::ClientNotOwner, assertion_only(client))),
            SecretCheck::Wrong => Err(CoreError::refused(Refusal::ClientNotOwner, "Invalid client secret")),
        }
    }

    /// What an unsigned call that names an unknown user answers: `hidden` when the client
    /// prevents user-existence errors (the same answer a real user would get), else the user
    /// is not found.
    pub(crate) fn answer_unknown_user<T>(&self, client: &Client, hidden: CoreResult<T>) -> CoreResult<T> {
        if client.settings.prevent_user_existence_errors {
            hidden
        } else {
            Err(CoreError::user_not_found("Username/client id combination not found."))
        }
    }

    /// The custom scopes (`<identifier>/<name>`) among `scopes` that no resource server of the
    /// pool defines (any more): one cached read per resource server named.
    pub(crate) async fn undefined_custom_scopes<'a>(
        &self,
        pool_id: &str,
        scopes: impl Iterator<Item = &'a str>,
    ) -> CoreResult<Vec<&'a str>> {
        let mut servers: Vec<(&str, Vec<String>)> = Vec::new();
        let mut undefined = Vec::new();
        for scope in scopes {
            let Some((server, _)) = scope.rsplit_once('/') else {
                continue;
            };
            let defined = match servers.iter().position(|(s, _)| *s == server) {
                Some(i) => &servers[i].1,
                None => {
                    let names = match self.cached_resource_server(pool_id, server).await? {
                        Some(rs) => rs.scope_names().collect(),
                        None => Vec::new(),
                    };
                    servers.push((server, names));
                    &servers[servers.len() - 1].1
                }
            };
            if !defined.iter().any(|d| d == scope) {
                undefined.push(scope);
            }
        }
        Ok(undefined)
    }
}
