//! Domain records. Plain data: the rules live in `service`.

mod access_key;
mod client;
mod group;
mod identity;
mod issuer;
mod oauth;
mod pool;
mod session;
mod user;

pub use access_key::AccessKey;
pub use client::{AuthFlow, Client, ClientSettings, TokenValidity};
pub use group::Group;
pub use identity::{Identity, IdentityPool, IdentityProvider, TemporaryCredentials};
pub use issuer::Issuer;
pub use oauth::{AuthorizationCode, BrowserSession, OAuthFlow, ResourceServer, ResourceServerScope};
pub use pool::{MfaConfiguration, PasswordPolicy, Pool, PoolSettings};
pub use session::{
    Challenge, ChallengeKind, Code, CodeOutcome, CodePurpose, RefreshFamily, SigningAlg, SigningKeyRecord,
};
pub use user::{User, UserStatus};
