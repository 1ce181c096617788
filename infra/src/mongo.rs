//! The MongoDB client (FerretDB locally, MongoDB in containers).

use crate::settings::MongoSettings;
use mongodb::options::{ClientOptions, Credential, ServerAddress};
use mongodb::{Client, Database, bson::doc};
use secrecy::ExposeSecret;
use std::time::Duration;

/// Connects lazily: the driver dials on first use, so start-up does not wait for the server.
pub fn connect(s: &MongoSettings) -> Result<Database, mongodb::error::Error> {
    let mut options = ClientOptions::builder()
        .hosts(vec![ServerAddress::Tcp {
            host: s.host.clone(),
            port: Some(s.port),
        }])
        .app_name("healthcert".to_owned())
        .server_selection_timeout(Duration::from_secs(5))
        .connect_timeout(Duration::from_secs(5))
        .build();
    if !s.user.is_empty() {
        options.credential = Some(
            Credential::builder()
                .username(s.user.clone())
                .password(s.password.expose_secret().to_owned())
                .build(),
        );
    }
    Ok(Client::with_options(options)?.database(&s.database))
}

/// True when the server answers `ping`.
pub async fn ping(db: &Database) -> Result<(), mongodb::error::Error> {
    db.run_command(doc! { "ping": 1 }).await.map(|_| ())
}
