//! The `warden` server: configuration, wiring of core, store and doors, the HTTP listener, and
//! the operator commands. The binary in `main.rs` is a thin CLI over this library, which the
//! testkit uses too.

pub mod app;
pub mod commands;
pub mod config;
pub mod delivery;
pub mod jwks;
pub mod master_key;
pub mod telemetry;

pub use app::{build, build_with_clock, serve, App};
pub use config::Config;
