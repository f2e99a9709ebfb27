//! `scribeauth`: the command line of `python -m scribeauth`, in Rust. Prints the tokens as JSON.

use std::io::{BufRead, Write};
use std::process::ExitCode;

use clap::Parser;
use scribeauth::{PoolConfiguration, ScribeAuth, TokensOrChallenge};

/// The environment variables that stand in for `--password` and `--refresh_token`: a command
/// line is visible to every user of the machine (`ps`), the environment is not.
const PASSWORD_ENV: &str = "SCRIBEAUTH_PASSWORD";
const REFRESH_TOKEN_ENV: &str = "SCRIBEAUTH_REFRESH_TOKEN";

#[derive(Parser)]
#[command(
    name = "scribeauth",
    about = "Get tokens from a Cognito-compatible user pool (AWS Cognito or Warden)",
    after_help = "Secrets on the command line are visible to other users (ps): prefer setting \
                  SCRIBEAUTH_PASSWORD and SCRIBEAUTH_REFRESH_TOKEN to --password and --refresh_token. \
                  A flag overrides its variable; an empty value counts as not given."
)]
struct Cli {
    #[arg(long = "client_id")]
    client_id: String,
    #[arg(long = "user_pool_id")]
    user_pool_id: String,
    #[arg(long)]
    username: Option<String>,
    /// The password (or set SCRIBEAUTH_PASSWORD, which `ps` does not show).
    #[arg(long, env = PASSWORD_ENV, hide_env_values = true)]
    password: Option<String>,
    /// A refresh token, used instead of the username and password (or set SCRIBEAUTH_REFRESH_TOKEN,
    /// which `ps` does not show).
    #[arg(long = "refresh_token", env = REFRESH_TOKEN_ENV, hide_env_values = true)]
    refresh_token: Option<String>,
    /// Overrides AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER / AWS_ENDPOINT_URL.
    #[arg(long)]
    endpoint: Option<String>,
    /// The identity pool, for --federated.
    #[arg(long = "identity_pool_id")]
    identity_pool_id: Option<String>,
    /// After signing in, print the federated identity id and its temporary credentials.
    #[arg(long, requires = "identity_pool_id")]
    federated: bool,
}

async fn run(cli: Cli) -> Result<String, scribeauth::Error> {
    let mut pool = PoolConfiguration::new(cli.client_id, cli.user_pool_id);
    pool.identity_pool_id = cli.identity_pool_id;
    let auth = ScribeAuth::with_endpoint(pool, cli.endpoint.as_deref());
    // An empty value (`SCRIBEAUTH_REFRESH_TOKEN=`) counts as not given.
    let refresh_token = cli.refresh_token.filter(|t| !t.is_empty());
    let password = cli.password.filter(|p| !p.is_empty());
    if let Some(refresh) = refresh_token {
        let tokens = auth.get_tokens_with_refresh(&refresh).await?;
        if cli.federated {
            return federated(&auth, &tokens.id_token).await;
        }
        return Ok(serde_json::to_string_pretty(&tokens).unwrap_or_default());
    }
    let (Some(username), Some(password)) = (cli.username, password) else {
        return Err(scribeauth::Error::Unauthorized(
            "Username and/or Password are missing or refresh_token is missing".into(),
        ));
    };
    match auth.get_tokens_with_password(&username, &password).await? {
        TokensOrChallenge::Tokens(t) if cli.federated => federated(&auth, &t.id_token).await,
        TokensOrChallenge::Tokens(t) => Ok(serde_json::to_string_pretty(&t).unwrap_or_default()),
        TokensOrChallenge::Challenge(c) if c.challenge_name == "SOFTWARE_TOKEN_MFA" => {
            // On stderr: stdout carries only the JSON, for scripts that capture it.
            eprint!("Enter MFA code: ");
            std::io::stderr().flush().ok();
            let mut code = String::new();
            std::io::stdin().lock().read_line(&mut code).map_err(|e| scribeauth::Error::Unknown(e.to_string()))?;
            let tokens = auth.respond_to_auth_challenge_mfa(&username, &c.session, code.trim()).await?;
            if cli.federated {
                return federated(&auth, &tokens.id_token).await;
            }
            Ok(serde_json::to_string_pretty(&tokens).unwrap_or_default())
        }
        TokensOrChallenge::Challenge(c) => Ok(serde_json::to_string_pretty(&c).unwrap_or_default()),
    }
}

