//! The config file: named profiles holding brokers, librdkafka properties (SASL/TLS) and a
//! schema-registry URL, so that people type `--profile prod` instead of secrets. The file is
//! `$EVOPS_CONFIG`, or `~/.config/evops/config.toml`:
//!
//! ```toml
//! default_profile = "local"
//!
//! [profiles.local]
//! brokers = "127.0.0.1:9092"
//!
//! [profiles.prod]
//! brokers = "b1.prod:9093,b2.prod:9093"
//! schema_registry = "https://registry.prod"
//! schema_registry_ca = "/etc/ssl/registry-ca.pem"
//! [profiles.prod.properties]
//! "security.protocol" = "SASL_SSL"
//! "sasl.mechanism" = "SCRAM-SHA-512"
//! "sasl.username" = "oncall"
//! "sasl.password" = "..."
//! ```
//!
//! Values from the command line win over the profile's.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::error::Error;

/// The parsed config file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct File {
    pub default_profile: Option<String>,
    #[serde(default)]
    pub profiles: BTreeMap<String, Profile>,
}

/// One profile.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    pub brokers: Option<String>,
    pub schema_registry: Option<String>,
    /// The CA certificate (PEM file) an `https://` registry's certificate is checked against,
    /// instead of the system's.
    pub schema_registry_ca: Option<PathBuf>,
    #[serde(default)]
    pub properties: BTreeMap<String, String>,
}

/// Where the config file is looked for.
pub fn default_path() -> Option<PathBuf> {
    std::env::var_os("HOME").map(|h| Path::new(&h).join(".config/evops/config.toml"))
}

/// Where replays keep their checkpoints when no `--checkpoint` is given:
/// `$XDG_STATE_HOME/evops/replays`, or `~/.local/state/evops/replays`.
pub fn replay_state_dir() -> Option<PathBuf> {
    let base = std::env::var_os("XDG_STATE_HOME")
        .filter(|v| Path::new(v).is_absolute())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".local/state")))?;
    Some(base.join("evops/replays"))
}

/// Read the file; a missing file is an empty config unless it was named explicitly.
pub fn load(path: Option<&Path>) -> anyhow::Result<File> {
    let (path, explicit) = match path {
        Some(p) => (p.to_path_buf(), true),
        None => match default_path() {
            Some(p) => (p, false),
            None => return Ok(File::default()),
        },
    };
    let text = match crate::endpoint::file::read_small(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && !explicit => {
            return Ok(File::default())
        }
        Err(e) => {
            return Err(
                Error::Usage(format!("cannot read config file {}: {e}", path.display())).into(),
            )
        }
    };
    parse(&text).map_err(|e| Error::Usage(format!("config file {}: {e}", path.display())).into())
}

/// Parse config text.
pub fn parse(text: &str) -> Result<File, String> {
    toml::from_str(text).map_err(|e| e.message().to_string())
}

impl File {
    /// The profile asked for, or the default one; an unknown name lists the known ones.
    pub fn profile(&self, name: Option<&str>) -> Result<Option<Profile>, Error> {
        let Some(name) = name.or(self.default_profile.as_deref()) else {
            return Ok(None);
        };
        match self.profiles.get(name) {
            Some(p) => Ok(Some(p.clone())),
            None => Err(Error::Usage(format!(
                "no profile '{name}' in the config file (profiles: {})",
                if self.profiles.is_empty() {
                    "none".to_string()
                } else {
                    self.profiles.keys().cloned().collect::<Vec<_>>().join(", ")
                }
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profiles() {
        let f = parse(
            r#"
default_profile = "local"
[profiles.local]
brokers = "127.0.0.1:9092"
[profiles.prod]
brokers = "b:9093"
schema_registry = "https://r"
[profiles.prod.properties]
"security.protocol" = "SASL_SSL"
"#,
        )
        .unwrap();
        assert_eq!(
            f.profile(None).unwrap().unwrap().brokers.as_deref(),
            Some("127.0.0.1:9092")
        );
        let prod = f.profile(Some("prod")).unwrap().unwrap();
        assert_eq!(prod.properties["security.protocol"], "SASL_SSL");
        let err = f.profile(Some("staging")).unwrap_err().to_string();
        assert!(err.contains("local, prod"), "{err}");
        assert!(parse("brokers = 1").is_err());
    }
}
