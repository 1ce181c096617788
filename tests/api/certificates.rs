//! The certificate vertical slice: create → issue → read, the event, the workflow, the audit.

use crate::helpers::{TestApp, eventually, kafka_events, problem};
use chrono::{Months, NaiveDate, Utc};
use futures::future::join_all;
use healthcert_api::auth::Role;
use healthcert_domain::CertificateNumber;
use healthcert_domain::dates::local_today;
use healthcert_domain::workflow::certificate_workflow_id;
use serde_json::{Value, json};
use std::time::Duration;
use temporalio_client::{WorkflowDescribeOptions, WorkflowListOptions, WorkflowQueryOptions};
use uuid::Uuid;

fn date(v: &Value) -> NaiveDate {
    v.as_str().expect("date string").parse().expect("date")
}

#[tokio::test]
async fn a_created_certificate_is_pending_and_audited() {
    let app = TestApp::spawn().await;
    let user = Uuid::new_v4();
    let c = app.created(user, "food_handler").await;
    assert_eq!(c["status"], "pending");
    assert_eq!(c["user_id"], user.to_string());
    assert_eq!(c["certificate_type"], "food_handler");
    assert_eq!(c["issuing_authority"], "Dubai Health Authority");
    assert!(c["certificate_number"].is_null());
    assert!(c["days_until_expiry"].is_null());
    assert_eq!(c["restrictions"], json!([]));
    let id: Uuid = c["id"].as_str().expect("id").parse().expect("uuid");
    assert_eq!(
        app.audit_rows(id).await,
        [("create".into(), None, Some("pending".into()))]
    );

    let got = app.get_certificate(&app.admin(), &id.to_string()).await;
    assert_eq!(got.status(), 200);
    assert_eq!(got.json::<Value>().await.expect("json"), c);
}

#[tokio::test]
async fn issuing_activates_with_dates_number_event_and_workflow() {
    let app = TestApp::spawn().await;
    let user = Uuid::new_v4();
    let c = app.created(user, "general_health").await;
    let id = c["id"].as_str().expect("id").to_owned();
    let cert_id: Uuid = id.parse().expect("uuid");

    let r = app.issue(&app.admin(), &id, None).await;
    assert_eq!(r.status(), 200);
    let issued: Value = r.json().await.expect("json");

    let got: Value = app
        .get_certificate(&app.admin(), &id)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(got, issued);
    assert_eq!(got["status"], "active");
    let today = local_today(Utc::now());
    assert_eq!(date(&got["issue_date"]), today);
    assert_eq!(
        date(&got["expiry_date"]),
        today.checked_add_months(Months::new(12)).expect("date")
    );
    assert_eq!(
        got["days_until_expiry"],
        (date(&got["expiry_date"]) - today).num_days()
    );
    let number = got["certificate_number"].as_str().expect("number");
    let parsed = CertificateNumber::parse(number).expect("seed format");
    assert!(number.starts_with("GH-"), "{number}");
    assert_eq!(
        parsed.certificate_type(),
        healthcert_domain::CertificateType::GeneralHealth
    );

    // The issued event, with exactly the seed's fields plus event_id and occurred_at.
    let events = kafka_events(
        &app.settings,
        "noor.health.certificate.issued",
        &id,
        1,
        Duration::from_secs(60),
    )
    .await;
    assert_eq!(events.len(), 1, "{events:?}");
    let body = &events[0].body;
    let mut keys: Vec<&str> = body
        .as_object()
        .expect("object")
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "certificate_id",
            "certificate_type",
            "event_id",
            "event_type",
            "expiry_date",
            "issue_date",
            "occurred_at",
            "user_id"
        ]
    );
    assert_eq!(body["event_type"], "ISSUED");
    assert_eq!(body["certificate_id"], id);
    assert_eq!(body["user_id"], user.to_string());
    assert_eq!(body["certificate_type"], "general_health");
    assert_eq!(body["issue_date"], got["issue_date"]);
    assert_eq!(body["expiry_date"], got["expiry_date"]);
    assert_eq!(
        events[0].event_id_header.as_deref(),
        body["event_id"].as_str()
    );

    // The workflow, by id and by search attribute.
    let temporal = app.state.temporal();
    let wf_id = certificate_workflow_id(cert_id);
    let handle = temporal.get_workflow_handle::<healthcert_workflows::CertificateWorkflow>(&wf_id);
    let described = handle
        .describe(WorkflowDescribeOptions::default())
        .await
        .expect("describe");
    assert_eq!(described.workflow_type(), "CertificateWorkflow");
    let state = eventually(
        Duration::from_secs(30),
        "the event to leave the outbox",
        || {
            let handle = &handle;
            async move {
                let state = handle
                    .query(
                        healthcert_workflows::CertificateWorkflow::state,
                        (),
                        WorkflowQueryOptions::default(),
                    )
                    .await
                    .expect("query");
                (state.events_pending == 0).then_some(state)
            }
        },
    )
    .await;
    assert_eq!(state.status, healthcert_domain::CertificateStatus::Active);
    assert_eq!(state.expiry_date, Some(date(&got["expiry_date"])));
    assert_eq!(state.events_recorded, 1);
    let query = format!("CertificateId = '{id}' AND CertificateStatus = 'active'");
    let listed = eventually(
        Duration::from_secs(30),
        "the workflow in visibility",
        || {
            let query = query.clone();
            async move {
                use futures::StreamExt;
                let mut stream = temporal.list_workflows(query, WorkflowListOptions::default());
                let mut ids = Vec::new();
                while let Some(e) = stream.next().await {
                    ids.push(e.expect("list").id().to_owned());
                }
                (!ids.is_empty()).then_some(ids)
            }
        },
    )
    .await;
    assert_eq!(listed, [wf_id]);

    assert_eq!(
        app.audit_rows(cert_id).await,
        [
            ("create".into(), None, Some("pending".into())),
            (
                "issue".into(),
                Some("pending".into()),
                Some("active".into())
            )
        ]
    );
}

