use std::collections::BTreeMap;

use clap::Subcommand;
use serde_json::json;
use warden_core::model::User;
use warden_core::service::CreateUser;
use warden_core::Secret;

use super::{emit, open, CmdResult};
use crate::config::Config;

#[derive(Subcommand)]
pub enum UserCmd {
    /// Create a user with a temporary password (status FORCE_CHANGE_PASSWORD), or with a
    /// permanent one (--password; status CONFIRMED).
    Create {
        #[arg(long)]
        pool_id: String,
        #[arg(long)]
        username: String,
        /// Generated and printed when omitted.
        #[arg(long, conflicts_with = "password")]
        temporary_password: Option<String>,
        /// A permanent password: the user signs in with it directly. Visible to other local
        /// users in the process list while the command runs: prefer --password-stdin.
        #[arg(long)]
        password: Option<String>,
        /// Read the permanent password from the first line of standard input.
        #[arg(long, conflicts_with_all = ["password", "temporary_password"])]
        password_stdin: bool,
        #[arg(long)]
        email: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// List users.
    List {
        #[arg(long)]
        pool_id: String,
        /// A Cognito filter, e.g. 'email = "a@example.com"'.
        #[arg(long)]
        filter: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Show a user.
    Get(Target),
    /// Disable a user (and revoke their tokens).
    Disable(Target),
    /// Enable a user.
    Enable(Target),
    /// Delete a user.
    Delete(Target),
}

#[derive(clap::Args)]
pub struct Target {
    #[arg(long)]
    pool_id: String,
    #[arg(long)]
    username: String,
    #[arg(long)]
    json: bool,
}

/// The first line of `input`, without its line ending; an empty one is refused.
fn read_password_line(mut input: impl std::io::BufRead) -> Result<String, String> {
    let mut line = String::new();
    input.read_line(&mut line).map_err(|e| format!("could not read the password from standard input: {e}"))?;
    let password = line.strip_suffix('\n').map(|l| l.strip_suffix('\r').unwrap_or(l)).unwrap_or(&line);
    if password.is_empty() {
        return Err("no password on standard input".into());
    }
    Ok(password.to_owned())
}

fn shape(u: &User) -> serde_json::Value {
    json!({
        "Username": u.username,
        "Sub": u.id,
        "UserStatus": u.status.as_str(),
        "Enabled": u.enabled,
        "Attributes": u.attributes,
        "UserCreateDate": u.created_at,
    })
}

pub async fn user(config: &Config, cmd: UserCmd) -> CmdResult {
    let app = open(config).await?;
    let w = &app.warden;
    let err = |e: warden_core::CoreError| e.to_string();
    match cmd {
        UserCmd::Create { pool_id, username, temporary_password, password, password_stdin, email, json } => {
            let permanent = if password_stdin { Some(read_password_line(std::io::stdin().lock())?) } else { password };
            let generated = temporary_password.is_none() && permanent.is_none();
            let password = permanent
                .clone()
                .or(temporary_password)
                .unwrap_or_else(warden_core::crypto::random::temporary_password);
            let mut attributes = BTreeMap::new();
            if let Some(e) = email {
                attributes.insert("email".to_owned(), e);
            }
            let password: Secret<String> = password.as_str().into();
            let mut user = w
                .directory
                .admin_create_user(CreateUser {
                    pool_id: pool_id.clone(),
                    username,
                    temporary_password: Some(password.clone()),
                    attributes,
                    message_action: Some("SUPPRESS".into()),
                })
                .await
                .map_err(err)?;
            if permanent.is_some() {
                // As AdminCreateUser then AdminSetUserPassword(Permanent) would: the pool's
                // rules live in those two services only. The first already checked this
                // password against the policy; should the second fail anyway, the half-made
                // user is removed.
                if let Err(e) = w.directory.admin_set_user_password(&pool_id, &user.username, &password, true).await {
                    let _ = w.directory.admin_delete_user(&pool_id, &user.username).await;
                    return Err(err(e));
                }
                user = w.directory.admin_get_user(&pool_id, &user.username).await.map_err(err)?;
            }
            let mut out = shape(&user);
            if generated {
                out["TemporaryPassword"] = json!(password.expose());
            }
            emit(json, &out);
        }
        UserCmd::List { pool_id, filter, json } => {
            let mut all = Vec::new();
            let mut after: Option<String> = None;
            loop {
                let page =
                    w.directory.list_users(&pool_id, filter.as_deref(), 60, after.as_deref()).await.map_err(err)?;
                all.extend(page.users.iter().map(shape));
                match page.next {
                    Some(n) => after = Some(n),
                    None => break,
                }
            }
            emit(json, &serde_json::Value::Array(all));
        }
        UserCmd::Get(t) => {
            let u = w.directory.admin_get_user(&t.pool_id, &t.username).await.map_err(err)?;
            emit(t.json, &shape(&u));
        }
        UserCmd::Disable(t) => {
            w.directory.admin_set_enabled(&t.pool_id, &t.username, false).await.map_err(err)?;
            emit(t.json, &json!({ "Disabled": t.username }));
        }
        UserCmd::Enable(t) => {
            w.directory.admin_set_enabled(&t.pool_id, &t.username, true).await.map_err(err)?;
            emit(t.json, &json!({ "Enabled": t.username }));
        }
        UserCmd::Delete(t) => {
            w.directory.admin_delete_user(&t.pool_id, &t.username).await.map_err(err)?;
            emit(t.json, &json!({ "Deleted": t.username }));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::read_password_line;

    #[test]
    fn a_password_is_the_first_line_of_standard_input() {
        assert_eq!(read_password_line("Sup3r-Secret! \nmore\n".as_bytes()).unwrap(), "Sup3r-Secret! ");
        assert_eq!(read_password_line("p@ss\r\n".as_bytes()).unwrap(), "p@ss");
        assert_eq!(read_password_line("no-newline".as_bytes()).unwrap(), "no-newline");
        assert!(read_password_line("\n".as_bytes()).is_err());
        assert!(read_password_line("".as_bytes()).is_err());
    }
}
