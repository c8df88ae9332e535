//! One typed settings struct: defaults → optional TOML file → `YIHAOTAI_*` environment →
//! command-line flags. Unknown keys in the file are an error, so a typo is caught at start.

use figment::providers::{Env, Format, Serialized, Toml};
use figment::Figment;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// Address and port the web server listens on.
    pub listen: String,
    /// `sqlite://PATH` (created when absent) or `postgres://USER@HOST:PORT/DB`.
    pub database_url: String,
    /// `text` for people, `json` for log collectors.
    pub log_format: String,
    /// A tracing filter such as `info` or `yihaotai_web=debug,info`.
    pub log_level: String,
    /// How long a login lasts, in minutes.
    pub session_ttl_minutes: i64,
    /// Failed logins for one account before it is locked for the window below.
    pub max_failed_logins: i64,
    pub failed_login_window_minutes: i64,
    /// Mark cookies Secure; set when the desk is served over HTTPS.
    pub secure_cookies: bool,
    /// A triage lexicon TOML file to use instead of the built-in one; admins reload it
    /// without a restart (`POST /api/v1/admin/triage/reload`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub triage_lexicon: Option<PathBuf>,
    /// Similar requests from one building or compound that make a cluster (集中诉求)...
    pub cluster_min_count: i64,
    /// ...when they come within this many minutes of the first.
    pub cluster_window_minutes: i64,
    /// Login attempts from one client address within the window before it is refused.
    pub max_logins_per_address: i64,
    /// The longest wait, in seconds, imposed on each attempt at an account under attack.
    pub login_delay_max_seconds: i64,
    /// Read the client address from `X-Forwarded-For` (only behind a proxy that sets it).
    pub trust_forwarded_for: bool,
    /// Connections served at once; one more gets 503 and is closed.
    pub max_connections: i64,
    /// Seconds a client has to send a request's headers (also the keep-alive idle limit).
    pub header_timeout_seconds: i64,
    /// Seconds a handler has to answer, reading the body included.
    pub request_timeout_seconds: i64,
    /// Longest wait, in seconds, for the next piece of a request body.
    pub body_timeout_seconds: i64,
    /// A connection that moves no byte for this many seconds is closed.
    pub idle_timeout_seconds: i64,
    /// A separate address serving `/metrics` (and `/healthz`) without login, for the
    /// monitoring system only, e.g. 127.0.0.1:9100.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metrics_listen: Option<String>,
    /// A bearer token that opens `/metrics` on the desk's own address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metrics_token: Option<SecretString>,
}

/// A setting that is a secret: printed and logged as `****`.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct SecretString(pub String);

impl std::fmt::Debug for SecretString {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("****")
    }
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            listen: "127.0.0.1:8080".into(),
            database_url: "sqlite://yihaotai.db".into(),
            log_format: "text".into(),
            log_level: "info".into(),
            session_ttl_minutes: 750,
            max_failed_logins: 5,
            failed_login_window_minutes: 15,
            secure_cookies: false,
            triage_lexicon: None,
            cluster_min_count: 5,
            cluster_window_minutes: 120,
            max_logins_per_address: 30,
            login_delay_max_seconds: 16,
            trust_forwarded_for: false,
            max_connections: 1024,
            header_timeout_seconds: 10,
            request_timeout_seconds: 10,
            body_timeout_seconds: 10,
            idle_timeout_seconds: 60,
            metrics_listen: None,
            metrics_token: None,
        }
    }
}

/// Flags that override the file and environment when given.
#[derive(Debug, Default, Serialize)]
pub struct Overrides {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub listen: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub database_url: Option<String>,
}

const KEYS: &[&str] = &[
    "listen",
    "database_url",
    "log_format",
    "log_level",
    "session_ttl_minutes",
    "max_failed_logins",
    "failed_login_window_minutes",
    "secure_cookies",
    "triage_lexicon",
    "cluster_min_count",
    "cluster_window_minutes",
    "max_logins_per_address",
    "login_delay_max_seconds",
    "trust_forwarded_for",
    "max_connections",
    "header_timeout_seconds",
    "request_timeout_seconds",
    "body_timeout_seconds",
    "idle_timeout_seconds",
    "metrics_listen",
    "metrics_token",
];

