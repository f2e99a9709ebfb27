//! Configuration: defaults in code, then an optional TOML file, then `WARDEN_*` environment
//! variables. A value passed in state, never a global.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize, Serializer};
use warden_core::config::{Argon2Params, ThrottleConfig};
use warden_core::{CoreConfig, Secret};

fn redact<S: Serializer>(v: &Option<Secret<String>>, s: S) -> Result<S::Ok, S::Error> {
    match v {
        Some(_) => s.serialize_str("**redacted**"),
        None => s.serialize_none(),
    }
}

fn redact_url<S: Serializer>(v: &Option<String>, s: S) -> Result<S::Ok, S::Error> {
    match v {
        Some(url) => s.serialize_str(&warden_store::redact_url(url)),
        None => s.serialize_none(),
    }
}

fn secret_opt<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Secret<String>>, D::Error> {
    Ok(Option::<String>::deserialize(d)?.map(Secret::new))
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// host:port to listen on.
    pub listen: String,
    /// Where the SQLite database, master key and outbox live.
    pub data_dir: PathBuf,
    /// `sqlite://...` or `postgres://...`; defaults to SQLite in the data dir.
    #[serde(serialize_with = "redact_url")]
    pub database_url: Option<String>,
    /// The issuer base; defaults to `http://<listen>`.
    pub public_url: Option<String>,
    pub region: String,
    pub admin_access_key_id: Option<String>,
    #[serde(serialize_with = "redact", deserialize_with = "secret_opt")]
    pub admin_secret_access_key: Option<Secret<String>>,
    /// `smtp://user:pass@host:port` or `smtps://...`; codes go to the dev outbox when unset.
    #[serde(serialize_with = "redact_url")]
    pub smtp_url: Option<String>,
    pub smtp_from: String,
    /// `pretty` or `json`.
    pub log_format: String,
    pub argon2: Argon2Params,
    pub hash_workers: Option<usize>,
    pub throttle: ThrottleConfig,
    /// The `aud` self-signed tokens must carry.
    pub self_signed_audience: String,
    /// `warden gateway`: routes, permissions, upstream.
    pub gateway: warden_gateway::GatewayConfig,
    /// Lifetime of an OAuth authorization code, in seconds (at most 600, RFC 6749 §4.1.2).
    pub authorization_code_ttl_secs: i64,
    /// Lifetime of a hosted-login browser session (single sign-on), in seconds.
    pub browser_session_ttl_secs: i64,
    /// Lifetime of identity-pool temporary credentials (GetCredentialsForIdentity), in seconds.
    pub credentials_ttl_secs: i64,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            listen: "127.0.0.1:8080".into(),
            data_dir: PathBuf::from("./warden-data"),
            database_url: None,
            public_url: None,
            region: "eu-west-2".into(),
            admin_access_key_id: None,
            admin_secret_access_key: None,
            smtp_url: None,
            smtp_from: "Warden <no-reply@localhost>".into(),
            log_format: "pretty".into(),
            argon2: Argon2Params::default(),
            hash_workers: None,
            throttle: ThrottleConfig::default(),
            self_signed_audience: "https://apis.scribelabs.ai".into(),
            gateway: warden_gateway::GatewayConfig::default(),
            authorization_code_ttl_secs: 300,
            browser_session_ttl_secs: 3600,
            credentials_ttl_secs: 3600,
        }
    }
}

impl Config {
    /// Creates the data directory if needed, readable by its owner only: it holds the database,
    /// the master key and the dev outbox. An existing directory is left as the operator set it.
    pub fn create_data_dir(&self) -> Result<(), String> {
        use std::os::unix::fs::DirBuilderExt;
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(&self.data_dir)
            .map_err(|e| format!("cannot create {}: {e}", self.data_dir.display()))
    }

    /// Defaults, then `file` (if any), then the environment given by `env`.
    pub fn load(file: Option<&Path>, env: impl Fn(&str) -> Option<String>) -> Result<Self, String> {
        let mut config = match file {
            Some(path) => {
                let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
                toml::from_str(&text).map_err(|e| format!("invalid config file {}: {e}", path.display()))?
            }
            None => Self::default(),
        };
        config.apply_env(env)?;
        Ok(config)
    }

