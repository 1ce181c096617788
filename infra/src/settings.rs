//! Typed settings read once from the environment. Every variable, its default and its meaning
//! is listed in `.env.example` and the README; secrets are wrapped so they never print.

use secrecy::{ExposeSecret, SecretString};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::Duration;

/// A variable that is present but unusable.
#[derive(Debug, thiserror::Error)]
#[error("environment variable {name}: {reason}")]
pub struct SettingsError {
    /// The variable's name.
    pub name: &'static str,
    /// What is wrong with it.
    pub reason: String,
}

/// All settings of every process (`api`, `worker`, `dev`, `migrate`).
#[derive(Debug, Clone)]
pub struct Settings {
    /// `SERVICE_NAME`
    pub service_name: String,
    /// `SERVICE_VERSION`
    pub service_version: String,
    /// `ENVIRONMENT`
    pub environment: String,
    /// `API_HOST` and `API_PORT`
    pub api_addr: SocketAddr,
    /// PostgreSQL connection.
    pub postgres: PostgresSettings,
    /// MongoDB connection.
    pub mongo: MongoSettings,
    /// Redis connection.
    pub redis: RedisSettings,
    /// `KAFKA_BOOTSTRAP_SERVERS`
    pub kafka_bootstrap_servers: String,
    /// Temporal connection.
    pub temporal: TemporalSettings,
    /// JWT verification.
    pub jwt: JwtSettings,
    /// Field encryption keys.
    pub field_keys: FieldKeySettings,
    /// `DEFAULT_VALIDITY_MONTHS`
    pub default_validity_months: u32,
    /// `EXPIRY_WARNING_DAYS`, sorted descending.
    pub expiry_warning_days: Vec<u32>,
    /// `MAX_BODY_BYTES`
    pub max_body_bytes: usize,
    /// `REQUEST_TIMEOUT_SECS`
    pub request_timeout: Duration,
    /// `LOG_FORMAT` (`text` or `json`)
    pub log_format: String,
}

/// PostgreSQL connection settings.
#[derive(Debug, Clone)]
pub struct PostgresSettings {
    /// `POSTGRES_HOST`
    pub host: String,
    /// `POSTGRES_PORT`
    pub port: u16,
    /// `POSTGRES_USER`
    pub user: String,
    /// `POSTGRES_PASSWORD`
    pub password: SecretString,
    /// `POSTGRES_DB`
    pub database: String,
    /// `POSTGRES_MAX_CONNECTIONS`
    pub max_connections: u32,
}

/// MongoDB connection settings.
#[derive(Debug, Clone)]
pub struct MongoSettings {
    /// `MONGODB_HOST`
    pub host: String,
    /// `MONGODB_PORT`
    pub port: u16,
    /// `MONGODB_USER` (empty: no authentication)
    pub user: String,
    /// `MONGODB_PASSWORD`
    pub password: SecretString,
    /// `MONGODB_DB`
    pub database: String,
}

/// Redis connection settings.
#[derive(Debug, Clone)]
pub struct RedisSettings {
    /// `REDIS_HOST`
    pub host: String,
    /// `REDIS_PORT`
    pub port: u16,
    /// `REDIS_PASSWORD` (empty: no authentication)
    pub password: SecretString,
}

/// Temporal connection settings.
#[derive(Debug, Clone)]
pub struct TemporalSettings {
    /// `TEMPORAL_ADDRESS`, e.g. `http://127.0.0.1:7233`
    pub address: String,
    /// `TEMPORAL_NAMESPACE`
    pub namespace: String,
    /// `TEMPORAL_TASK_QUEUE`
    pub task_queue: String,
}

/// JWT verification settings.
#[derive(Debug, Clone)]
pub struct JwtSettings {
    /// `JWT_SECRET_KEY`; the API refuses to start without one of at least 32 characters.
    pub secret: Option<SecretString>,
    /// `JWT_ISSUER`
    pub issuer: String,
    /// `JWT_AUDIENCE`
    pub audience: String,
}

/// Field encryption settings.
#[derive(Debug, Clone)]
pub struct FieldKeySettings {
    /// `FIELD_ENCRYPTION_KEY`: base64 of 32 bytes; required by the API.
    pub key: Option<SecretString>,
    /// `FIELD_ENCRYPTION_KEY_ID`
    pub key_id: String,
    /// `FIELD_ENCRYPTION_PREVIOUS_KEYS`: `id:base64,id:base64`, still accepted for decryption.
    pub previous: Option<SecretString>,
}

