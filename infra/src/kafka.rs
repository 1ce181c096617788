//! The Kafka producer: idempotent, acks from all in-sync replicas, keyed by certificate so
//! one certificate's events stay ordered. Delivery is at-least-once; consumers deduplicate by
//! the `event_id` that every body and the `event_id` header carry.

use healthcert_domain::events::OutgoingEvent;
use rdkafka::ClientConfig;
use rdkafka::message::{Header, OwnedHeaders};
use rdkafka::producer::{FutureProducer, FutureRecord, Producer};
use std::time::Duration;

/// Why an event was not published.
#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    /// The broker refused or could not be reached in time.
    #[error("kafka: {0}")]
    Kafka(#[from] rdkafka::error::KafkaError),
    /// The body does not serialise.
    #[error("event body: {0}")]
    Body(#[from] serde_json::Error),
}

/// A shared, cheaply cloned producer.
#[derive(Clone)]
pub struct EventProducer {
    producer: FutureProducer,
}

impl std::fmt::Debug for EventProducer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EventProducer").finish_non_exhaustive()
    }
}

impl EventProducer {
    /// Creates the producer (it connects in the background).
    pub fn new(bootstrap_servers: &str) -> Result<Self, rdkafka::error::KafkaError> {
        let producer = ClientConfig::new()
            .set("bootstrap.servers", bootstrap_servers)
            .set("client.id", "healthcert")
            .set("enable.idempotence", "true")
            .set("acks", "all")
            .set("message.timeout.ms", "30000")
            .set("linger.ms", "5")
            .set("compression.type", "lz4")
            .create()?;
        Ok(Self { producer })
    }

    /// Publishes one event and waits for the broker's acknowledgement.
    pub async fn publish(&self, event: &OutgoingEvent) -> Result<(), PublishError> {
        let body = serde_json::to_vec(&event.body)?;
        let event_id = event.event_id.to_string();
        let record = FutureRecord::to(&event.topic)
            .key(&event.key)
            .payload(&body)
            .headers(OwnedHeaders::new().insert(Header {
                key: "event_id",
                value: Some(event_id.as_bytes()),
            }));
        self.producer
            .send(record, Duration::from_secs(30))
            .await
            .map(|_| ())
            .map_err(|(e, _)| PublishError::Kafka(e))
    }
}

/// A plain client for readiness checks: it only asks for cluster metadata, so processes that
/// never publish (the API) do not hold an idempotent producer.
#[derive(Clone)]
pub struct KafkaProbe {
    client: std::sync::Arc<rdkafka::producer::BaseProducer>,
}

impl std::fmt::Debug for KafkaProbe {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KafkaProbe").finish_non_exhaustive()
    }
}

impl KafkaProbe {
    /// Creates the probe (it connects in the background).
    pub fn new(bootstrap_servers: &str) -> Result<Self, rdkafka::error::KafkaError> {
        let client = ClientConfig::new()
            .set("bootstrap.servers", bootstrap_servers)
            .set("client.id", "healthcert-probe")
            .create()?;
        Ok(Self {
            client: std::sync::Arc::new(client),
        })
    }

    /// True when the cluster answers a metadata request within `timeout`.
    pub async fn ping(&self, timeout: Duration) -> Result<(), rdkafka::error::KafkaError> {
        let client = self.client.clone();
        tokio::task::spawn_blocking(move || {
            client.client().fetch_metadata(None, timeout).map(|_| ())
        })
        .await
        .unwrap_or(Err(rdkafka::error::KafkaError::Canceled))
    }
}
