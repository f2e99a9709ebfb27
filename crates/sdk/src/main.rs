//! `scribeauth`: the command line of `python -m scribeauth`, in Rust. Prints the tokens as JSON.

use std::io::{BufRead, Write};
use std::process::ExitCode;

use clap::Parser;
use scribeauth::{PoolConfiguration, ScribeAuth, TokensOrChallenge};

#[derive(Parser)]
#[command(name = "scribeauth", about = "Get tokens from a Cognito-compatible user pool (AWS Cognito or Warden)")]
struct Cli {
    #[arg(long = "client_id")]
    client_id: String,
    #[arg(long = "user_pool_id")]
    user_pool_id: String,
    #[arg(long)]
    username: Option<String>,
    #[arg(long)]
    password: Option<String>,
    #[arg(long = "refresh_token")]
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
    if let Some(refresh) = cli.refresh_token {
        let tokens = auth.get_tokens_with_refresh(&refresh).await?;
        if cli.federated {
            return federated(&auth, &tokens.id_token).await;
        }
        return Ok(serde_json::to_string_pretty(&tokens).unwrap_or_default());
    }
    let (Some(username), Some(password)) = (cli.username, cli.password) else {
        return Err(scribeauth::Error::Unauthorized(
            "Username and/or Password are missing or refresh_token is missing".into(),
        ));
    };
    match auth.get_tokens_with_password(&username, &password).await? {
        TokensOrChallenge::Tokens(t) if cli.federated => federated(&auth, &t.id_token).await,
        TokensOrChallenge::Tokens(t) => Ok(serde_json::to_string_pretty(&t).unwrap_or_default()),
        TokensOrChallenge::Challenge(c) if c.challenge_name == "SOFTWARE_TOKEN_MFA" => {
            print!("Enter MFA code: ");
            std::io::stdout().flush().ok();
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