impl Settings {
    pub fn load(config: Option<&Path>, overrides: &Overrides) -> Result<Settings, String> {
        let mut fig = Figment::from(Serialized::defaults(Settings::default()));
        if let Some(path) = config {
            if !path.exists() {
                return Err(format!("config file {} does not exist", path.display()));
            }
            fig = fig.merge(Toml::file_exact(path));
        }
        fig = fig
            .merge(Env::prefixed("YIHAOTAI_").only(KEYS))
            .merge(Serialized::defaults(overrides));
        // figment's message keeps TOML's own layout (the line, a caret under the fault) and
        // names the file; flattening it onto one line made it unreadable.
        let s: Settings = fig.extract().map_err(|e| {
            let mut msg = format!("bad configuration: {e}");
            // A TOML syntax error names the file itself; a wrong value may come from either.
            match config {
                Some(path) if !msg.contains(&path.display().to_string()) => {
                    msg.push_str(&format!(
                        "\n(in {} or YIHAOTAI_* variables)",
                        path.display()
                    ));
                }
                _ => {}
            }
            msg
        })?;
        s.check()?;
        Ok(s)
    }

    fn check(&self) -> Result<(), String> {
        if self.listen.parse::<std::net::SocketAddr>().is_err() {
            return Err(format!(
                "bad configuration: listen = '{}' is not an address such as 127.0.0.1:8080",
                self.listen
            ));
        }
        if !matches!(self.log_format.as_str(), "text" | "json") {
            return Err(format!(
                "bad configuration: log_format = '{}' must be 'text' or 'json'",
                self.log_format
            ));
        }
        check_log_level(&self.log_level)?;
        if self.session_ttl_minutes < 5 || self.session_ttl_minutes > 7 * 24 * 60 {
            return Err(
                "bad configuration: session_ttl_minutes must be between 5 and 10080".into(),
            );
        }
        if self.max_failed_logins < 1 || self.failed_login_window_minutes < 1 {
            return Err(
                "bad configuration: max_failed_logins and failed_login_window_minutes must be at least 1"
                    .into(),
            );
        }
        if !(2..=1000).contains(&self.cluster_min_count)
            || !(1..=7 * 24 * 60).contains(&self.cluster_window_minutes)
        {
            return Err(
                "bad configuration: cluster_min_count must be between 2 and 1000 and cluster_window_minutes between 1 and 10080"
                    .into(),
            );
        }
        if !(1..=100_000).contains(&self.max_logins_per_address) {
            return Err(
                "bad configuration: max_logins_per_address must be between 1 and 100000".into(),
            );
        }
        if !(1..=300).contains(&self.login_delay_max_seconds) {
            return Err(
                "bad configuration: login_delay_max_seconds must be between 1 and 300".into(),
            );
        }
        if !(1..=1_000_000).contains(&self.max_connections) {
            return Err("bad configuration: max_connections must be between 1 and 1000000".into());
        }
        for (key, v) in [
            ("header_timeout_seconds", self.header_timeout_seconds),
            ("request_timeout_seconds", self.request_timeout_seconds),
            ("body_timeout_seconds", self.body_timeout_seconds),
            ("idle_timeout_seconds", self.idle_timeout_seconds),
        ] {
            if !(1..=3600).contains(&v) {
                return Err(format!(
                    "bad configuration: {key} = {v} must be between 1 and 3600"
                ));
            }
        }
        if self.idle_timeout_seconds < 20 {
            // Live streams send a keep-alive every 15 s; a shorter idle limit would cut them.
            return Err("bad configuration: idle_timeout_seconds must be at least 20".into());
        }
        if let Some(m) = &self.metrics_listen {
            if m.parse::<std::net::SocketAddr>().is_err() {
                return Err(format!(
                    "bad configuration: metrics_listen = '{m}' is not an address such as 127.0.0.1:9100"
                ));
            }
        }
        if let Some(t) = &self.metrics_token {
            if t.0.trim().len() < 16 {
                return Err(
                    "bad configuration: metrics_token must have at least 16 characters".into(),
                );
            }
        }
        let scheme = self.database_url.split(':').next().unwrap_or("");
        if !matches!(scheme, "sqlite" | "postgres" | "postgresql") {
            return Err(format!(
                "bad configuration: database_url '{}' has an unsupported scheme; use sqlite://PATH or postgres://USER@HOST/DB",
                yihaotai_store::redact_url(&self.database_url)
            ));
        }
        Ok(())
    }

