//! Liveness, readiness and metrics.

use crate::helpers::TestApp;
use serde_json::Value;

#[tokio::test]
async fn live_and_ready_when_the_stack_is_up() {
    let app = TestApp::spawn().await;
    let r = app.get("/health/live").await;
    assert_eq!(r.status(), 200);
    let r = app.get("/health/ready").await;
    let status = r.status();
    let v: Value = r.json().await.expect("json");
    assert_eq!(status, 200, "{v}");
    for dep in ["postgres", "mongodb", "redis", "kafka", "temporal"] {
        assert_eq!(v["checks"][dep]["status"], "up", "{v}");
    }
}

#[tokio::test]
async fn readiness_names_the_dependency_that_is_down() {
    // Nothing listens on port 1.
    let app = TestApp::spawn_with(&[("REDIS_PORT", "1")]).await;
    let r = app.get("/health/ready").await;
    assert_eq!(r.status(), 503);
    let v: Value = r.json().await.expect("json");
    assert_eq!(v["down"], serde_json::json!(["redis"]), "{v}");
    assert_eq!(v["checks"]["postgres"]["status"], "up");
}

#[tokio::test]
async fn metrics_count_requests_per_route() {
    let app = TestApp::spawn().await;
    app.get_certificate(&app.admin(), &uuid::Uuid::new_v4().to_string())
        .await;
    let text = app.get("/metrics").await.text().await.expect("body");
    assert!(
        text.lines().any(|l| l.starts_with("http_requests_total")
            && l.contains("route=\"/api/v1/certificates/{id}\"")
            && l.contains("status=\"404\"")),
        "{text}"
    );
    assert!(
        text.contains("http_request_duration_seconds_bucket"),
        "{text}"
    );
}
