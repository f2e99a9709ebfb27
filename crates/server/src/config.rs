//! Configuration: defaults in code, then an optional TOML file, then `WARDEN_*` environment
//! variables. A value passed in state, never a global.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize, Serializer};
use warden_core::config::{Argon2Params, ThrottleConfig};
use warden_core::{CoreConfig, Secret};

pub mod env;

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
    /// the master key and the dev outbox. An existing directory is left as the operator set it,
    /// with a warning if its group or other users may enter or read it.
    pub fn create_data_dir(&self) -> Result<(), String> {
        use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
        if let Ok(meta) = std::fs::metadata(&self.data_dir) {
            let mode = meta.permissions().mode();
            if let Some(who) = data_dir_exposure(mode) {
                tracing::warn!(
                    data_dir = %self.data_dir.display(),
                    mode = %format!("{:03o}", mode & 0o777),
                    "the data directory is open to {who}: it holds the master key and the database; \
                     make it the owner's alone (chmod 700)"
                );
            }
        }
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(&self.data_dir)
            .map_err(|e| format!("cannot create {}: {e}", self.data_dir.display()))
    }

    /// Defaults, then `file` (if any), then the environment given by `env` (`env.rs`: every
    /// key has a variable, derived from this structure).
    pub fn load(file: Option<&Path>, env: impl Fn(&str) -> Option<String>) -> Result<Self, String> {
        let base = match file {
            Some(path) => {
                let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
                // Read as the configuration first: its errors carry the line and column.
                let _: Self = toml::from_str(&text)
                    .map_err(|e| format!("invalid config file {}: {}", path.display(), toml_error(&text, &e)))?;
                let table: toml::Table = toml::from_str(&text).map_err(|e| e.message().to_owned())?;
                serde_json::to_value(table).map_err(|e| e.to_string())?
            }
            None => serde_json::Value::Object(serde_json::Map::new()),
        };
        let config: Self = env::apply(base, &Self::defaults_tree(), env)?;
        config.validate()?;
        Ok(config)
    }

    /// The default configuration as a tree of keys, which the environment layer walks.
    fn defaults_tree() -> serde_json::Value {
        serde_json::to_value(Self::default()).expect("the configuration serialises")
    }

    /// Every key's environment variables, with the key's dotted path.
    pub fn env_keys() -> Vec<env::EnvKey> {
        env::keys(&Self::defaults_tree())
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
        // Zero would refuse every sign-in; a window under a minute would let guesses through
        // almost unthrottled (zero or negative: not at all).
        if self.throttle.per_user == 0 {
            return Err("throttle per_user (WARDEN_THROTTLE_PER_USER) must be at least 1".into());
        }
        if self.throttle.per_source == 0 {
            return Err("throttle per_source (WARDEN_THROTTLE_PER_SOURCE) must be at least 1".into());
        }
        if self.throttle.window_secs < 60 {
            return Err(format!("throttle window_secs must be at least 60 seconds, got {}", self.throttle.window_secs));
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

/// Who besides its owner may enter or read a data directory with permission bits `mode`, if
/// anyone: the directory holds the master key and the SQLite database.
pub fn data_dir_exposure(mode: u32) -> Option<&'static str> {
    if mode & 0o007 != 0 {
        Some("all users")
    } else if mode & 0o070 != 0 {
        Some("its group")
    } else {
        None
    }
}

/// A TOML error as its location and message. The error's `Display` quotes the offending line of
/// the file, which may hold a secret (a database password, the admin secret), and serde's
/// messages quote a mistyped string value: neither is repeated.
fn toml_error(text: &str, e: &toml::de::Error) -> String {
    let message = without_quoted_strings(e.message()).replace('\n', "; ");
    let Some(span) = e.span() else { return message };
    let mut start = span.start.min(text.len());
    while !text.is_char_boundary(start) {
        start -= 1;
    }
    let before = &text[..start];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().unwrap_or("").chars().count() + 1;
    format!("line {line}, column {column}: {message}")
}

/// `message` with every serde-quoted string value (`string "..."`) replaced by `string "..."`.
fn without_quoted_strings(message: &str) -> String {
    const MARK: &str = "string \"";
    let mut out = String::with_capacity(message.len());
    let mut rest = message;
    while let Some(i) = rest.find(MARK) {
        out.push_str(&rest[..i + MARK.len()]);
        out.push_str("...\"");
        let value = &rest[i + MARK.len()..];
        // The value is Debug-formatted: it ends at the first quote not escaped by a backslash.
        let mut escaped = false;
        let end = value.char_indices().find_map(|(j, c)| match c {
            _ if escaped => {
                escaped = false;
                None
            }
            '\\' => {
                escaped = true;
                None
            }
            '"' => Some(j + 1),
            _ => None,
        });
        rest = end.map_or("", |end| &value[end..]);
    }
    out.push_str(rest);
    out
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

    fn temp_file(text: &str) -> (PathBuf, PathBuf) {
        let dir = std::env::temp_dir().join(format!("warden-config-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("warden.toml");
        std::fs::write(&file, text).unwrap();
        (dir, file)
    }

    #[test]
    fn a_bad_line_is_located_not_quoted() {
        for text in [
            // A syntax error: the value is not quoted.
            "listen = \"127.0.0.1:9000\"\ndatabase_url = postgres://warden:hunter2-s3cr3t@db/warden\n",
            // A string never closed.
            "region = \"eu-west-2\"\nadmin_secret_access_key = \"hunter2-s3cr3t\n",
            // A type error: serde's message quotes the string it got.
            "region = \"eu-west-2\"\n[throttle]\nper_user = \"hunter2-s3cr3t\"\n",
        ] {
            let (dir, file) = temp_file(text);
            let err = Config::load(Some(&file), |_| None).unwrap_err();
            std::fs::remove_dir_all(dir).unwrap();
            assert!(err.starts_with("invalid config file "), "{err}");
            assert!(!err.contains("hunter2"), "the secret is echoed: {err}");
            assert!(err.contains(", column "), "no location: {err}");
            let line = text.lines().position(|l| l.contains("hunter2")).unwrap() + 1;
            assert!(err.contains(&format!("line {line}, column ")), "line {line} expected: {err}");
        }
    }

    #[test]
    fn quoted_strings_leave_serde_messages() {
        assert_eq!(
            without_quoted_strings(r#"invalid type: string "a\"b", expected u32"#),
            r#"invalid type: string "...", expected u32"#
        );
        assert_eq!(without_quoted_strings(r#"invalid value: string "x"#), r#"invalid value: string "...""#);
        assert_eq!(without_quoted_strings("unknown field `x`"), "unknown field `x`");
    }

    #[test]
    fn throttle_limits_that_disable_or_refuse_everything_are_refused() {
        for (name, value) in [("WARDEN_THROTTLE_PER_USER", "0"), ("WARDEN_THROTTLE_PER_SOURCE", "0")] {
            let err = Config::load(None, |k| (k == name).then(|| value.into())).unwrap_err();
            assert!(err.contains(name), "{err}");
        }
        for window in ["0", "-5", "59"] {
            let (dir, file) = temp_file(&format!("[throttle]\nwindow_secs = {window}\n"));
            let err = Config::load(Some(&file), |_| None);
            std::fs::remove_dir_all(dir).unwrap();
            assert!(err.unwrap_err().contains("window_secs"), "window_secs = {window} accepted");
        }
        let (dir, file) = temp_file("[throttle]\nwindow_secs = 60\nper_user = 1\nper_source = 1\n");
        let c = Config::load(Some(&file), |_| None).unwrap();
        std::fs::remove_dir_all(dir).unwrap();
        assert_eq!((c.throttle.window_secs, c.throttle.per_user, c.throttle.per_source), (60, 1, 1));
    }

    #[test]
    fn numbers_that_do_not_fit_are_refused_not_truncated() {
        for name in [
            "WARDEN_THROTTLE_PER_USER",
            "WARDEN_THROTTLE_PER_SOURCE",
            "WARDEN_ARGON2_MEMORY_KIB",
            "WARDEN_ARGON2_ITERATIONS",
        ] {
            // 2^32: `as u32` made it 0.
            let err = Config::load(None, |k| (k == name).then(|| "4294967296".into())).unwrap_err();
            assert!(err.contains(name) && err.contains("at most 4294967295"), "{err}");
        }
        let err = Config::load(None, |k| (k == "WARDEN_CREDENTIALS_TTL_SECS").then(|| "9223372036854775808".into()))
            .unwrap_err();
        assert!(err.contains("WARDEN_CREDENTIALS_TTL_SECS"), "{err}");
        let err = Config::load(None, |k| (k == "WARDEN_THROTTLE_PER_USER").then(|| "-1".into())).unwrap_err();
        assert!(err.contains("WARDEN_THROTTLE_PER_USER must be a whole number"), "{err}");
        let c = Config::load(None, |k| (k == "WARDEN_ARGON2_MEMORY_KIB").then(|| "4294967295".into())).unwrap();
        assert_eq!(c.argon2.memory_kib, u32::MAX);
        let c = Config::load(None, |k| (k == "WARDEN_THROTTLE_PER_USER").then(|| "7".into())).unwrap();
        assert_eq!(c.throttle.per_user, 7);
    }

    #[test]
    fn every_key_has_a_variable_derived_from_the_structure() {
        let names: Vec<String> = Config::env_keys().into_iter().map(|k| k.name).collect();
        for name in ["WARDEN_THROTTLE__WINDOW_SECS", "WARDEN_ARGON2__PARALLELISM", "WARDEN_GATEWAY__MAX_SKEW_SECS"] {
            assert!(names.contains(&name.to_owned()), "{name} missing from {names:?}");
        }
        let c = Config::load(None, |k| (k == "WARDEN_THROTTLE__WINDOW_SECS").then(|| "120".into())).unwrap();
        assert_eq!(c.throttle.window_secs, 120);
        // The single-underscore form keeps working; the `__` form wins over it.
        let c = Config::load(None, |k| (k == "WARDEN_THROTTLE_WINDOW_SECS").then(|| "180".into())).unwrap();
        assert_eq!(c.throttle.window_secs, 180);
        let both: HashMap<&str, &str> =
            [("WARDEN_THROTTLE_WINDOW_SECS", "180"), ("WARDEN_THROTTLE__WINDOW_SECS", "240")].into();
        let c = Config::load(None, |k| both.get(k).map(|v| v.to_string())).unwrap();
        assert_eq!(c.throttle.window_secs, 240);
        // Validation still applies to a value from the environment.
        let err = Config::load(None, |k| (k == "WARDEN_THROTTLE__WINDOW_SECS").then(|| "59".into())).unwrap_err();
        assert!(err.contains("window_secs"), "{err}");
    }

    #[test]
    fn env_values_are_read_as_their_keys_are_typed() {
        // Unset by default, a number when given.
        let c = Config::load(None, |k| (k == "WARDEN_HASH_WORKERS").then(|| "3".into())).unwrap();
        assert_eq!(c.hash_workers, Some(3));
        // Unset by default, a string even when it looks like a number.
        let c = Config::load(None, |k| (k == "WARDEN_PUBLIC_URL").then(|| "8080".into())).unwrap();
        assert_eq!(c.public_url.as_deref(), Some("8080"));
        // Lists and tables as JSON.
        let c = Config::load(None, |k| (k == "WARDEN_GATEWAY__REGIONS").then(|| r#"["us-east-1"]"#.into())).unwrap();
        assert_eq!(c.gateway.regions, ["us-east-1"]);
        let err = Config::load(None, |k| (k == "WARDEN_GATEWAY__REGIONS").then(|| "us-east-1".into())).unwrap_err();
        assert!(err.contains("WARDEN_GATEWAY__REGIONS"), "{err}");
        // A value of the wrong shape is refused and not echoed.
        let err = Config::load(None, |k| (k == "WARDEN_HASH_WORKERS").then(|| "hunter2-s3cr3t".into())).unwrap_err();
        assert!(err.contains("WARDEN_HASH_WORKERS") && !err.contains("hunter2"), "{err}");
    }

    #[test]
    fn the_environment_overrides_a_file_section_key_by_key() {
        let (dir, file) = temp_file("[throttle]\nper_user = 3\nwindow_secs = 600\n");
        let c = Config::load(Some(&file), |k| (k == "WARDEN_THROTTLE__PER_USER").then(|| "4".into())).unwrap();
        std::fs::remove_dir_all(dir).unwrap();
        assert_eq!((c.throttle.per_user, c.throttle.window_secs), (4, 600));
    }

    #[test]
    fn a_data_dir_open_to_others_is_flagged() {
        assert_eq!(data_dir_exposure(0o700), None);
        assert_eq!(data_dir_exposure(0o040_700), None, "the file-type bits are not permissions");
        assert_eq!(data_dir_exposure(0o750), Some("its group"));
        assert_eq!(data_dir_exposure(0o710), Some("its group"));
        assert_eq!(data_dir_exposure(0o755), Some("all users"));
        assert_eq!(data_dir_exposure(0o701), Some("all users"));
    }
}
