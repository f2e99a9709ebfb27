//! The services: every rule of pools, users, sign-in, tokens and codes, behind one facade.
//! Doors call these with plain values and get plain values or a `CoreError` back.

mod access_keys;
mod attributes;
pub use attributes::STANDARD_ATTRIBUTES;
mod bearer;
mod cache;
mod challenge;
mod claims;
mod clients;
mod codes;
mod get_tokens;
mod groups;
mod identity;
mod issuer_cache;
mod issuer_keys;
mod issuer_refresh;
mod issuers;
mod lookup;
mod mfa;
pub mod oauth;
mod password;
mod pools;
mod signin;
mod signup;
mod sweep;
mod throttle;
mod token_state;
mod tokens;
mod user_attributes;
mod users;

use std::sync::Arc;

use crate::clock::Clock;
use crate::config::CoreConfig;
use crate::crypto::{KeyRing, MasterKey, PasswordHasher};
use crate::delivery::Delivery;
use crate::error::CoreResult;
use crate::jwks::JwksFetcher;
use crate::store::Store;

pub use bearer::{BearerError, BearerIdentity};
pub use clients::{ClientSpec, CreatedClient};
pub use codes::{CodeDelivery, DeliveryMedium};
pub use groups::GroupSpec;
pub use identity::{IdentityPoolSpec, IssuedCredentials, UNAUTHENTICATED_PER_SOURCE_HOUR};
pub use issuer_refresh::{KID_FETCH_SECS, REFRESH_SECS};
pub use issuers::{IssuerSpec, SelfSignedCaller};
pub use password::{CODES_PER_ADDRESS_HOUR, FORGOT_PASSWORD_PER_SOURCE_HOUR};
pub use pools::PoolSpec;
pub use signin::{AuthOutcome, AuthResult, ChallengeAnswer, Credential, RespondToChallenge, SignIn};
pub use signup::{SignUpOutcome, SignUpRequest, SIGN_UPS_PER_SOURCE_HOUR};
pub use tokens::{AccessClaims, IdClaims};
pub use users::{CreateUser, ListUsersPage};

/// Everything a door needs, shared behind an `Arc`.
pub struct Warden {
    /// The store, with the writes that change what a token is worth wrapped (`token_state`).
    store: token_state::Stored,
    clock: Arc<dyn Clock>,
    config: CoreConfig,
    master: MasterKey,
    keys: KeyRing,
    hasher: PasswordHasher,
    delivery: Arc<dyn Delivery>,
    pools: cache::TtlCache<Arc<crate::model::Pool>>,
    clients: cache::TtlCache<Arc<crate::model::Client>>,
    /// By `pool_id` and identifier; `None` cached too (a client_credentials grant reads them).
    resource_servers: cache::TtlCache<Option<Arc<crate::model::ResourceServer>>>,
    jwks: Arc<dyn JwksFetcher>,
    issuers: issuer_cache::IssuerCache,
    /// When a token with an unknown `kid` last made this instance re-read the key ring (clock
    /// seconds): once a second at most, so made-up `kid`s cannot turn each request into a read.
    keys_reloaded_at: tokio::sync::Mutex<i64>,
}

impl std::fmt::Debug for Warden {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Warden").field("config", &self.config).finish_non_exhaustive()
    }
}

/// The path segment of the identity-token issuer (no pool id looks like it).
pub const IDENTITY_ISSUER_PATH: &str = "identity";

impl Warden {
    /// Waits until codes handed to the delivery have been sent: before the process ends.
    pub async fn flush_delivery(&self) {
        self.delivery.flush().await;
    }

    /// Loads (or creates) the signing keys and sets up the hashing pool. `jwks` fetches the keys
    /// of self-managed issuers registered with a JWKS URL.
    pub async fn new(
        store: Arc<dyn Store>,
        clock: Arc<dyn Clock>,
        config: CoreConfig,
        master: MasterKey,
        delivery: Arc<dyn Delivery>,
        jwks: Arc<dyn JwksFetcher>,
    ) -> CoreResult<Self> {
        let hasher = PasswordHasher::new(&config.argon2, config.hash_workers, config.hash_queue)?;
        let keys = KeyRing::load_or_create(store.as_ref(), &master, clock.now()).await?;
        Ok(Self {
            store: token_state::Stored::new(store),
            clock,
            config,
            master,
            keys,
            hasher,
            delivery,
            pools: Default::default(),
            clients: Default::default(),
            resource_servers: Default::default(),
            jwks,
            issuers: Default::default(),
            keys_reloaded_at: tokio::sync::Mutex::new(i64::MIN),
        })
    }

    pub fn config(&self) -> &CoreConfig {
        &self.config
    }

    pub fn now(&self) -> i64 {
        self.clock.now()
    }

    /// Reachability of the store, for readiness probes.
    pub async fn ready(&self) -> CoreResult<()> {
        Ok(self.store.ping().await?)
    }

    /// The issuer of a pool's tokens.
    /// The issuer of identity pools' OpenID tokens (GetOpenIdToken): `<public URL>/identity`,
    /// whose metadata and JWKS the OIDC door serves where a pool's would be.
    pub fn identity_issuer(&self) -> String {
        format!("{}/{IDENTITY_ISSUER_PATH}", self.config.public_url.trim_end_matches('/'))
    }

    pub fn issuer(&self, pool: &crate::model::Pool) -> String {
        pool.settings
            .issuer
            .clone()
            .unwrap_or_else(|| format!("{}/{}", self.config.public_url.trim_end_matches('/'), pool.id))
    }
}