#[tokio::test]
async fn driving_medicals_are_valid_for_24_months() {
    let app = TestApp::spawn().await;
    let c = app.created(Uuid::new_v4(), "driving_medical").await;
    let r = app
        .issue(&app.admin(), c["id"].as_str().expect("id"), None)
        .await;
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.expect("json");
    assert_eq!(
        date(&v["expiry_date"]),
        date(&v["issue_date"])
            .checked_add_months(Months::new(24))
            .expect("date")
    );
    assert!(
        v["certificate_number"]
            .as_str()
            .expect("number")
            .starts_with("DM-")
    );
}

#[tokio::test]
async fn every_seed_type_can_be_created_and_an_unknown_one_is_422() {
    let app = TestApp::spawn().await;
    for t in [
        "general_health",
        "occupational_health",
        "food_handler",
        "healthcare_worker",
        "childcare_worker",
        "fitness_to_work",
        "driving_medical",
        "aviation_medical",
    ] {
        assert_eq!(app.created(Uuid::new_v4(), t).await["certificate_type"], t);
    }
    let r = app
        .create_certificate(
            &app.admin(),
            &json!({"user_id": Uuid::new_v4(), "certificate_type": "dental", "issuing_authority": "DHA"}),
        )
        .await;
    let p = problem(r, 422).await;
    assert_eq!(p["field"], "certificate_type");
    assert!(
        p["detail"]
            .as_str()
            .expect("detail")
            .contains("aviation_medical"),
        "{p}"
    );
}

#[tokio::test]
async fn exam_details_are_returned_to_readers_and_encrypted_at_rest() {
    let app = TestApp::spawn().await;
    let c = app.created(Uuid::new_v4(), "occupational_health").await;
    let id = c["id"].as_str().expect("id").to_owned();
    let body = json!({
        "exam_date": "2026-11-30",
        "exam_result": "fit_with_restrictions",
        "restrictions": ["No heavy lifting", "No night shifts"]
    });
    let r = app.issue(&app.admin(), &id, Some(&body)).await;
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.expect("json");
    assert_eq!(v["exam_date"], "2026-11-30");
    assert_eq!(v["exam_result"], "fit_with_restrictions");
    assert_eq!(
        v["restrictions"],
        json!(["No heavy lifting", "No night shifts"])
    );

    let (stored,): (String,) =
        sqlx::query_as("SELECT medical::text FROM health_certificates WHERE id = $1")
            .bind(id.parse::<Uuid>().expect("uuid"))
            .fetch_one(app.state.pool())
            .await
            .expect("row");
    assert!(
        !stored.contains("heavy") && !stored.contains("fit_with"),
        "{stored}"
    );
    assert!(stored.contains("key_id"), "{stored}");

    // Temporal holds the ciphertext only.
    let history = app
        .state
        .temporal()
        .get_workflow_handle::<healthcert_workflows::CertificateWorkflow>(&certificate_workflow_id(
            id.parse().expect("uuid"),
        ))
        .fetch_history(Default::default())
        .into_events()
        .await
        .expect("history");
    let dump = format!("{history:?}");
    assert!(!dump.contains("heavy lifting") && !dump.contains("night shifts"));
}

#[tokio::test]
async fn issuing_a_certificate_that_is_not_pending_is_409() {
    let app = TestApp::spawn().await;
    let c = app.created(Uuid::new_v4(), "aviation_medical").await;
    let id = c["id"].as_str().expect("id").to_owned();
    assert_eq!(app.issue(&app.admin(), &id, None).await.status(), 200);
    let p = problem(app.issue(&app.admin(), &id, None).await, 409).await;
    assert!(
        p["detail"].as_str().expect("detail").contains("active"),
        "{p}"
    );
}

#[tokio::test]
async fn concurrent_issues_of_one_certificate_issue_it_once() {
    let app = TestApp::spawn().await;
    let c = app.created(Uuid::new_v4(), "healthcare_worker").await;
    let id = c["id"].as_str().expect("id").to_owned();
    let token = app.admin();
    let responses = join_all((0..5).map(|_| app.issue(&token, &id, None))).await;
    let mut statuses: Vec<u16> = responses.iter().map(|r| r.status().as_u16()).collect();
    statuses.sort_unstable();
    assert_eq!(statuses, [200, 409, 409, 409, 409]);
    let issues = app.issue_count(id.parse().expect("uuid")).await;
    assert_eq!(issues, 1);
}

