//! Client mistakes get RFC 9457 problems with the right status, never a 500.

use crate::helpers::{TestApp, problem};
use serde_json::json;
use uuid::Uuid;

#[tokio::test]
async fn malformed_json_is_400() {
    let app = TestApp::spawn().await;
    let r = app
        .http
        .post(app.url("/api/v1/certificates"))
        .bearer_auth(app.admin())
        .header("content-type", "application/json")
        .body("{\"user_id\": ")
        .send()
        .await
        .expect("req");
    let p = problem(r, 400).await;
    assert!(
        p["type"]
            .as_str()
            .expect("type")
            .ends_with("/malformed-json")
    );
}

#[tokio::test]
async fn a_body_that_is_not_json_is_415() {
    let app = TestApp::spawn().await;
    let r = app
        .http
        .post(app.url("/api/v1/certificates"))
        .bearer_auth(app.admin())
        .header("content-type", "text/plain")
        .body("hello")
        .send()
        .await
        .expect("req");
    problem(r, 415).await;
}

#[tokio::test]
async fn a_bad_uuid_in_the_path_is_400_naming_it() {
    let app = TestApp::spawn().await;
    let p = problem(app.get_certificate(&app.admin(), "not-a-uuid").await, 400).await;
    assert_eq!(p["field"], "id");
    let p = problem(app.list_for_user(&app.admin(), "42").await, 400).await;
    assert_eq!(p["field"], "user_id");
    let p = problem(app.issue(&app.admin(), "nope", None).await, 400).await;
    assert_eq!(p["field"], "id");
}

#[tokio::test]
async fn an_unknown_id_is_404() {
    let app = TestApp::spawn().await;
    let id = Uuid::new_v4().to_string();
    problem(app.get_certificate(&app.admin(), &id).await, 404).await;
    problem(app.issue(&app.admin(), &id, None).await, 404).await;
    let r = app.get("/api/v1/nothing-here").await;
    problem(r, 404).await;
}

#[tokio::test]
async fn an_oversized_body_is_413() {
    let app = TestApp::spawn().await;
    let huge = "x".repeat(app.settings.max_body_bytes + 1);
    let r = app
        .create_certificate(
            &app.admin(),
            &json!({"user_id": Uuid::new_v4(), "certificate_type": "general_health", "issuing_authority": huge}),
        )
        .await;
    problem(r, 413).await;
}

#[tokio::test]
async fn invalid_fields_are_422_naming_the_field() {
    let app = TestApp::spawn().await;
    let token = app.admin();
    let cases = [
        (
            json!({"certificate_type": "general_health", "issuing_authority": "DHA"}),
            "body",
        ),
        (
            json!({"user_id": "abc", "certificate_type": "general_health", "issuing_authority": "DHA"}),
            "user_id",
        ),
        (
            json!({"user_id": Uuid::new_v4(), "certificate_type": "general_health", "issuing_authority": "  "}),
            "issuing_authority",
        ),
        (
            json!({"user_id": Uuid::new_v4(), "certificate_type": 7, "issuing_authority": "DHA"}),
            "certificate_type",
        ),
        (
            json!({"user_id": Uuid::new_v4(), "certificate_type": "general_health", "issuing_authority": "DHA", "certificate_document_url": "ftp://x"}),
            "certificate_document_url",
        ),
        (
            json!({"user_id": Uuid::new_v4(), "certificate_type": "general_health", "issuing_authority": "DHA", "certificate_document_url": "https://[bad"}),
            "certificate_document_url",
        ),
        (
            json!({"user_id": Uuid::new_v4(), "certificate_type": "general_health", "issuing_authority": "DHA", "colour": "red"}),
            "colour",
        ),
    ];
    for (body, field) in cases {
        let r = app.create_certificate(&token, &body).await;
        assert_eq!(r.status(), 422, "{body}");
        let p = problem(r, 422).await;
        assert_eq!(p["field"], field, "{body} -> {p}");
    }

    let c = app.created(Uuid::new_v4(), "general_health").await;
    let id = c["id"].as_str().expect("id");
    let cases = [
        (json!({"exam_result": "great"}), "exam_result"),
        (json!({"exam_date": "2026-13-01"}), "exam_date"),
        (json!({"exam_date": "2999-01-01"}), "exam_date"),
        (
            json!({"exam_result": "fit_with_restrictions"}),
            "restrictions",
        ),
        (json!({"exam_result": "temporarily_unfit"}), "exam_result"),
        (
            json!({"exam_result": "fit_with_restrictions", "restrictions": ["ok", ""]}),
            "restrictions[1]",
        ),
    ];
    for (body, field) in cases {
        let p = problem(app.issue(&token, id, Some(&body)).await, 422).await;
        assert_eq!(p["field"], field, "{body} -> {p}");
    }
    // Nothing was half-written: the certificate is still pending, with one audit row.
    let got: serde_json::Value = app
        .get_certificate(&token, id)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(got["status"], "pending");
    assert_eq!(app.audit_rows(id.parse().expect("uuid")).await.len(), 1);
}

#[tokio::test]
async fn a_malformed_idempotency_key_is_400() {
    let app = TestApp::spawn().await;
    let r = app
        .http
        .post(app.url("/api/v1/certificates"))
        .bearer_auth(app.admin())
        .header("Idempotency-Key", "k".repeat(300))
        .json(&json!({"user_id": Uuid::new_v4(), "certificate_type": "general_health", "issuing_authority": "DHA"}))
        .send()
        .await
        .expect("req");
    let p = problem(r, 400).await;
    assert_eq!(p["field"], "Idempotency-Key");
}

#[tokio::test]
async fn a_wrong_method_is_405() {
    let app = TestApp::spawn().await;
    let r = app
        .http
        .delete(app.url(&format!("/api/v1/certificates/{}", Uuid::new_v4())))
        .bearer_auth(app.admin())
        .send()
        .await
        .expect("req");
    problem(r, 405).await;
}

#[tokio::test]
async fn text_with_control_characters_is_422_not_a_server_error() {
    let app = TestApp::spawn().await;
    let r = app
        .create_certificate(
            &app.admin(),
            &json!({"user_id": Uuid::new_v4(), "certificate_type": "general_health", "issuing_authority": "Dubai\u{0}Health"}),
        )
        .await;
    let p = problem(r, 422).await;
    assert_eq!(p["field"], "issuing_authority");
    let c = app.created(Uuid::new_v4(), "general_health").await;
    let body = json!({"exam_result": "fit_with_restrictions", "restrictions": ["No\u{0} lifting"]});
    let p = problem(
        app.issue(&app.admin(), c["id"].as_str().expect("id"), Some(&body))
            .await,
        422,
    )
    .await;
    assert_eq!(p["field"], "restrictions[0]");
}
