//! The services: every rule of pools, users, sign-in, tokens and codes, in a few services
//! (`services.rs` says what each holds). Doors call the ones they use with plain values and get
//! plain values or a `CoreError` back.

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
mod group_claims;
mod groups;
mod identity;
mod issuer_cache;
mod issuer_keys;
mod issuer_refresh;
mod issuers;
mod kernel;
pub use kernel::IDENTITY_ISSUER_PATH;
mod lookup;
mod mfa;
pub mod oauth;
mod password;
mod pools;
mod refresh;
mod resource_servers;
pub use resource_servers::ResourceServerSpec;
mod services;
pub use services::{Accounts, Directory, Federation, Kernel, OAuth, Tokens};
mod signin;
mod signup;
mod sweep;
mod throttle;
mod token_checks;
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
pub use codes::CODES_PER_ADDRESS_HOUR;
pub use codes::{CodeDelivery, DeliveryMedium};
pub use groups::GroupSpec;
pub use identity::{IdentityPoolSpec, IssuedCredentials, UNAUTHENTICATED_PER_SOURCE_HOUR};
pub use issuer_refresh::{KID_FETCH_SECS, REFRESH_SECS};
pub use issuers::{IssuerSpec, SelfSignedCaller};
pub use password::FORGOT_PASSWORD_PER_SOURCE_HOUR;
pub use pools::PoolSpec;
pub use signin::{AuthOutcome, AuthResult, ChallengeAnswer, Credential, RespondToChallenge, SignIn};
pub use signup::{SignUpOutcome, SignUpRequest, SIGN_UPS_PER_SOURCE_HOUR};
pub use throttle::REMEMBER_SECS;
pub use tokens::{AccessClaims, IdClaims};
pub use users::{CreateUser, ListUsersPage};

/// The core: its services, built once and shared behind `Arc`s. A door holds the ones it uses.
pub struct Warden {
    pub kernel: Arc<Kernel>,
    pub tokens: Arc<Tokens>,
    pub accounts: Arc<Accounts>,
    pub directory: Arc<Directory>,
    pub federation: Arc<Federation>,
    pub oauth: Arc<OAuth>,
}

impl std::fmt::Debug for Warden {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Warden").field("config", &self.kernel.config).finish_non_exhaustive()
    }
}

impl Warden {
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
        let hasher = Arc::new(PasswordHasher::new(&config.argon2, config.hash_workers, config.hash_queue)?);
        let keys = KeyRing::load_or_create(store.as_ref(), &master, clock.now()).await?;
        let kernel = Arc::new(Kernel {
            store: token_state::Stored::new(store),
            clock,
            config,
            master,
            delivery,
            pools: Default::default(),
            clients: Default::default(),
            resource_servers: Default::default(),
            background: Default::default(),
            background_turn: Default::default(),
        });
        let tokens =
            Arc::new(Tokens { kernel: kernel.clone(), keys, keys_reloaded_at: tokio::sync::Mutex::new(i64::MIN) });
        let accounts = Arc::new(Accounts { kernel: kernel.clone(), tokens: tokens.clone(), hasher: hasher.clone() });
        let directory =
            Arc::new(Directory { kernel: kernel.clone(), tokens: tokens.clone(), accounts: accounts.clone(), hasher });
        let federation =
            Arc::new(Federation { kernel: kernel.clone(), tokens: tokens.clone(), jwks, issuers: Default::default() });
        let oauth = Arc::new(OAuth { kernel: kernel.clone(), tokens: tokens.clone(), federation: federation.clone() });
        Ok(Self { kernel, tokens, accounts, directory, federation, oauth })
    }
}