    pub fn web_config(&self) -> yihaotai_web::WebConfig {
        let secs = |n: i64| std::time::Duration::from_secs(n as u64);
        yihaotai_web::WebConfig {
            secure_cookies: self.secure_cookies,
            limits: yihaotai_web::server::Limits {
                max_connections: self.max_connections as usize,
                header_timeout: secs(self.header_timeout_seconds),
                idle_timeout: secs(self.idle_timeout_seconds),
                request_timeout: secs(self.request_timeout_seconds),
                body_timeout: secs(self.body_timeout_seconds),
            },
            metrics_token: self.metrics_token.as_ref().map(|t| t.0.trim().to_string()),
        }
    }

    pub fn service_config(&self) -> yihaotai_service::ServiceConfig {
        yihaotai_service::ServiceConfig {
            session_ttl_ms: self.session_ttl_minutes * 60_000,
            max_failed_logins: self.max_failed_logins,
            failed_login_window_ms: self.failed_login_window_minutes * 60_000,
            max_logins_per_address: self.max_logins_per_address,
            login_delay_max_ms: self.login_delay_max_seconds * 1000,
            trust_forwarded_for: self.trust_forwarded_for,
            triage_lexicon: self.triage_lexicon.clone(),
            cluster_rule: yihaotai_domain::triage::ClusterRule {
                min_count: self.cluster_min_count as usize,
                window_ms: self.cluster_window_minutes * 60_000,
                ..yihaotai_service::clusters::default_rule()
            },
            ..Default::default()
        }
    }
}

/// Parses the filter as tracing would, but strictly: a directive it cannot read is an error
/// naming that directive, where tracing would drop it and log less than asked.
fn check_log_level(level: &str) -> Result<(), String> {
    for directive in level.split(',').map(str::trim).filter(|d| !d.is_empty()) {
        if let Err(e) = directive.parse::<tracing_subscriber::filter::Directive>() {
            return Err(format!(
                "bad configuration: log_level '{directive}' is not a tracing directive ({e}); use a level (error, warn, info, debug, trace) or target=level, e.g. yihaotai_web=debug,info"
            ));
        }
    }
    tracing_subscriber::EnvFilter::builder()
        .parse(level)
        .map(|_| ())
        .map_err(|e| format!("bad configuration: log_level '{level}': {e}"))
}

/// Variables with the `YIHAOTAI_` prefix that are read elsewhere, not settings.
const OTHER_VARS: &[&str] = &["CONFIG", "TEST_DATABASE_URL", "SCREENSHOTS"];

/// One warning for each `YIHAOTAI_*` variable that is not a setting, naming the setting
/// it most likely meant: figment ignores them, so a typo would otherwise change nothing
/// without a word.
pub fn unknown_env_warnings(vars: impl IntoIterator<Item = (String, String)>) -> Vec<String> {
    let mut out = Vec::new();
    for (name, _) in vars {
        let Some(rest) = name.strip_prefix("YIHAOTAI_") else {
            continue;
        };
        let key = rest.to_ascii_lowercase();
        if KEYS.contains(&key.as_str()) || OTHER_VARS.contains(&rest) {
            continue;
        }
        let closest = KEYS
            .iter()
            .map(|k| (strsim::levenshtein(&key, k), *k))
            .min()
            .filter(|(d, _)| *d <= 3.max(key.len() / 3));
        out.push(match closest {
            Some((_, k)) => format!(
                "warning: {name} is not a setting and is ignored; did you mean YIHAOTAI_{}?",
                k.to_ascii_uppercase()
            ),
            None => format!(
                "warning: {name} is not a setting and is ignored; the settings are {}",
                KEYS.iter()
                    .map(|k| format!("YIHAOTAI_{}", k.to_ascii_uppercase()))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        });
    }
    out
}

/// A mistake in the configuration found after loading it (a lexicon file that is missing
/// or broken, say): like the errors from `Settings::load`, the binary exits 2 for it.
#[derive(Debug)]
pub struct ConfigError(pub String);

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "bad configuration: {}", self.0)
    }
}

impl std::error::Error for ConfigError {}

