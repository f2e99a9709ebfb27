//! How codes reach users: a trait, implemented by the server (dev outbox, SMTP).

use async_trait::async_trait;
use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
pub struct Message {
    pub to: String,
    /// `forgot_password`, `sign_up`, `admin_create_user`...
    pub template: String,
    pub code: String,
    pub pool_id: String,
    pub username: String,
    pub sent_at: i64,
}

#[async_trait]
pub trait Delivery: Send + Sync + 'static {
    /// Sends `message`, or hands it to what will: `Ok` may come before it reaches the user.
    async fn send(&self, message: &Message) -> Result<(), String>;

    /// Waits until messages handed over have been sent (or failed): before a shutdown.
    async fn flush(&self) {}
}
