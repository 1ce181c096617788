//! The OpenAPI document of the API, generated from the handlers and their types, served at
//! `/api/v1/openapi.json`. Closed vocabularies come from the domain's own lists, so the
//! document cannot drift from what the API accepts.

use crate::error::Problem;
use crate::routes::certificates::{self, CertificateView, CreateCertificateRequest, IssueRequest};
use healthcert_domain::{CertificateStatus, CertificateType, ExamResult};
use utoipa::openapi::schema::{Object, ObjectBuilder, Type};
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

fn string_enum<'a>(values: impl IntoIterator<Item = &'a str>) -> Object {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(values))
        .build()
}

/// Schema of `certificate_type`.
pub fn certificate_type() -> Object {
    string_enum(CertificateType::ALL.iter().map(|t| t.as_str()))
}

/// Schema of `status`.
pub fn certificate_status() -> Object {
    string_enum(CertificateStatus::ALL.iter().map(|s| s.as_str()))
}

/// Schema of `exam_result`.
pub fn exam_result() -> Object {
    string_enum(ExamResult::ALL.iter().map(|r| r.as_str()))
}
