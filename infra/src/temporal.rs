//! The Temporal client, shared by the API (starts, updates, queries) and the worker.

use crate::settings::TemporalSettings;
use std::str::FromStr;
use std::time::Duration;
use temporalio_client::tonic;
use temporalio_client::{Client, ClientOptions, Connection, ConnectionOptions, Url};
use temporalio_common::protos::temporal::api::workflowservice::v1::DescribeNamespaceRequest;

/// Why the Temporal client could not be made.
#[derive(Debug, thiserror::Error)]
pub enum TemporalError {
    /// `TEMPORAL_ADDRESS` is not a URL.
    #[error("TEMPORAL_ADDRESS `{0}` is not a URL")]
    BadAddress(String),
    /// The server did not answer.
    #[error("cannot connect to Temporal: {0}")]
    Connect(String),
    /// The namespace is unknown or the server failed.
    #[error("temporal: {0}")]
    Rpc(String),
}

/// Connects to the server and binds the client to `TEMPORAL_NAMESPACE`.
pub async fn connect(s: &TemporalSettings) -> Result<Client, TemporalError> {
    let url =
        Url::from_str(&s.address).map_err(|_| TemporalError::BadAddress(s.address.clone()))?;
    let conn = Connection::connect(ConnectionOptions::new(url).identity(identity()).build())
        .await
        .map_err(|e| TemporalError::Connect(e.to_string()))?;
    Client::new(conn, ClientOptions::new(s.namespace.clone()).build())
        .map_err(|e| TemporalError::Connect(e.to_string()))
}

fn identity() -> String {
    let host = std::fs::read_to_string("/etc/hostname").unwrap_or_default();
    format!("healthcert@{}:{}", host.trim(), std::process::id())
}

/// True when the namespace can be described within `timeout`.
pub async fn ping(
    client: &Client,
    namespace: &str,
    timeout: Duration,
) -> Result<(), TemporalError> {
    let request = tonic::Request::new(DescribeNamespaceRequest {
        namespace: namespace.to_owned(),
        ..Default::default()
    });
    let mut service = client.connection().workflow_service();
    match tokio::time::timeout(timeout, service.describe_namespace(request)).await {
        Ok(Ok(_)) => Ok(()),
        Ok(Err(status)) => Err(TemporalError::Rpc(status.message().to_owned())),
        Err(_) => Err(TemporalError::Rpc("no answer in time".into())),
    }
}