    fn apply_env(&mut self, env: impl Fn(&str) -> Option<String>) -> Result<(), String> {
        let num = |name: &str| -> Result<Option<u64>, String> {
            env(name).map(|v| v.parse::<u64>().map_err(|_| format!("{name} must be a number, got {v:?}"))).transpose()
        };
        if let Some(v) = env("WARDEN_LISTEN") {
            self.listen = v;
        }
        if let Some(v) = env("WARDEN_DATA_DIR") {
            self.data_dir = v.into();
        }
        if let Some(v) = env("WARDEN_DATABASE_URL") {
            self.database_url = Some(v);
        }
        if let Some(v) = env("WARDEN_PUBLIC_URL") {
            self.public_url = Some(v);
        }
        if let Some(v) = env("WARDEN_REGION") {
            self.region = v;
        }
        if let Some(v) = env("WARDEN_ADMIN_ACCESS_KEY_ID") {
            self.admin_access_key_id = Some(v);
        }
        if let Some(v) = env("WARDEN_ADMIN_SECRET_ACCESS_KEY") {
            self.admin_secret_access_key = Some(Secret::new(v));
        }
        if let Some(v) = env("WARDEN_SMTP_URL") {
            self.smtp_url = Some(v);
        }
        if let Some(v) = env("WARDEN_SMTP_FROM") {
            self.smtp_from = v;
        }
        if let Some(v) = env("WARDEN_SELF_SIGNED_AUDIENCE") {
            self.self_signed_audience = v;
        }
        if let Some(v) = env("WARDEN_GATEWAY_LISTEN") {
            self.gateway.listen = v;
        }
        if let Some(v) = env("WARDEN_GATEWAY_UPSTREAM") {
            self.gateway.upstream = v;
        }
        if let Some(v) = num("WARDEN_GATEWAY_WORKERS")? {
            self.gateway.workers = v as usize;
        }
        if let Some(v) = env("WARDEN_LOG_FORMAT") {
            self.log_format = v;
        }
        if let Some(v) = num("WARDEN_ARGON2_MEMORY_KIB")? {
            self.argon2.memory_kib = v as u32;
        }
        if let Some(v) = num("WARDEN_ARGON2_ITERATIONS")? {
            self.argon2.iterations = v as u32;
        }
        if let Some(v) = num("WARDEN_HASH_WORKERS")? {
            self.hash_workers = Some(v as usize);
        }
        if let Some(v) = num("WARDEN_THROTTLE_PER_USER")? {
            self.throttle.per_user = v as u32;
        }
        if let Some(v) = num("WARDEN_THROTTLE_PER_SOURCE")? {
            self.throttle.per_source = v as u32;
        }
        if let Some(v) = num("WARDEN_AUTHORIZATION_CODE_TTL_SECS")? {
            self.authorization_code_ttl_secs = v as i64;
        }
        if let Some(v) = num("WARDEN_BROWSER_SESSION_TTL_SECS")? {
            self.browser_session_ttl_secs = v as i64;
        }
        if let Some(v) = num("WARDEN_CREDENTIALS_TTL_SECS")? {
            self.credentials_ttl_secs = v as i64;
        }
        self.validate()
    }

    fn validate(&self) -> Result<(), String> {
        if self.region.is_empty()
            || !self.region.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        {
            return Err(format!("region {:?} must be like eu-west-2", self.region));
        }
        if !(1..=1024).contains(&self.gateway.workers) {
            return Err(format!("gateway workers must be 1 to 1024, got {}", self.gateway.workers));
        }
        if !matches!(self.log_format.as_str(), "pretty" | "json") {
            return Err("log_format must be pretty or json".into());
        }
        if !(1..=600).contains(&self.authorization_code_ttl_secs) {
            return Err("authorization_code_ttl_secs must be 1 to 600 seconds".into());
        }
        if !(60..=30 * 86_400).contains(&self.browser_session_ttl_secs) {
            return Err("browser_session_ttl_secs must be 60 seconds to 30 days".into());
        }
        // AWS's bounds for a role session (AssumeRoleWithWebIdentity): 15 minutes to 12 hours.
        if !(900..=43_200).contains(&self.credentials_ttl_secs) {
            return Err("credentials_ttl_secs must be 900 seconds to 12 hours".into());
        }
        if self.admin_access_key_id.is_some() != self.admin_secret_access_key.is_some() {
            return Err("WARDEN_ADMIN_ACCESS_KEY_ID and WARDEN_ADMIN_SECRET_ACCESS_KEY go together".into());
        }
        Ok(())
    }

