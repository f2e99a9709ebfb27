//! The persistence contract, one trait per aggregate. Stores implement each (SQLite,
//! PostgreSQL); one conformance suite checks both. Each method that changes several rows runs in
//! one transaction. A service asks for the aggregates it uses; `Store` is all of them.

mod access_keys;
mod browser_sessions;
mod challenges;
mod clients;
mod codes;
mod families;
mod grants;
mod groups;
mod identity;
mod issuers;
mod maintenance;
mod pools;
mod resource_servers;
mod signing_keys;
mod throttle;
mod users;

pub use access_keys::AccessKeyStore;
pub use browser_sessions::BrowserSessionStore;
pub use challenges::ChallengeStore;
pub use clients::ClientStore;
pub use codes::CodeRedemption;
pub use codes::CodeStore;
pub use families::FamilyKey;
pub use families::FamilyStore;
pub use grants::GrantStore;
pub use groups::GroupStore;
pub use identity::IdentityStore;
pub use issuers::IssuerStore;
pub use maintenance::Maintenance;
pub use maintenance::SweepBefore;
pub use pools::PoolStore;
pub use resource_servers::ResourceServerStore;
pub use signing_keys::SigningKeyStore;
pub use throttle::ThrottleStore;
pub use users::UserStore;

use crate::error::StoreError;

pub type StoreResult<T> = Result<T, StoreError>;

/// Every aggregate: what a store implements, and what the services are built on.
pub trait Store:
    PoolStore
    + ClientStore
    + UserStore
    + FamilyStore
    + GrantStore
    + BrowserSessionStore
    + ResourceServerStore
    + ChallengeStore
    + CodeStore
    + AccessKeyStore
    + SigningKeyStore
    + IdentityStore
    + IssuerStore
    + GroupStore
    + ThrottleStore
    + Maintenance
    + 'static
{
}

impl<T> Store for T where
    T: PoolStore
        + ClientStore
        + UserStore
        + FamilyStore
        + GrantStore
        + BrowserSessionStore
        + ResourceServerStore
        + ChallengeStore
        + CodeStore
        + AccessKeyStore
        + SigningKeyStore
        + IdentityStore
        + IssuerStore
        + GroupStore
        + ThrottleStore
        + Maintenance
        + 'static
{
}
