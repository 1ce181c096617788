//! The Temporal worker: registers every workflow and activity on the task queue and shuts down
//! gracefully (in-flight activities finish) when asked.

use anyhow::Context;
use healthcert_activities::{CertificateActivities, EventActivities};
use healthcert_infra::kafka::EventProducer;
use healthcert_infra::{Settings, postgres, temporal};
use healthcert_workflows::CertificateWorkflow;
use std::future::Future;
use temporalio_common::telemetry::TelemetryOptions;
use temporalio_sdk::runtime::RuntimeOptions;
use temporalio_sdk::{Runtime, Worker, WorkerOptions};

/// Runs the worker until `shutdown` resolves, then drains it.
pub async fn run(settings: &Settings, shutdown: impl Future<Output = ()>) -> anyhow::Result<()> {
    // No SDK logger of its own: the SDK's tracing events then reach the process-wide
    // subscriber (RUST_LOG filters them) instead of a per-thread one that would swallow ours.
    let runtime = Runtime::from_current_tokio(
        RuntimeOptions::builder()
            .telemetry_options(TelemetryOptions::default())
            .build()
            .map_err(|e| anyhow::anyhow!("building the Temporal runtime options: {e}"))?,
    )
    .context("starting the Temporal runtime")?;
    let client = temporal::connect(&settings.temporal)
        .await
        .context("connecting to Temporal")?;
    let pool = postgres::connect_lazy(&settings.postgres);
    let producer = EventProducer::new(&settings.kafka_bootstrap_servers)
        .context("creating the Kafka producer")?;

    let options = WorkerOptions::new(settings.temporal.task_queue.clone())
        .register_activities(CertificateActivities::new(
            pool,
            settings.default_validity_months,
        ))
        .register_activities(EventActivities::new(producer))
        .register_workflow::<CertificateWorkflow>()
        .context("registering CertificateWorkflow")?
        .build();
    let mut worker = Worker::new(&runtime, client, options).context("creating the worker")?;
    let stop = worker.shutdown_handle();
    tracing::info!(task_queue = %settings.temporal.task_queue, "worker polling");
    let run = worker.run();
    tokio::pin!(run);
    tokio::select! {
        result = &mut run => return result.context("worker stopped"),
        () = shutdown => {
            tracing::info!("worker draining");
            stop();
        }
    }
    run.await.context("worker shutdown")?;
    tracing::info!("worker stopped");
    Ok(())
}
