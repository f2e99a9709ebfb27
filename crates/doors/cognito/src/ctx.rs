//! The call as the operations see it, besides its input: made by `dispatch.rs`, read by `ops/`.

use warden_core::Warden;

/// What an operation knows about the call besides its input.
pub struct Ctx<'a> {
    pub warden: &'a Warden,
    /// The caller's address, for per-source throttling.
    pub source: String,
    /// This call's own id for failure counting: made here, never taken from the client (a fixed
    /// `amz-sdk-invocation-id` would make every failure count once).
    pub attempt_id: String,
}
