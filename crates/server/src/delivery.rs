//! Code delivery: the dev outbox (zero-config default: one JSON object per line in
//! `<data dir>/outbox.jsonl`) and SMTP through lettre for real use.

use std::path::PathBuf;

use async_trait::async_trait;
use lettre::message::Mailbox;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message as Email, Tokio1Executor};
use tokio::io::AsyncWriteExt;
use tokio::sync::Mutex;
use warden_core::delivery::{Delivery, Message};

pub struct Outbox {
    path: PathBuf,
    lock: Mutex<()>,
}

impl Outbox {
    pub fn new(path: PathBuf) -> Self {
        Self { path, lock: Mutex::new(()) }
    }
}

#[async_trait]
impl Delivery for Outbox {
    async fn send(&self, message: &Message) -> Result<(), String> {
        let mut line = serde_json::to_string(message).map_err(|e| e.to_string())?;
        line.push('\n');
        let _guard = self.lock.lock().await;
        // It holds codes and temporary passwords: the owner's alone.
        let mut file = tokio::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .mode(0o600)
            .open(&self.path)
            .await
            .map_err(|e| format!("outbox {}: {e}", self.path.display()))?;
        file.write_all(line.as_bytes()).await.map_err(|e| e.to_string())?;
        file.sync_data().await.map_err(|e| e.to_string())?;
        tracing::info!(template = %message.template, outbox = %self.path.display(), "code written to the dev outbox");
        Ok(())
    }
}

pub struct Smtp {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl Smtp {
    pub fn new(url: &str, from: &str) -> Result<Self, String> {
        let transport =
            AsyncSmtpTransport::<Tokio1Executor>::from_url(url).map_err(|e| format!("WARDEN_SMTP_URL: {e}"))?.build();
        let from = from.parse().map_err(|e| format!("WARDEN_SMTP_FROM: {e}"))?;
        Ok(Self { transport, from })
    }
}

fn subject_and_body(m: &Message) -> (String, String) {
    match m.template.as_str() {
        "forgot_password" => ("Your password reset code".into(), format!("Your password reset code is {}", m.code)),
        "sign_up" => ("Your verification code".into(), format!("Your confirmation code is {}", m.code)),
        "admin_create_user" => (
            "Your temporary password".into(),
            format!("Your username is {} and your temporary password is {}", m.username, m.code),
        ),
        other => (format!("Warden: {other}"), format!("Your code is {}", m.code)),
    }
}

#[async_trait]
impl Delivery for Smtp {
    async fn send(&self, message: &Message) -> Result<(), String> {
        let to: Mailbox = message.to.parse().map_err(|e| format!("recipient address: {e}"))?;
        let (subject, body) = subject_and_body(message);
        let email =
            Email::builder().from(self.from.clone()).to(to).subject(subject).body(body).map_err(|e| e.to_string())?;
        self.transport.send(email).await.map_err(|e| format!("smtp: {e}"))?;
        Ok(())
    }
}
