//! The OpenAPI document of the API, generated from the handlers and their types, served at
//! `/api/v1/openapi.json`. Closed vocabularies come from the domain's own lists, so the
//! document cannot drift from what the API accepts.

use crate::error::Problem;
use crate::routes::certificates::{self, CertificateView, CreateCertificateRequest, IssueRequest};
use healthcert_domain::{CertificateStatus, CertificateType, ExamResult};
use utoipa::openapi::schema::{Object, ObjectBuilder, SchemaType, Type};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

/// The document.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Health Certification Service",
        description = "Issues, suspends and revokes employees' health certificates, schedules the \
                       exams behind them and proves compliance. Errors are RFC 9457 problems."
    ),
    paths(certificates::create, certificates::get, certificates::list_for_user, certificates::issue),
    components(schemas(CreateCertificateRequest, IssueRequest, CertificateView, Problem)),
    modifiers(&BearerAuth),
    security(("bearer" = [])),
    tags((name = "certificates", description = "Certificate records and their lifecycle"))
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
    }
}

fn string_enum<'a>(values: impl IntoIterator<Item = &'a str>, nullable: bool) -> Object {
    let mut values: Vec<serde_json::Value> = values.into_iter().map(Into::into).collect();
    let schema_type = if nullable {
        values.push(serde_json::Value::Null);
        SchemaType::from_iter([Type::String, Type::Null])
    } else {
        SchemaType::new(Type::String)
    };
    ObjectBuilder::new()
        .schema_type(schema_type)
        .enum_values(Some(values))
        .build()
}

/// Schema of `certificate_type`.
pub fn certificate_type() -> Object {
    string_enum(CertificateType::ALL.iter().map(|t| t.as_str()), false)
}

/// Schema of `status`.
pub fn certificate_status() -> Object {
    string_enum(CertificateStatus::ALL.iter().map(|s| s.as_str()), false)
}

/// Schema of an optional `exam_result` as stored and returned.
pub fn exam_result() -> Object {
    string_enum(ExamResult::ALL.iter().map(|r| r.as_str()), true)
}

/// Schema of the `exam_result` an issue accepts: a temporarily unfit result cannot back a
/// certificate.
pub fn issuable_exam_result() -> Object {
    string_enum(
        ExamResult::ALL
            .iter()
            .filter(|r| **r != ExamResult::TemporarilyUnfit)
            .map(|r| r.as_str()),
        true,
    )
}
