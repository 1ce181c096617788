//! Event publication to Kafka (at-least-once; the event id is deterministic).

use healthcert_domain::events::OutgoingEvent;
use healthcert_domain::workflow::activity_names;
use healthcert_infra::kafka::EventProducer;
use std::sync::Arc;
use temporalio_macros::activities;
use temporalio_sdk::ApplicationFailure;
use temporalio_sdk::activities::{ActivityContext, ActivityError};

/// Event activities and the producer they publish with.
pub struct EventActivities {
    producer: EventProducer,
}

impl EventActivities {
    /// Activities publishing through `producer`.
    pub fn new(producer: EventProducer) -> Self {
        Self { producer }
    }
}

#[activities]
impl EventActivities {
    /// Publishes one event and waits for the broker's acknowledgement.
    #[activity(name = activity_names::PUBLISH_EVENT)]
    pub async fn publish(
        self: Arc<Self>,
        ctx: ActivityContext,
        event: OutgoingEvent,
    ) -> Result<(), ActivityError> {
        let span = tracing::info_span!("activity.event.publish",
            event.id = %event.event_id, event.topic = %event.topic, attempt = ctx.info().attempt);
        let _guard = span.enter();
        self.producer.publish(&event).await.map_err(|e| {
            tracing::warn!(error = %e, "publish failed, will be retried");
            ApplicationFailure::new(e).into()
        })
    }
}
