//! Cryptography, all from vetted crates: argon2id, AES-256-GCM, RS256 JWTs, HMAC TOTP.

pub mod cipher;
pub mod hashing;
pub mod keys;
pub mod random;
pub mod totp;

pub use cipher::MasterKey;
pub use hashing::PasswordHasher;
pub use keys::KeyRing;
