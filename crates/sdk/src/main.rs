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
}

async fn run(cli: Cli) -> Result<String, scribeauth::Error> {
    let auth =
        ScribeAuth::with_endpoint(PoolConfiguration::new(cli.client_id, cli.user_pool_id), cli.endpoint.as_deref());
    if let Some(refresh) = cli.refresh_token {
        let tokens = auth.get_tokens_with_refresh(&refresh).await?;
        return Ok(serde_json::to_string_pretty(&tokens).unwrap_or_default());
    }
    let (Some(username), Some(password)) = (cli.username, cli.password) else {
        return Err(scribeauth::Error::Unauthorized(
            "Username and/or Password are missing or refresh_token is missing".into(),
        ));
    };
    match auth.get_tokens_with_password(&username, &password).await? {
        TokensOrChallenge::Tokens(t) => Ok(serde_json::to_string_pretty(&t).unwrap_or_default()),
        TokensOrChallenge::Challenge(c) if c.challenge_name == "SOFTWARE_TOKEN_MFA" => {
            print!("Enter MFA code: ");
            std::io::stdout().flush().ok();
            let mut code = String::new();
            std::io::stdin().lock().read_line(&mut code).map_err(|e| scribeauth::Error::Unknown(e.to_string()))?;
            let tokens = auth.respond_to_auth_challenge_mfa(&username, &c.session, code.trim()).await?;
            Ok(serde_json::to_string_pretty(&tokens).unwrap_or_default())
        }
        TokensOrChallenge::Challenge(c) => Ok(serde_json::to_string_pretty(&c).unwrap_or_default()),
    }
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
