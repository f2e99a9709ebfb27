//! The services the core is made of, and what each one holds. Their rules live in the files
//! named for them (`impl Accounts` in `signin.rs`, `challenge.rs`, `password.rs`...); this file
//! only says what each service is given, so those files import it and it imports none of them.
//!
//! Layered, each on the ones before it: `Kernel` (the store, the clock, lookups, throttles,
//! one-time codes) < `Tokens` < `Accounts`, `Federation` < `Directory`, `OAuth`.

use std::sync::Arc;

use super::cache::TtlCache;
use super::issuer_cache::IssuerCache;
use super::token_state::Stored;
use crate::clock::Clock;
use crate::config::CoreConfig;
use crate::crypto::{KeyRing, MasterKey, PasswordHasher};
use crate::delivery::Delivery;
use crate::jwks::JwksFetcher;
use crate::model::{Client, Pool, ResourceServer};

/// What every service stands on: the store, the clock, the configuration, the master key, the
/// delivery of one-time codes, and the pools, clients and resource servers read recently.
pub struct Kernel {
    /// The store, with the writes that change what a token is worth wrapped (`token_state`).
    pub(crate) store: Stored,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) config: CoreConfig,
    pub(crate) master: MasterKey,
    pub(crate) delivery: Arc<dyn Delivery>,
    pub(crate) pools: TtlCache<Arc<Pool>>,
    pub(crate) clients: TtlCache<Arc<Client>>,
    /// By `pool_id` and identifier; `None` cached too (a client_credentials grant reads them).
    pub(crate) resource_servers: TtlCache<Option<Arc<ResourceServer>>>,
    /// Work done after its answer went out (`Kernel::after_answer`), one at a time in the order
    /// it was handed over.
    pub(crate) background: std::sync::Mutex<tokio::task::JoinSet<()>>,
    pub(crate) background_turn: Arc<tokio::sync::Mutex<()>>,
}

/// Tokens and the sessions they come from: signing, verifying, refreshing, revoking; the key
/// ring.
pub struct Tokens {
    pub(crate) kernel: Arc<Kernel>,
    pub(crate) keys: KeyRing,
    /// When a token with an unknown `kid` last made this instance re-read the key ring (clock
    /// seconds): once a second at most, so made-up `kid`s cannot turn each request into a read.
    pub(crate) keys_reloaded_at: tokio::sync::Mutex<i64>,
}

/// What a user does with their account: sign up, sign in (passwords, challenges, MFA), change
/// or reset a password.
pub struct Accounts {
    pub(crate) kernel: Arc<Kernel>,
    pub(crate) tokens: Arc<Tokens>,
    pub(crate) hasher: Arc<PasswordHasher>,
}

/// Administration: pools, clients, resource servers, users, groups, attributes, access keys.
pub struct Directory {
    pub(crate) kernel: Arc<Kernel>,
    pub(crate) tokens: Arc<Tokens>,
    /// Creating a user and sending a reset code are the accounts' own steps.
    pub(crate) accounts: Arc<Accounts>,
    pub(crate) hasher: Arc<PasswordHasher>,
}

/// Identity pools and federation: identities, temporary credentials, OpenID tokens, and the
/// self-managed issuers whose tokens are trusted.
pub struct Federation {
    pub(crate) kernel: Arc<Kernel>,
    pub(crate) tokens: Arc<Tokens>,
    pub(crate) jwks: Arc<dyn JwksFetcher>,
    pub(crate) issuers: IssuerCache,
}

/// OAuth 2.0 / OpenID Connect: authorization requests and codes, browser sessions, consent,
/// the token endpoint, introspection, userinfo, revocation, logout.
pub struct OAuth {
    pub(crate) kernel: Arc<Kernel>,
    pub(crate) tokens: Arc<Tokens>,
    /// Introspection answers for self-managed issuers' tokens too.
    pub(crate) federation: Arc<Federation>,
}
