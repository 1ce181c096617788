//! `/health/live` (the process answers) and `/health/ready` (every dependency answers; the
//! ones that do not are named).

use crate::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::time::Duration;

const CHECK_TIMEOUT: Duration = Duration::from_secs(3);

/// `GET /health/live`
pub async fn live() -> Json<Value> {
    Json(json!({ "status": "live" }))
}

async fn timed<E: std::fmt::Display>(
    f: impl std::future::Future<Output = Result<(), E>>,
) -> Result<(), String> {
    match tokio::time::timeout(CHECK_TIMEOUT, f).await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(e)) => Err(e.to_string()),
        Err(_) => Err(format!("no answer within {}s", CHECK_TIMEOUT.as_secs())),
    }
}

/// `GET /health/ready`: 200 when PostgreSQL, MongoDB, Redis, Kafka and Temporal all answer,
/// 503 naming those that do not.
pub async fn ready(State(state): State<AppState>) -> (StatusCode, Json<Value>) {
    let (postgres, mongodb, redis, kafka, temporal) = tokio::join!(
        timed(healthcert_infra::postgres::ping(state.pool())),
        timed(healthcert_infra::mongo::ping(state.mongo())),
        timed(state.redis_ping()),
        timed(state.kafka().ping(CHECK_TIMEOUT)),
        timed(healthcert_infra::temporal::ping(
            state.temporal(),
            &state.settings().temporal.namespace,
            CHECK_TIMEOUT
        )),
    );
    let mut checks = BTreeMap::new();
    let mut down = Vec::new();
    for (name, result) in [
        ("postgres", postgres),
        ("mongodb", mongodb),
        ("redis", redis),
        ("kafka", kafka),
        ("temporal", temporal),
    ] {
        match result {
            Ok(()) => {
                checks.insert(name, json!({ "status": "up" }));
            }
            Err(e) => {
                tracing::warn!(dependency = name, error = %e, "readiness check failed");
                checks.insert(name, json!({ "status": "down", "error": e }));
                down.push(name);
            }
        }
    }
    if down.is_empty() {
        (
            StatusCode::OK,
            Json(json!({ "status": "ready", "checks": checks })),
        )
    } else {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({ "status": "unavailable", "down": down, "checks": checks })),
        )
    }
}