/// Minimum length of `JWT_SECRET_KEY`.
pub const MIN_JWT_SECRET_LEN: usize = 32;

impl JwtSettings {
    /// The secret, if it is long enough to be used.
    pub fn validated_secret(&self) -> Result<&SecretString, SettingsError> {
        match &self.secret {
            Some(s) if s.expose_secret().chars().count() >= MIN_JWT_SECRET_LEN => Ok(s),
            Some(_) => Err(SettingsError {
                name: "JWT_SECRET_KEY",
                reason: format!("must be at least {MIN_JWT_SECRET_LEN} characters"),
            }),
            None => Err(SettingsError {
                name: "JWT_SECRET_KEY",
                reason: "is required".into(),
            }),
        }
    }
}

impl Settings {
    /// Reads the process environment.
    pub fn from_env() -> Result<Self, SettingsError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads settings through `lookup` (the environment, or a map in tests).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, SettingsError> {
        let env = Env(&lookup);
        let host: IpAddr = env.parse("API_HOST", IpAddr::V4(Ipv4Addr::LOCALHOST))?;
        let port: u16 = env.parse("API_PORT", 8002)?;
        let mut warning_days = env.list_u32("EXPIRY_WARNING_DAYS", &[30, 14, 7, 1])?;
        warning_days.sort_unstable_by(|a, b| b.cmp(a));
        warning_days.dedup();
        let default_validity_months: u32 = env.parse("DEFAULT_VALIDITY_MONTHS", 12)?;
        if !(1..=120).contains(&default_validity_months) {
            return Err(SettingsError {
                name: "DEFAULT_VALIDITY_MONTHS",
                reason: "must be between 1 and 120".into(),
            });
        }
        Ok(Self {
            service_name: env.string("SERVICE_NAME", "health-certification"),
            service_version: env.string("SERVICE_VERSION", env!("CARGO_PKG_VERSION")),
            environment: env.string("ENVIRONMENT", "development"),
            api_addr: SocketAddr::new(host, port),
            postgres: PostgresSettings {
                host: env.string("POSTGRES_HOST", "127.0.0.1"),
                port: env.parse("POSTGRES_PORT", 5432)?,
                user: env.string("POSTGRES_USER", "healthcert"),
                password: env.secret("POSTGRES_PASSWORD").unwrap_or_default(),
                database: env.string("POSTGRES_DB", "health_certification"),
                max_connections: env.parse("POSTGRES_MAX_CONNECTIONS", 20)?,
            },
            mongo: MongoSettings {
                host: env.string("MONGODB_HOST", "127.0.0.1"),
                port: env.parse("MONGODB_PORT", 27017)?,
                user: env.string("MONGODB_USER", ""),
                password: env.secret("MONGODB_PASSWORD").unwrap_or_default(),
                database: env.string("MONGODB_DB", "health_certification"),
            },
            redis: RedisSettings {
                host: env.string("REDIS_HOST", "127.0.0.1"),
                port: env.parse("REDIS_PORT", 6379)?,
                password: env.secret("REDIS_PASSWORD").unwrap_or_default(),
            },
            kafka_bootstrap_servers: env.string("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092"),
            temporal: TemporalSettings {
                address: env.string("TEMPORAL_ADDRESS", "http://127.0.0.1:7233"),
                namespace: env.string("TEMPORAL_NAMESPACE", "default"),
                task_queue: env.string(
                    "TEMPORAL_TASK_QUEUE",
                    healthcert_domain::workflow::DEFAULT_TASK_QUEUE,
                ),
            },
            jwt: JwtSettings {
                secret: env.secret("JWT_SECRET_KEY"),
                issuer: env.string("JWT_ISSUER", "noor"),
                audience: env.string("JWT_AUDIENCE", "health-certification"),
            },
            field_keys: FieldKeySettings {
                key: env.secret("FIELD_ENCRYPTION_KEY"),
                key_id: env.string("FIELD_ENCRYPTION_KEY_ID", "k1"),
                previous: env.secret("FIELD_ENCRYPTION_PREVIOUS_KEYS"),
            },
            default_validity_months,
            expiry_warning_days: warning_days,
            max_body_bytes: env.parse("MAX_BODY_BYTES", 64 * 1024)?,
            request_timeout: Duration::from_secs(env.parse("REQUEST_TIMEOUT_SECS", 30)?),
            log_format: env.string("LOG_FORMAT", "text"),
        })
    }
}

