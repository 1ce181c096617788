//! The OpenAPI document describes every endpoint, its security and the closed vocabularies.

use crate::helpers::TestApp;
use serde_json::{Value, json};

#[tokio::test]
async fn the_openapi_document_describes_the_certificate_endpoints() {
    let app = TestApp::spawn().await;
    let r = app.get("/api/v1/openapi.json").await;
    assert_eq!(r.status(), 200);
    let doc: Value = r.json().await.expect("json");
    assert!(
        doc["openapi"].as_str().is_some_and(|v| v.starts_with("3.")),
        "{doc}"
    );
    let mut paths: Vec<&str> = doc["paths"]
        .as_object()
        .expect("paths")
        .keys()
        .map(String::as_str)
        .collect();
    paths.sort_unstable();
    assert_eq!(
        paths,
        [
            "/api/v1/certificates",
            "/api/v1/certificates/user/{user_id}",
            "/api/v1/certificates/{id}",
            "/api/v1/certificates/{id}/issue"
        ]
    );
    assert_eq!(
        doc["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );
    assert_eq!(doc["security"], json!([{"bearer": []}]));
    let types = &doc["components"]["schemas"]["CreateCertificateRequest"]["properties"]["certificate_type"]
        ["enum"];
    assert_eq!(types.as_array().map(Vec::len), Some(8), "{types}");
    let issue_responses = doc["paths"]["/api/v1/certificates/{id}/issue"]["put"]["responses"]
        .as_object()
        .expect("responses");
    for code in ["200", "400", "401", "403", "404", "409", "422"] {
        assert!(issue_responses.contains_key(code), "issue lacks {code}");
    }
}
