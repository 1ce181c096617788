//! A worker killed while a certificate workflow is in flight: after a restart the certificate
//! is issued exactly once, with exactly one event id.

use crate::helpers::{TestApp, child_env, eventually, kafka_events};
use healthcert_domain::workflow::certificate_workflow_id;
use std::collections::BTreeSet;
use std::process::{Child, Command, Stdio};
use std::time::Duration;
use temporalio_client::WorkflowFetchHistoryOptions;
use temporalio_common::protos::temporal::api::history::v1::history_event::Attributes;
use uuid::Uuid;

struct WorkerProcess(Child);

impl WorkerProcess {
    fn start(env: &[(String, String)]) -> Self {
        let child = Command::new(env!("CARGO_BIN_EXE_healthcert"))
            .arg("worker")
            .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start worker");
        Self(child)
    }

    fn kill(mut self) {
        // SIGKILL: no graceful shutdown, whatever was in flight is lost.
        self.0.kill().expect("kill worker");
        self.0.wait().expect("reap worker");
    }
}

impl Drop for WorkerProcess {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test]
async fn a_worker_killed_mid_issue_still_issues_exactly_once() {
    let queue = format!("hc-durability-{}", Uuid::new_v4());
    let app = TestApp::spawn_with(&[
        ("TEMPORAL_TASK_QUEUE", &queue),
        ("REQUEST_TIMEOUT_SECS", "110"),
    ])
    .await;
    let env = child_env(&app.settings);
    let c = app.created(Uuid::new_v4(), "childcare_worker").await;
    let id = c["id"].as_str().expect("id").to_owned();
    let cert_id: Uuid = id.parse().expect("uuid");

    // Hold the certificate's row lock so the first worker's issue activity is caught inside
    // its transaction: that is where it will die.
    let mut lock = app.state.pool().begin().await.expect("begin");
    let (lock_pid,): (i32,) = sqlx::query_as("SELECT pg_backend_pid()")
        .fetch_one(&mut *lock)
        .await
        .expect("pid");
    sqlx::query("SELECT 1 FROM health_certificates WHERE id = $1 FOR UPDATE")
        .bind(cert_id)
        .execute(&mut *lock)
        .await
        .expect("lock");

    let first = WorkerProcess::start(&env);
    let token = app.admin();
    let request = {
        let (http, url) = (
            app.http.clone(),
            app.url(&format!("/api/v1/certificates/{id}/issue")),
        );
        tokio::spawn(async move { http.put(url).bearer_auth(token).send().await })
    };
    let pool = app.state.pool().clone();
    eventually(
        Duration::from_secs(60),
        "the first worker's issue activity to block on the row",
        || {
            let pool = pool.clone();
            async move {
                let (waiting,): (i64,) = sqlx::query_as(
                    "SELECT count(*) FROM pg_stat_activity WHERE $1 = ANY(pg_blocking_pids(pid))",
                )
                .bind(lock_pid)
                .fetch_one(&pool)
                .await
                .ok()?;
                (waiting > 0).then_some(())
            }
        },
    )
    .await;
    first.kill();
    lock.rollback().await.expect("release the lock");

    let second = WorkerProcess::start(&env);
    let response = request.await.expect("task").expect("response");
    assert_eq!(
        response.status(),
        200,
        "{}",
        response.text().await.unwrap_or_default()
    );
    let issued: serde_json::Value = response.json().await.expect("json");
    assert_eq!(issued["status"], "active");

    let issues = app.issue_count(cert_id).await;
    assert_eq!(issues, 1, "issued exactly once");
    let events = kafka_events(
        &app.settings,
        "noor.health.certificate.issued",
        &id,
        1,
        Duration::from_secs(90),
    )
    .await;
    let ids: BTreeSet<String> = events
        .iter()
        .map(|e| e.body["event_id"].as_str().expect("event_id").to_owned())
        .collect();
    assert_eq!(ids.len(), 1, "one event id across redeliveries: {events:?}");

    // The workflow saw the first attempt time out and a second one succeed.
    let history = app
        .state
        .temporal()
        .get_workflow_handle::<healthcert_workflows::CertificateWorkflow>(&certificate_workflow_id(
            cert_id,
        ))
        .fetch_history(WorkflowFetchHistoryOptions::default())
        .into_events()
        .await
        .expect("history");
    let issue_attempt = history.iter().find_map(|e| match &e.attributes {
        Some(Attributes::ActivityTaskStartedEventAttributes(a)) => Some(a.attempt),
        _ => None,
    });
    assert!(
        issue_attempt.is_some_and(|a| a >= 2),
        "attempt {issue_attempt:?}"
    );
    drop(second);
}