struct Env<'a, F: Fn(&str) -> Option<String>>(&'a F);

impl<F: Fn(&str) -> Option<String>> Env<'_, F> {
    fn get(&self, name: &str) -> Option<String> {
        (self.0)(name).filter(|v| !v.trim().is_empty())
    }

    fn string(&self, name: &str, default: &str) -> String {
        self.get(name).unwrap_or_else(|| default.to_owned())
    }

    fn secret(&self, name: &str) -> Option<SecretString> {
        self.get(name).map(SecretString::from)
    }

    fn parse<T: std::str::FromStr>(
        &self,
        name: &'static str,
        default: T,
    ) -> Result<T, SettingsError>
    where
        T::Err: std::fmt::Display,
    {
        match self.get(name) {
            None => Ok(default),
            Some(v) => v.trim().parse().map_err(|e: T::Err| SettingsError {
                name,
                reason: format!("`{v}` is not valid: {e}"),
            }),
        }
    }

    fn list_u32(&self, name: &'static str, default: &[u32]) -> Result<Vec<u32>, SettingsError> {
        match self.get(name) {
            None => Ok(default.to_vec()),
            Some(v) => v
                .split(',')
                .map(|p| {
                    p.trim().parse::<u32>().map_err(|e| SettingsError {
                        name,
                        reason: format!("`{p}` is not a number of days: {e}"),
                    })
                })
                .collect(),
        }
    }
}

impl PostgresSettings {
    /// sqlx connect options (the password never appears in a URL or a log line).
    pub fn connect_options(&self) -> sqlx::postgres::PgConnectOptions {
        sqlx::postgres::PgConnectOptions::new()
            .host(&self.host)
            .port(self.port)
            .username(&self.user)
            .password(self.password.expose_secret())
            .database(&self.database)
            .application_name("healthcert")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn settings(vars: &[(&str, &str)]) -> Result<Settings, SettingsError> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Settings::from_lookup(|k| map.get(k).cloned())
    }

    #[test]
    fn defaults_match_the_documented_ones() {
        let s = settings(&[]).expect("defaults");
        assert_eq!(s.api_addr.port(), 8002);
        assert_eq!(s.default_validity_months, 12);
        assert_eq!(s.expiry_warning_days, vec![30, 14, 7, 1]);
        assert_eq!(s.temporal.task_queue, "health-certification");
        assert_eq!(s.jwt.issuer, "noor");
        assert_eq!(s.jwt.audience, "health-certification");
    }

    #[test]
    fn a_short_jwt_secret_is_refused() {
        let s = settings(&[("JWT_SECRET_KEY", "short")]).expect("parses");
        let e = s.jwt.validated_secret().expect_err("too short");
        assert_eq!(e.name, "JWT_SECRET_KEY");
        let s = settings(&[]).expect("parses");
        assert!(s.jwt.validated_secret().is_err());
        let s = settings(&[("JWT_SECRET_KEY", &"x".repeat(32))]).expect("parses");
        assert!(s.jwt.validated_secret().is_ok());
    }

    #[test]
    fn a_bad_number_names_its_variable() {
        let e = settings(&[("API_PORT", "eighty")]).expect_err("bad port");
        assert_eq!(e.name, "API_PORT");
        let e = settings(&[("EXPIRY_WARNING_DAYS", "30,x")]).expect_err("bad list");
        assert_eq!(e.name, "EXPIRY_WARNING_DAYS");
    }

    #[test]
    fn warning_days_are_sorted_descending() {
        let s = settings(&[("EXPIRY_WARNING_DAYS", "1, 30,7,14,7")]).expect("parses");
        assert_eq!(s.expiry_warning_days, vec![30, 14, 7, 1]);
    }

    #[test]
    fn secrets_do_not_print() {
        let s = settings(&[("POSTGRES_PASSWORD", "hunter2-secret")]).expect("parses");
        assert!(!format!("{s:?}").contains("hunter2-secret"));
    }
}
