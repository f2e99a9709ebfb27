//! `warden`: the server and its operator commands.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use warden_server::commands::GroupCmd;
use warden_server::commands::{
    self, AccessKeyCmd, ClientCmd, IssuerCmd, KeysCmd, PoolCmd, ResourceServerCmd, TokenArgs, UserCmd,
};
use warden_server::{telemetry, Config};

#[derive(Parser)]
#[command(name = "warden", version, about = "Warden: a self-hosted identity server")]
struct Cli {
    /// A TOML configuration file (environment variables override it).
    #[arg(long, global = true, env = "WARDEN_CONFIG")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the server (creates the data dir and database on first start).
    Serve,
    /// Verify signed or bearer requests and forward them to an upstream (the [gateway] config).
    Gateway,
    /// Apply database migrations and exit.
    Migrate,
    /// Print the effective configuration, secrets redacted.
    Config {
        /// List every key's environment variable instead (`WARDEN_SECTION__KEY`, or the
        /// single-underscore form), with its effective value.
        #[arg(long)]
        env: bool,
    },
    /// User pools.
    #[command(subcommand)]
    Pool(PoolCmd),
    /// App clients.
    #[command(subcommand)]
    Client(ClientCmd),
    /// Resource servers: APIs and the custom scopes clients may be granted.
    #[command(subcommand, name = "resource-server")]
    ResourceServer(ResourceServerCmd),
    /// Users.
    #[command(subcommand)]
    User(UserCmd),
    /// User-pool groups and their members (`cognito:groups` in tokens).
    #[command(subcommand)]
    Group(GroupCmd),
    /// Get an access token for a service client (the client_credentials grant) and print it.
    Token(TokenArgs),
    /// Issuers of self-signed tokens.
    #[command(subcommand)]
    Issuer(IssuerCmd),
    /// Token signing keys.
    #[command(subcommand)]
    Keys(KeysCmd),
    /// Operator access keys for SigV4-signed admin calls.
    #[command(subcommand, name = "access-key")]
    AccessKey(AccessKeyCmd),
}

/// Large allocations (argon2's 19 MiB working memory) always get their own mapping, returned to
/// the system when freed. glibc would otherwise raise its mmap threshold after the first free and
/// keep every later one on the heap, so memory grown during a login burst would never shrink.
#[allow(unsafe_code)]
fn return_large_allocations_to_the_system() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets an allocator tunable; called once, before any thread starts.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 4 << 20);
    }
}

/// Files Warden creates are its user's alone, whatever umask it was started with: the SQLite
/// database with its `-wal` and `-shm`, the dev outbox (the master key is created 0600 anyway).
#[allow(unsafe_code)]
fn owner_only_new_files() {
    #[cfg(unix)]
    // SAFETY: umask only replaces the process's file-creation mask; it cannot fail.
    unsafe {
        libc::umask(0o077);
    }
}

fn main() -> ExitCode {
    return_large_allocations_to_the_system();
    owner_only_new_files();
    let cli = Cli::parse();
    let config = match Config::load(cli.config.as_deref(), |k| std::env::var(k).ok()) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("warden: {e}");
            return ExitCode::from(2);
        }
    };
    // One gateway worker is one thread that both accepts and serves: a multi-thread runtime
    // would accept on this thread and serve on another, a cross-CPU wakeup per connection.
    let mut runtime = match cli.command {
        Command::Gateway if config.gateway.workers == 1 => tokio::runtime::Builder::new_current_thread(),
        Command::Gateway => {
            let mut b = tokio::runtime::Builder::new_multi_thread();
            b.worker_threads(config.gateway.workers);
            b
        }
        _ => tokio::runtime::Builder::new_multi_thread(),
    };
    let runtime = match runtime.enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("warden: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async move {
        match cli.command {
            Command::Serve => {
                telemetry::init(&config.log_format);
                commands::serve(&config).await
            }
            Command::Gateway => {
                telemetry::init(&config.log_format);
                commands::gateway(&config).await
            }
            Command::Migrate => commands::migrate(&config).await,
            Command::Config { env } => commands::show_config(&config, env),
            Command::Pool(c) => commands::pool(&config, c).await,
            Command::Client(c) => commands::client(&config, c).await,
            Command::ResourceServer(c) => commands::resource_server(&config, c).await,
            Command::User(c) => commands::user(&config, c).await,
            Command::Group(c) => commands::group(&config, c).await,
            Command::Token(a) => commands::token(&config, a).await,
            Command::AccessKey(c) => commands::access_key(&config, c).await,
            Command::Issuer(c) => commands::issuer(&config, c).await,
            Command::Keys(c) => commands::keys(&config, c).await,
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("warden: {e}");
            ExitCode::FAILURE
        }
    }
}