/// `--config` or `YIHAOTAI_CONFIG`.
pub fn config_path(flag: Option<PathBuf>) -> Option<PathBuf> {
    flag.or_else(|| std::env::var_os("YIHAOTAI_CONFIG").map(PathBuf::from))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn file_then_flags() {
        let mut f = tempfile::NamedTempFile::new().unwrap();
        writeln!(f, "listen = \"0.0.0.0:9000\"\nlog_format = \"json\"").unwrap();
        let s = Settings::load(Some(f.path()), &Overrides::default()).unwrap();
        assert_eq!(s.listen, "0.0.0.0:9000");
        assert_eq!(s.log_format, "json");
        let o = Overrides {
            listen: Some("127.0.0.1:9001".into()),
            database_url: None,
        };
        let s = Settings::load(Some(f.path()), &o).unwrap();
        assert_eq!(s.listen, "127.0.0.1:9001");
    }

    #[test]
    fn bad_files_are_refused_with_the_reason() {
        let mut f = tempfile::NamedTempFile::new().unwrap();
        writeln!(f, "lissten = \"0.0.0.0:9000\"").unwrap();
        let e = Settings::load(Some(f.path()), &Overrides::default()).unwrap_err();
        assert!(e.contains("lissten"), "{e}");
        let mut f = tempfile::NamedTempFile::new().unwrap();
        writeln!(f, "listen = [").unwrap();
        assert!(Settings::load(Some(f.path()), &Overrides::default()).is_err());
        let mut f = tempfile::NamedTempFile::new().unwrap();
        writeln!(f, "database_url = \"mysql://x\"").unwrap();
        let e = Settings::load(Some(f.path()), &Overrides::default()).unwrap_err();
        assert!(e.contains("unsupported scheme"), "{e}");
        let e = Settings::load(
            Some(Path::new("/nonexistent/y.toml")),
            &Overrides::default(),
        )
        .unwrap_err();
        assert!(e.contains("does not exist"));
    }

    #[test]
    fn a_malformed_log_level_is_refused_naming_the_directive() {
        let mut f = tempfile::NamedTempFile::new().unwrap();
        writeln!(f, "log_level = \"info,yihaotai=loud\"").unwrap();
        let e = Settings::load(Some(f.path()), &Overrides::default()).unwrap_err();
        assert!(e.contains("'yihaotai=loud'"), "{e}");
        for good in [
            "info",
            "yihaotai_web=debug,info",
            "warn,sqlx=error",
            "debug",
        ] {
            assert!(check_log_level(good).is_ok(), "{good}");
        }
    }

    #[test]
    fn toml_errors_keep_their_lines_and_name_the_file() {
        let mut f = tempfile::NamedTempFile::new().unwrap();
        writeln!(f, "listen = \"127.0.0.1:8080\"\nlog_level = [").unwrap();
        let e = Settings::load(Some(f.path()), &Overrides::default()).unwrap_err();
        assert!(e.lines().count() > 2, "{e}");
        assert!(e.contains("line 2"), "{e}");
        assert!(
            e.contains(&f.path().display().to_string()),
            "names the file: {e}"
        );
    }

    #[test]
    fn misspelt_variables_are_named_with_the_closest_setting() {
        let vars = [
            ("YIHAOTAI_DATABSE_URL", "x"),
            ("YIHAOTAI_LOG_LEVEL", "info"),
            ("YIHAOTAI_CONFIG", "y.toml"),
            ("YIHAOTAI_TEST_DATABASE_URL", "postgres://"),
            ("YIHAOTAI_QQQQQQQQQQQQQQQQQQQ", "1"),
            ("PATH", "/bin"),
        ]
        .map(|(k, v)| (k.to_string(), v.to_string()));
        let w = unknown_env_warnings(vars);
        assert_eq!(w.len(), 2, "{w:?}");
        assert!(w[0].contains("YIHAOTAI_DATABSE_URL"), "{}", w[0]);
        assert!(
            w[0].contains("did you mean YIHAOTAI_DATABASE_URL?"),
            "{}",
            w[0]
        );
        assert!(w[1].contains("the settings are"), "{}", w[1]);
    }

    #[test]
    fn the_cluster_rule_is_configurable_within_bounds() {
        let mut f = tempfile::NamedTempFile::new().unwrap();
        writeln!(f, "cluster_min_count = 3\ncluster_window_minutes = 60").unwrap();
        let s = Settings::load(Some(f.path()), &Overrides::default()).unwrap();
        let rule = s.service_config().cluster_rule;
        assert_eq!((rule.min_count, rule.window_ms), (3, 3_600_000));
        let mut f = tempfile::NamedTempFile::new().unwrap();
        writeln!(f, "cluster_min_count = 1").unwrap();
        let e = Settings::load(Some(f.path()), &Overrides::default()).unwrap_err();
        assert!(e.contains("cluster_min_count"), "{e}");
    }
}
