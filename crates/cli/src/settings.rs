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
        let s: Settings = fig.extract().map_err(|e| {
            let mut msg = format!("bad configuration: {e}");
            if let Some(path) = config {
                msg.push_str(&format!(" (in {} or YIHAOTAI_* variables)", path.display()));
            }
            msg.replace('\n', "; ")
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
        let scheme = self.database_url.split(':').next().unwrap_or("");
        if !matches!(scheme, "sqlite" | "postgres" | "postgresql") {
            return Err(format!(
                "bad configuration: database_url '{}' has an unsupported scheme; use sqlite://PATH or postgres://USER@HOST/DB",
                yihaotai_store::redact_url(&self.database_url)
            ));
        }
        Ok(())
    }

    pub fn service_config(&self) -> yihaotai_service::ServiceConfig {
        yihaotai_service::ServiceConfig {
            session_ttl_ms: self.session_ttl_minutes * 60_000,
            max_failed_logins: self.max_failed_logins,
            failed_login_window_ms: self.failed_login_window_minutes * 60_000,
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
