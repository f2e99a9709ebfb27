//! Codes reach a real SMTP server through lettre (a minimal one on loopback, here).

use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;
use warden_core::delivery::{Delivery, Message};
use warden_server::delivery::Smtp;

/// Accepts one SMTP session and returns the DATA it received.
async fn one_session(listener: TcpListener) -> String {
    let (stream, _) = listener.accept().await.unwrap();
    let (read, mut write) = stream.into_split();
    let mut lines = BufReader::new(read).lines();
    write.write_all(b"220 test ESMTP\r\n").await.unwrap();
    let mut data = String::new();
    let mut in_data = false;
    while let Some(line) = lines.next_line().await.unwrap() {
        if in_data {
            if line == "." {
                in_data = false;
                write.write_all(b"250 queued\r\n").await.unwrap();
            } else {
                data.push_str(&line);
                data.push('\n');
            }
            continue;
        }
        let upper = line.to_ascii_uppercase();
        let reply: &[u8] = if upper.starts_with("EHLO") || upper.starts_with("HELO") {
            b"250-test\r\n250 8BITMIME\r\n"
        } else if upper.starts_with("DATA") {
            in_data = true;
            b"354 go ahead\r\n"
        } else if upper.starts_with("QUIT") {
            write.write_all(b"221 bye\r\n").await.unwrap();
            break;
        } else {
            b"250 ok\r\n"
        };
        write.write_all(reply).await.unwrap();
    }
    data
}

#[tokio::test]
async fn forgot_password_code_is_mailed() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = tokio::spawn(one_session(listener));
    let smtp = Smtp::new(&format!("smtp://127.0.0.1:{port}"), "Warden <no-reply@example.com>").unwrap();
    let message = Message {
        to: "erin@example.com".into(),
        template: "forgot_password".into(),
        code: "424242".into(),
        pool_id: "eu-west-2_abc".into(),
        username: "erin".into(),
        sent_at: 0,
    };
    smtp.send(&message).await.unwrap();
    let data = tokio::time::timeout(Duration::from_secs(10), server).await.unwrap().unwrap();
    assert!(data.contains("To: erin@example.com"), "{data}");
    assert!(data.contains("Subject: Your password reset code"), "{data}");
    assert!(data.contains("424242"), "{data}");
}

/// Codes go out after the API answers: a mail server that cannot be reached does not fail the
/// send (the failure is logged by the task that tried), and `flush` (a shutdown) still ends.
#[tokio::test]
async fn an_unreachable_server_fails_after_the_answer_and_flush_still_ends() {
    let port = TcpListener::bind("127.0.0.1:0").await.unwrap().local_addr().unwrap().port();
    let smtp = Smtp::new(&format!("smtp://127.0.0.1:{port}"), "no-reply@example.com").unwrap();
    let message = Message {
        to: "a@example.com".into(),
        template: "sign_up".into(),
        code: "1".into(),
        pool_id: "p".into(),
        username: "a".into(),
        sent_at: 0,
    };
    smtp.send(&message).await.expect("handed to a task of its own");
    tokio::time::timeout(Duration::from_secs(20), smtp.flush()).await.expect("flush ends once the send failed");
    assert!(Smtp::new("not a url", "x@example.com").is_err());
    assert!(Smtp::new(&format!("smtp://127.0.0.1:{port}"), "not an address").is_err());
}