#[tokio::test]
async fn a_holder_lists_their_certificates_newest_first() {
    let app = TestApp::spawn().await;
    let user = Uuid::new_v4();
    let first = app.created(user, "general_health").await;
    let second = app.created(user, "food_handler").await;
    app.created(Uuid::new_v4(), "food_handler").await;
    let token = app.token(user, &[Role::Employee], None);
    let r = app.list_for_user(&token, &user.to_string()).await;
    assert_eq!(r.status(), 200);
    let list: Vec<Value> = r.json().await.expect("json");
    assert_eq!(list, [second, first]);
}

#[tokio::test]
async fn a_create_retried_with_its_idempotency_key_creates_one_certificate() {
    let app = TestApp::spawn().await;
    let token = app.admin();
    let key = Uuid::new_v4().to_string();
    let body = json!({"user_id": Uuid::new_v4(), "certificate_type": "food_handler", "issuing_authority": "DHA"});
    let send = |body: Value| {
        app.http
            .post(app.url("/api/v1/certificates"))
            .bearer_auth(&token)
            .header("Idempotency-Key", &key)
            .json(&body)
            .send()
    };
    let first = send(body.clone()).await.expect("req");
    assert_eq!(first.status(), 201);
    let first: Value = first.json().await.expect("json");
    let again = send(body.clone()).await.expect("req");
    assert_eq!(again.status(), 201);
    assert_eq!(again.json::<Value>().await.expect("json"), first);
    let id: Uuid = first["id"].as_str().expect("id").parse().expect("uuid");
    assert_eq!(app.audit_rows(id).await.len(), 1);

    let mut different = body.clone();
    different["certificate_type"] = json!("general_health");
    let p = problem(send(different).await.expect("req"), 422).await;
    assert_eq!(p["field"], "Idempotency-Key");

    // Keys belong to their caller: another caller's identical key makes another certificate.
    let other = app
        .http
        .post(app.url("/api/v1/certificates"))
        .bearer_auth(app.admin())
        .header("Idempotency-Key", &key)
        .json(&body)
        .send()
        .await
        .expect("req");
    assert_eq!(other.status(), 201);
    assert_ne!(
        other.json::<Value>().await.expect("json")["id"],
        first["id"]
    );
}

#[tokio::test]
async fn an_issue_retried_with_its_idempotency_key_returns_the_first_outcome() {
    let app = TestApp::spawn().await;
    let c = app.created(Uuid::new_v4(), "general_health").await;
    let id = c["id"].as_str().expect("id").to_owned();
    let token = app.admin();
    let key = Uuid::new_v4().to_string();
    let send = |key: String| {
        app.http
            .put(app.url(&format!("/api/v1/certificates/{id}/issue")))
            .bearer_auth(&token)
            .header("Idempotency-Key", key)
            .send()
    };
    let first = send(key.clone()).await.expect("req");
    assert_eq!(first.status(), 200);
    let first: Value = first.json().await.expect("json");
    let again = send(key.clone()).await.expect("req");
    assert_eq!(again.status(), 200);
    let again: Value = again.json().await.expect("json");
    assert_eq!(again["certificate_number"], first["certificate_number"]);
    problem(send(Uuid::new_v4().to_string()).await.expect("req"), 409).await;
    let issues = app.issue_count(id.parse().expect("uuid")).await;
    assert_eq!(issues, 1);
}

#[tokio::test]
async fn every_response_carries_a_request_id_that_the_audit_row_keeps() {
    let app = TestApp::spawn().await;
    let r = app.get("/health/live").await;
    let generated = r.headers()["x-request-id"]
        .to_str()
        .expect("ascii")
        .to_owned();
    assert!(Uuid::parse_str(&generated).is_ok(), "{generated}");

    let request_id = format!("client-{}", Uuid::new_v4());
    let r = app
        .http
        .post(app.url("/api/v1/certificates"))
        .bearer_auth(app.admin())
        .header("x-request-id", &request_id)
        .json(&json!({"user_id": Uuid::new_v4(), "certificate_type": "general_health", "issuing_authority": "DHA"}))
        .send()
        .await
        .expect("req");
    assert_eq!(r.status(), 201);
    assert_eq!(r.headers()["x-request-id"], request_id.as_str());
    let id: Uuid = r.json::<Value>().await.expect("json")["id"]
        .as_str()
        .expect("id")
        .parse()
        .expect("uuid");
    let (correlation,): (String,) = sqlx::query_as(
        "SELECT correlation FROM audit_log WHERE entity_id = $1 AND action = 'create'",
    )
    .bind(id)
    .fetch_one(app.state.pool())
    .await
    .expect("audit row");
    assert_eq!(correlation, format!("request:{request_id}"));
}