/// `--federated`: the identity id and its credentials, as JSON.
async fn federated(auth: &ScribeAuth, id_token: &str) -> Result<String, scribeauth::Error> {
    let identity_id = auth.get_federated_id(id_token).await?;
    let credentials = auth.get_federated_credentials(&identity_id, id_token).await?;
    Ok(serde_json::to_string_pretty(&serde_json::json!({ "IdentityId": identity_id, "Credentials": credentials }))
        .unwrap_or_default())
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    match run(Cli::parse()).await {
        Ok(out) => {
            println!("{out}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("scribeauth: {e}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;

    fn arg(id: &str) -> clap::Arg {
        Cli::command().get_arguments().find(|a| a.get_id() == id).cloned().unwrap()
    }

    #[test]
    fn the_command_line_is_well_formed() {
        Cli::command().debug_assert();
    }

    #[test]
    fn secrets_can_come_from_the_environment_and_their_values_stay_hidden() {
        for (id, var) in [("password", PASSWORD_ENV), ("refresh_token", REFRESH_TOKEN_ENV)] {
            let arg = arg(id);
            assert_eq!(arg.get_env(), Some(std::ffi::OsStr::new(var)), "{id}");
            assert!(arg.is_hide_env_values_set(), "{id}");
        }
        let help = Cli::command().render_long_help().to_string();
        for var in ["[env: SCRIBEAUTH_PASSWORD", "[env: SCRIBEAUTH_REFRESH_TOKEN"] {
            assert!(help.contains(var), "{help}");
        }
        // Python's flags are still accepted as they are spelled there.
        let cli = Cli::try_parse_from([
            "scribeauth",
            "--client_id",
            "c",
            "--user_pool_id",
            "p",
            "--username",
            "ada",
            "--password",
            "pw",
            "--refresh_token",
            "rt",
        ])
        .unwrap();
        assert_eq!((cli.password.as_deref(), cli.refresh_token.as_deref()), (Some("pw"), Some("rt")));
    }

    /// The only test that touches these variables (tests of this binary run as threads of one
    /// process), so none can race with another.
    #[test]
    fn environment_values_are_read_overridden_by_flags_and_not_shown() {
        std::env::set_var(PASSWORD_ENV, "pw-from-env-7f3a");
        std::env::set_var(REFRESH_TOKEN_ENV, "rt-from-env-9c1d");
        let base = ["scribeauth", "--client_id", "c", "--user_pool_id", "p"];
        let from_env = Cli::try_parse_from(base);
        let flags =
            Cli::try_parse_from(base.into_iter().chain(["--password", "pw-flag", "--refresh_token", "rt-flag"]));
        let help = Cli::command().render_long_help().to_string();
        std::env::remove_var(PASSWORD_ENV);
        std::env::remove_var(REFRESH_TOKEN_ENV);
        let from_env = from_env.unwrap();
        assert_eq!(from_env.password.as_deref(), Some("pw-from-env-7f3a"));
        assert_eq!(from_env.refresh_token.as_deref(), Some("rt-from-env-9c1d"));
        let flags = flags.unwrap();
        assert_eq!((flags.password.as_deref(), flags.refresh_token.as_deref()), (Some("pw-flag"), Some("rt-flag")));
        // Named, but their values are not shown.
        assert!(help.contains("[env: SCRIBEAUTH_PASSWORD]"), "{help}");
        assert!(help.contains("[env: SCRIBEAUTH_REFRESH_TOKEN]"), "{help}");
        assert!(!help.contains("from-env"), "{help}");
        let unset = Cli::try_parse_from(base).unwrap();
        assert_eq!((unset.password, unset.refresh_token), (None, None));
    }
}