    pub fn database_url(&self) -> String {
        self.database_url.clone().unwrap_or_else(|| format!("sqlite://{}", self.data_dir.join("warden.db").display()))
    }

    /// The core's part of the configuration; `listen` is the address actually bound.
    pub fn core(&self, listen: &str) -> CoreConfig {
        let mut core = CoreConfig {
            public_url: self.public_url.clone().unwrap_or_else(|| format!("http://{listen}")),
            region: self.region.clone(),
            argon2: self.argon2.clone(),
            throttle: self.throttle.clone(),
            self_signed_audience: self.self_signed_audience.clone(),
            authorization_code_ttl_secs: self.authorization_code_ttl_secs,
            browser_session_ttl_secs: self.browser_session_ttl_secs,
            credentials_ttl_secs: self.credentials_ttl_secs,
            ..CoreConfig::default()
        };
        if let Some(n) = self.hash_workers {
            core.hash_workers = n.max(1);
        }
        core
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    #[test]
    fn a_new_data_dir_is_the_owners_alone() {
        use std::os::unix::fs::PermissionsExt;
        let base = std::env::temp_dir().join(format!("warden-perm-{}", uuid::Uuid::new_v4()));
        let c = Config { data_dir: base.join("data"), ..Config::default() };
        c.create_data_dir().unwrap();
        let mode = std::fs::metadata(&c.data_dir).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o700);
        c.create_data_dir().unwrap();
        std::fs::remove_dir_all(base).unwrap();
    }

    #[test]
    fn env_overrides_file_overrides_defaults() {
        let dir = std::env::temp_dir().join(format!("warden-config-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("warden.toml");
        std::fs::write(&file, "listen = \"127.0.0.1:9000\"\nregion = \"us-east-1\"\n[argon2]\nmemory_kib = 4096\n")
            .unwrap();
        let env: HashMap<&str, &str> = [
            ("WARDEN_REGION", "eu-central-1"),
            ("WARDEN_ADMIN_ACCESS_KEY_ID", "AKIAEXAMPLEEXAMPLE"),
            ("WARDEN_ADMIN_SECRET_ACCESS_KEY", "s3cr3t-s3cr3t-s3cr3t"),
        ]
        .into();
        let c = Config::load(Some(&file), |k| env.get(k).map(|v| v.to_string())).unwrap();
        assert_eq!(c.listen, "127.0.0.1:9000");
        assert_eq!(c.region, "eu-central-1");
        assert_eq!(c.argon2.memory_kib, 4096);
        assert_eq!(c.argon2.iterations, 2, "unset keys keep their defaults");
        let shown = toml::to_string(&c).unwrap();
        assert!(shown.contains("**redacted**") && !shown.contains("s3cr3t"), "{shown}");
    }

    #[test]
    fn bad_values_are_refused() {
        assert!(Config::load(None, |k| (k == "WARDEN_ARGON2_ITERATIONS").then(|| "two".into())).is_err());
        assert!(
            Config::load(None, |k| (k == "WARDEN_ADMIN_ACCESS_KEY_ID").then(|| "AKIAEXAMPLEEXAMPLE".into())).is_err()
        );
        assert!(Config::load(None, |k| (k == "WARDEN_GATEWAY_WORKERS").then(|| "0".into())).is_err());
        let c = Config::load(None, |_| None).unwrap();
        assert_eq!(c.listen, "127.0.0.1:8080");
        assert_eq!(c.gateway.workers, 1);
        let c = Config::load(None, |k| (k == "WARDEN_GATEWAY_WORKERS").then(|| "4".into())).unwrap();
        assert_eq!(c.gateway.workers, 4);
        assert!(c.database_url().starts_with("sqlite://"));
        assert_eq!(c.core("127.0.0.1:8080").credentials_ttl_secs, 3600);
        assert!(Config::load(None, |k| (k == "WARDEN_CREDENTIALS_TTL_SECS").then(|| "60".into())).is_err());
        let c = Config::load(None, |k| (k == "WARDEN_CREDENTIALS_TTL_SECS").then(|| "7200".into())).unwrap();
        assert_eq!(c.core("127.0.0.1:8080").credentials_ttl_secs, 7200);
    }
}
