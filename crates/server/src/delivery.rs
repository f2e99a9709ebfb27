//! Code delivery: the dev outbox (zero-config default: one JSON object per line in
//! `<data dir>/outbox.jsonl`, written before the API answers) and SMTP through lettre for real
//! use (sent after it answers).

use std::path::PathBuf;
use std::sync::Arc;

use async_trait::async_trait;
use lettre::message::Mailbox;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message as Email, Tokio1Executor};
use tokio::io::AsyncWriteExt;
use tokio::sync::{Mutex, Semaphore};
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

/// Messages being sent at once; a send beyond it is refused (the API answers an error).
const SMTP_IN_FLIGHT: u32 = 64;

/// SMTP through lettre. A message is handed to a task of its own and the API answers at once:
/// how long the mail server takes is not added to the request, nor does it tell a caller whether
/// the user it named exists (an unknown user's ForgotPassword sends nothing). A failure is
/// logged; a restart waits for messages under way (`flush`).
pub struct Smtp<T = AsyncSmtpTransport<Tokio1Executor>> {
    transport: Arc<T>,
    from: Mailbox,
    in_flight: Arc<Semaphore>,
}

impl Smtp {
    pub fn new(url: &str, from: &str) -> Result<Self, String> {
        let transport =
            AsyncSmtpTransport::<Tokio1Executor>::from_url(url).map_err(|e| format!("WARDEN_SMTP_URL: {e}"))?.build();
        Self::with_transport(transport, from)
    }
}

impl<T> Smtp<T> {
    fn with_transport(transport: T, from: &str) -> Result<Self, String> {
        let from = from.parse().map_err(|e| format!("WARDEN_SMTP_FROM: {e}"))?;
        Ok(Self { transport: Arc::new(transport), from, in_flight: Arc::new(Semaphore::new(SMTP_IN_FLIGHT as usize)) })
    }
}

fn subject_and_body(m: &Message) -> (String, String) {
    match m.template.as_str() {
        "forgot_password" => ("Your password reset code".into(), format!("Your password reset code is {}", m.code)),
        "sign_up" => ("Your verification code".into(), format!("Your confirmation code is {}", m.code)),
        "verify_email" => ("Verify your email address".into(), format!("Your verification code is {}", m.code)),
        "email_changed" => (
            "Your email address was changed".into(),
            format!(
                "The email address of your account {} was changed, and this address no longer receives its \
                 password resets. If you did not change it, contact your administrator.",
                m.username
            ),
        ),
        "admin_create_user" => (
            "Your temporary password".into(),
            format!("Your username is {} and your temporary password is {}", m.username, m.code),
        ),
        other => (format!("Warden: {other}"), format!("Your code is {}", m.code)),
    }
}

#[async_trait]
impl<T> Delivery for Smtp<T>
where
    T: AsyncTransport + Send + Sync + 'static,
    T::Error: std::fmt::Display,
{
    async fn send(&self, message: &Message) -> Result<(), String> {
        let to: Mailbox = message.to.parse().map_err(|e| format!("recipient address: {e}"))?;
        let (subject, body) = subject_and_body(message);
        let email =
            Email::builder().from(self.from.clone()).to(to).subject(subject).body(body).map_err(|e| e.to_string())?;
        let permit =
            self.in_flight.clone().try_acquire_owned().map_err(|_| "too many messages waiting for the mail server")?;
        let transport = self.transport.clone();
        let template = message.template.clone();
        tokio::spawn(async move {
            if let Err(e) = transport.send(email).await {
                tracing::warn!(error = %e, %template, "a code could not be delivered by SMTP");
            }
            drop(permit);
        });
        Ok(())
    }

    async fn flush(&self) {
        let _all = self.in_flight.acquire_many(SMTP_IN_FLIGHT).await;
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex as StdMutex;

    use lettre::address::Envelope;
    use tokio::sync::Notify;

    use super::*;

    /// A mail server that takes each message only once released.
    #[derive(Default)]
    struct Gated {
        open: Notify,
        taken: StdMutex<Vec<String>>,
    }

    #[async_trait]
    impl AsyncTransport for Gated {
        type Ok = ();
        type Error = String;
        async fn send_raw(&self, envelope: &Envelope, _email: &[u8]) -> Result<(), String> {
            self.open.notified().await;
            self.taken.lock().unwrap().push(envelope.to()[0].to_string());
            Ok(())
        }
    }

    fn message(to: &str) -> Message {
        Message {
            to: to.into(),
            template: "forgot_password".into(),
            code: "123456".into(),
            pool_id: "p".into(),
            username: "u".into(),
            sent_at: 0,
        }
    }

    #[tokio::test]
    async fn a_message_is_sent_after_the_answer_and_flush_waits_for_it() {
        let smtp = Smtp::with_transport(Gated::default(), "Warden <no-reply@localhost>").unwrap();
        // Answered while the mail server has not taken the message (a send that waited for it
        // would never end: the bound turns that into a failure).
        let sent = message("a@example.com");
        let answered = tokio::time::timeout(std::time::Duration::from_secs(10), smtp.send(&sent));
        answered.await.expect("answered before the mail server took the message").unwrap();
        assert!(smtp.transport.taken.lock().unwrap().is_empty());
        let flushed = {
            let smtp = &smtp;
            async move { smtp.flush().await }
        };
        tokio::pin!(flushed);
        tokio::select! {
            biased;
            _ = &mut flushed => panic!("flush returned with a message under way"),
            _ = tokio::task::yield_now() => {}
        }
        smtp.transport.open.notify_one();
        flushed.await;
        assert_eq!(*smtp.transport.taken.lock().unwrap(), vec!["a@example.com".to_string()]);
    }

    #[tokio::test]
    async fn beyond_the_messages_in_flight_a_send_is_refused() {
        let smtp = Smtp::with_transport(Gated::default(), "Warden <no-reply@localhost>").unwrap();
        for i in 0..SMTP_IN_FLIGHT {
            smtp.send(&message(&format!("u{i}@example.com"))).await.unwrap();
        }
        assert!(smtp.send(&message("late@example.com")).await.is_err());
        assert!(smtp.send(&message("not an address")).await.unwrap_err().contains("recipient"));
    }
}
