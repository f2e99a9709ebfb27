//! Warden's core: the domain model, the services that enforce its rules, the `Store` trait that
//! persistence implements, and the cryptography (password hashing, key ring, master-key cipher).
//!
//! Invariant: this crate knows no HTTP and no SQL. Doors translate wire requests into calls on
//! [`Warden`]; stores implement [`store::Store`].

pub mod clock;
pub mod config;
pub mod crypto;
pub mod delivery;
pub mod error;
pub mod jwks;
pub mod model;
pub mod secret;
pub mod service;
pub mod store;

pub use clock::{Clock, SystemClock};
pub use config::CoreConfig;
pub use error::{CoreError, StoreError};
pub use secret::Secret;
pub use service::Warden;
