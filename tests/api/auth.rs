//! Authentication (bearer JWT) and role-based access.

use crate::helpers::{TestApp, problem};
use healthcert_api::auth::Role;
use serde_json::{Value, json};
use uuid::Uuid;

fn body(user: Uuid) -> Value {
    json!({"user_id": user, "certificate_type": "general_health", "issuing_authority": "DHA"})
}

#[tokio::test]
async fn a_request_without_a_token_is_401() {
    let app = TestApp::spawn().await;
    let r = app
        .get(&format!("/api/v1/certificates/{}", Uuid::new_v4()))
        .await;
    problem(r, 401).await;
    let r = app
        .http
        .post(app.url("/api/v1/certificates"))
        .header("authorization", "Basic dXNlcjpwYXNz")
        .json(&body(Uuid::new_v4()))
        .send()
        .await
        .expect("req");
    problem(r, 401).await;
}

#[tokio::test]
async fn forged_expired_and_garbage_tokens_are_401() {
    let app = TestApp::spawn().await;
    let forged = TestApp::spawn_with(&[(
        "JWT_SECRET_KEY",
        "another-secret-of-at-least-32-characters!!",
    )])
    .await
    .admin();
    let now = chrono::Utc::now().timestamp();
    let expired = app
        .state
        .auth()
        .mint(Uuid::new_v4(), &[Role::HealthAdmin], None, now - 7200, 60)
        .expect("mint");
    for token in [forged.as_str(), expired.as_str(), "not.a.jwt", "x"] {
        let r = app.create_certificate(token, &body(Uuid::new_v4())).await;
        problem(r, 401).await;
    }
}

#[tokio::test]
async fn roles_without_the_right_are_403() {
    let app = TestApp::spawn().await;
    let me = Uuid::new_v4();
    for roles in [
        &[Role::Employee][..],
        &[Role::Auditor],
        &[Role::Ops],
        &[Role::MedicalExaminer],
        &[],
    ] {
        let r = app
            .create_certificate(&app.token(me, roles, None), &body(me))
            .await;
        problem(r, 403).await;
    }
    let c = app.created(Uuid::new_v4(), "general_health").await;
    let id = c["id"].as_str().expect("id");
    for roles in [
        &[Role::Employee][..],
        &[Role::Auditor],
        &[Role::Ops],
        &[Role::HrManager],
    ] {
        let r = app
            .issue(&app.token(me, roles, Some(Uuid::new_v4())), id, None)
            .await;
        problem(r, 403).await;
    }
    problem(
        app.get_certificate(&app.token(me, &[Role::Ops], None), id)
            .await,
        403,
    )
    .await;
}

#[tokio::test]
async fn an_employee_reads_only_their_own_certificates() {
    let app = TestApp::spawn().await;
    let me = Uuid::new_v4();
    let mine = app.created(me, "general_health").await;
    let theirs = app.created(Uuid::new_v4(), "general_health").await;
    let token = app.token(me, &[Role::Employee], None);
    assert_eq!(
        app.get_certificate(&token, mine["id"].as_str().expect("id"))
            .await
            .status(),
        200
    );
    problem(
        app.get_certificate(&token, theirs["id"].as_str().expect("id"))
            .await,
        403,
    )
    .await;
    problem(
        app.list_for_user(&token, theirs["user_id"].as_str().expect("user"))
            .await,
        403,
    )
    .await;
}

#[tokio::test]
async fn an_hr_manager_works_within_their_own_company() {
    let app = TestApp::spawn().await;
    let company = Uuid::new_v4();
    let hr = app.token(Uuid::new_v4(), &[Role::HrManager], Some(company));
    let employee = Uuid::new_v4();
    let r = app.create_certificate(&hr, &body(employee)).await;
    assert_eq!(r.status(), 201);
    let created: Value = r.json().await.expect("json");
    assert_eq!(created["company_id"], company.to_string());
    assert_eq!(
        app.get_certificate(&hr, created["id"].as_str().expect("id"))
            .await
            .status(),
        200
    );

    let mut other = body(employee);
    other["company_id"] = json!(Uuid::new_v4());
    problem(app.create_certificate(&hr, &other).await, 403).await;

    let elsewhere = app.created(employee, "food_handler").await;
    problem(
        app.get_certificate(&hr, elsewhere["id"].as_str().expect("id"))
            .await,
        403,
    )
    .await;
    let listed: Vec<Value> = app
        .list_for_user(&hr, &employee.to_string())
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(listed, [created]);
}

#[tokio::test]
async fn medical_examiners_issue_and_auditors_read() {
    let app = TestApp::spawn().await;
    let c = app.created(Uuid::new_v4(), "fitness_to_work").await;
    let id = c["id"].as_str().expect("id");
    let auditor = app.token(Uuid::new_v4(), &[Role::Auditor], None);
    assert_eq!(app.get_certificate(&auditor, id).await.status(), 200);
    let examiner = app.token(Uuid::new_v4(), &[Role::MedicalExaminer], None);
    assert_eq!(app.issue(&examiner, id, None).await.status(), 200);
}

#[test]
fn the_service_refuses_to_start_with_a_short_jwt_secret() {
    for secret in ["", "too-short-secret"] {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_healthcert"))
            .arg("api")
            .env("JWT_SECRET_KEY", secret)
            .env("API_PORT", "0")
            .output()
            .expect("run healthcert");
        assert!(!out.status.success());
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("JWT_SECRET_KEY"), "{stderr}");
    }
}
