//! `/api/v1/certificates`: create, read, list per holder, issue.

use crate::AppState;
use crate::auth::policies::{CreateCertificates, IssueCertificates, ReadCertificates};
use crate::auth::{AuthUser, Authorized, Role};
use crate::error::{ApiError, Problem};
use crate::extract::{AppJson, IDEMPOTENCY_HEADER, IdPath, IdempotencyKey, OptionalJson};
use crate::openapi;
use axum::extract::State;
use axum::http::StatusCode;
use axum::{Extension, Json};
use chrono::{DateTime, NaiveDate, Utc};
use healthcert_domain::dates::{days_until, local_today};
use healthcert_domain::workflow::{
    CertificateWorkflowInput, CommandOutcome, IssueCommand, certificate_workflow_id,
};
use healthcert_domain::{CertificateStatus, CertificateType, ExamResult, MedicalDetails};
use healthcert_infra::certificates::{self, Actor, CertificateRecord, Created, NewCertificate};
use healthcert_workflows::CertificateWorkflow;
use healthcert_workflows::search_attributes as sa;
use serde::{Deserialize, Serialize};
use temporalio_client::{WorkflowIdConflictPolicy, WorkflowUpdateWithStartOptions};
use temporalio_common::search_attributes::SearchAttributes;
use tower_http::request_id::RequestId;
use utoipa::ToSchema;
use uuid::Uuid;

const MAX_TEXT: usize = 200;
const MAX_URL: usize = 2048;
const MAX_RESTRICTIONS: usize = 20;

/// Body of `POST /api/v1/certificates`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateCertificateRequest {
    /// The holder.
    pub user_id: Uuid,
    /// One of the eight types.
    #[schema(schema_with = openapi::certificate_type)]
    pub certificate_type: CertificateType,
    /// E.g. "Dubai Health Authority".
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = r"^[^\u0000-\u001F\u007F-\u009F]*\S[^\u0000-\u001F\u007F-\u009F]*$"
    )]
    pub issuing_authority: String,
    /// The role that requires the certificate.
    #[serde(default)]
    pub required_for_role: Option<Uuid>,
    /// The employer it is held for (an HR manager's own company by default).
    #[serde(default)]
    pub company_id: Option<Uuid>,
    /// Where the certificate document is stored: an https URL with a host name.
    #[serde(default)]
    #[schema(
        max_length = 2048,
        pattern = "^https://[A-Za-z0-9.-]+(:[0-9]{1,5})?(/\\S*)?$"
    )]
    pub certificate_document_url: Option<String>,
}

/// Optional body of `PUT /api/v1/certificates/{id}/issue`.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IssueRequest {
    /// Date of the exam behind the certificate.
    #[serde(default)]
    pub exam_date: Option<NaiveDate>,
    /// Its result (`temporarily_unfit` cannot back a certificate).
    #[serde(default)]
    #[schema(schema_with = openapi::issuable_exam_result)]
    pub exam_result: Option<ExamResult>,
    /// Work restrictions: required with `fit_with_restrictions`, empty with `fit`.
    #[serde(default)]
    #[schema(max_items = 20)]
    pub restrictions: Option<Vec<String>>,
}

/// The seed's Health Certificate model, plus the record's links and times.
#[derive(Debug, Serialize, PartialEq, ToSchema)]
pub struct CertificateView {
    /// Id.
    pub id: Uuid,
    /// Holder.
    pub user_id: Uuid,
    /// `GH-20240115120000-ABCD1234`, once issued.
    pub certificate_number: Option<String>,
    /// Type.
    #[schema(schema_with = openapi::certificate_type)]
    pub certificate_type: CertificateType,
    /// Status.
    #[schema(schema_with = openapi::certificate_status)]
    pub status: CertificateStatus,
    /// Local issue date.
    pub issue_date: Option<NaiveDate>,
    /// Local expiry date.
    pub expiry_date: Option<NaiveDate>,
    /// Exam date.
    pub exam_date: Option<NaiveDate>,
    /// Exam result.
    #[schema(schema_with = openapi::exam_result)]
    pub exam_result: Option<ExamResult>,
    /// Restrictions.
    pub restrictions: Vec<String>,
    /// Issuing authority.
    pub issuing_authority: String,
    /// Document location.
    pub certificate_document_url: Option<String>,
    /// Days from today (Asia/Dubai) to expiry; negative once expired, null before issue.
    pub days_until_expiry: Option<i64>,
    /// Role requiring it.
    pub required_for_role: Option<Uuid>,
    /// Employer.
    pub company_id: Option<Uuid>,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
}

impl AppState {
    fn view(&self, r: CertificateRecord) -> Result<CertificateView, ApiError> {
        let medical: MedicalDetails = match &r.medical {
            Some(sealed) => self
                .cipher()
                .open(r.id.as_bytes(), sealed)
                .map_err(ApiError::internal)?,
            None => MedicalDetails::default(),
        };
        let today = local_today(Utc::now());
        Ok(CertificateView {
            id: r.id,
            user_id: r.user_id,
            certificate_number: r.certificate_number.map(String::from),
            certificate_type: r.certificate_type,
            status: r.status,
            issue_date: r.issue_date,
            expiry_date: r.expiry_date,
            exam_date: r.exam_date,
            exam_result: medical.exam_result,
            restrictions: medical.restrictions,
            issuing_authority: r.issuing_authority,
            certificate_document_url: r.certificate_document_url,
            days_until_expiry: r.expiry_date.map(|e| days_until(e, today)),
            required_for_role: r.required_for_role,
            company_id: r.company_id,
            created_at: r.created_at,
            updated_at: r.updated_at,
        })
    }

    async fn load(&self, id: Uuid) -> Result<CertificateRecord, ApiError> {
        certificates::get(self.pool(), id)
            .await?
            .ok_or_else(|| ApiError::NotFound(format!("certificate {id} does not exist")))
    }
}

/// A trimmed, non-empty text of at most `max` characters without control characters (which
/// PostgreSQL's text type cannot hold, in the case of NUL, and no legitimate value contains).
fn bounded_text(field: &str, value: &str, max: usize) -> Result<String, ApiError> {
    let v = value.trim();
    if v.is_empty() {
        return Err(ApiError::validation(field, "must not be empty"));
    }
    if v.chars().any(char::is_control) {
        return Err(ApiError::validation(
            field,
            "must not contain control characters",
        ));
    }
    if v.chars().count() > max {
        return Err(ApiError::validation(
            field,
            format!("must be at most {max} characters"),
        ));
    }
    Ok(v.to_owned())
}

#[utoipa::path(
    post,
    path = "/api/v1/certificates",
    tag = "certificates",
    request_body = CreateCertificateRequest,
    params(("Idempotency-Key" = Option<String>, Header, description = "1 to 255 visible ASCII characters; a retry with the same key returns the first attempt's certificate")),
    responses(
        (status = 201, description = "Created (or replayed for a known idempotency key)", body = CertificateView),
        (status = 400, description = "Malformed JSON or header", content_type = "application/problem+json", body = Problem),
        (status = 401, description = "Missing or invalid bearer token", content_type = "application/problem+json", body = Problem),
        (status = 403, description = "The caller's roles do not allow this", content_type = "application/problem+json", body = Problem),
        (status = 413, description = "Body too large", content_type = "application/problem+json", body = Problem),
        (status = 415, description = "Body is not JSON", content_type = "application/problem+json", body = Problem),
        (status = 422, description = "A field is invalid; `field` names it", content_type = "application/problem+json", body = Problem),
    )
)]
/// `POST /api/v1/certificates`. With an `Idempotency-Key`, a retry returns the certificate the
/// first attempt created.
pub async fn create(
    State(state): State<AppState>,
    Authorized(user, _): Authorized<CreateCertificates>,
    idempotency: IdempotencyKey,
    request_id: Option<Extension<RequestId>>,
    AppJson(req): AppJson<CreateCertificateRequest>,
) -> Result<(StatusCode, Json<CertificateView>), ApiError> {
    let issuing_authority = bounded_text("issuing_authority", &req.issuing_authority, MAX_TEXT)?;
    let certificate_document_url = match req.certificate_document_url.as_deref() {
        None => None,
        Some(url) => {
            let url = bounded_text("certificate_document_url", url, MAX_URL)?;
            let parsed = url::Url::parse(&url).ok().filter(|u| {
                u.scheme() == "https"
                    && u.host_str().is_some()
                    && !url.contains(char::is_whitespace)
            });
            if parsed.is_none() {
                return Err(ApiError::validation(
                    "certificate_document_url",
                    "must be an https URL with a host",
                ));
            }
            Some(url)
        }
    };
    let company_id = if user.has(Role::HealthAdmin) {
        req.company_id
    } else {
        let own = user.company_id.ok_or_else(|| {
            ApiError::Forbidden("your token names no company to create certificates for".into())
        })?;
        if req.company_id.is_some_and(|c| c != own) {
            return Err(ApiError::Forbidden(
                "HR managers may create certificates for their own company only".into(),
            ));
        }
        Some(own)
    };
    let new = NewCertificate {
        id: idempotency
            .scoped_id(user.user_id, "certificate.create")
            .unwrap_or_else(Uuid::new_v4),
        user_id: req.user_id,
        company_id,
        required_for_role: req.required_for_role,
        certificate_type: req.certificate_type,
        issuing_authority,
        certificate_document_url,
    };
    let correlation = match request_id
        .as_ref()
        .and_then(|r| r.header_value().to_str().ok())
    {
        Some(id) => format!("request:{id}"),
        None => format!("request:create:{}", new.id),
    };
    let actor = Actor {
        id: user.user_id,
        correlation: &correlation,
    };
    let record = match certificates::create(state.pool(), &new, &actor).await? {
        Created::New(record) => {
            tracing::info!(certificate.id = %record.id, "certificate created");
            record
        }
        Created::Existing(record) if new.matches(&record) => record,
        Created::Existing(_) => {
            return Err(ApiError::validation(
                IDEMPOTENCY_HEADER,
                "this key was already used for a different request",
            ));
        }
    };
    Ok((StatusCode::CREATED, Json(state.view(record)?)))
}

fn ensure_may_read(user: &AuthUser, r: &CertificateRecord) -> Result<(), ApiError> {
    if user.may_read_holder(r.user_id, r.company_id) {
        Ok(())
    } else {
        Err(ApiError::Forbidden(
            "you may not read this certificate".into(),
        ))
    }
}

#[utoipa::path(
    get,
    path = "/api/v1/certificates/{id}",
    tag = "certificates",
    params(("id" = Uuid, Path, description = "Certificate id")),
    responses(
        (status = 200, description = "The certificate", body = CertificateView),
        (status = 400, description = "The id is not a UUID", content_type = "application/problem+json", body = Problem),
        (status = 401, description = "Missing or invalid bearer token", content_type = "application/problem+json", body = Problem),
        (status = 403, description = "The caller's roles do not allow this", content_type = "application/problem+json", body = Problem),
        (status = 404, description = "No such certificate", content_type = "application/problem+json", body = Problem),
    )
)]
/// `GET /api/v1/certificates/{id}`
pub async fn get(
    State(state): State<AppState>,
    Authorized(user, _): Authorized<ReadCertificates>,
    IdPath(id): IdPath,
) -> Result<Json<CertificateView>, ApiError> {
    let record = state.load(id).await?;
    ensure_may_read(&user, &record)?;
    tracing::info!(actor.id = %user.user_id, certificate.id = %id, "certificate read");
    Ok(Json(state.view(record)?))
}

#[utoipa::path(
    get,
    path = "/api/v1/certificates/user/{user_id}",
    tag = "certificates",
    params(("user_id" = Uuid, Path, description = "The holder")),
    responses(
        (status = 200, description = "The holder's certificates the caller may read, newest first", body = [CertificateView]),
        (status = 400, description = "The user id is not a UUID", content_type = "application/problem+json", body = Problem),
        (status = 401, description = "Missing or invalid bearer token", content_type = "application/problem+json", body = Problem),
        (status = 403, description = "The caller's roles do not allow this", content_type = "application/problem+json", body = Problem),
    )
)]
/// `GET /api/v1/certificates/user/{user_id}`: the holder's certificates the caller may read,
/// newest first.
pub async fn list_for_user(
    State(state): State<AppState>,
    Authorized(user, _): Authorized<ReadCertificates>,
    IdPath(holder): IdPath,
) -> Result<Json<Vec<CertificateView>>, ApiError> {
    let sees_all = [
        Role::HealthAdmin,
        Role::Auditor,
        Role::MedicalExaminer,
        Role::HrManager,
    ]
    .iter()
    .any(|r| user.has(*r));
    if !sees_all && holder != user.user_id {
        return Err(ApiError::Forbidden(
            "you may read only your own certificates".into(),
        ));
    }
    let records = certificates::list_for_user(state.pool(), holder).await?;
    tracing::info!(actor.id = %user.user_id, holder.id = %holder, "certificates listed");
    let views = records
        .into_iter()
        .filter(|r| user.may_read_holder(r.user_id, r.company_id))
        .map(|r| state.view(r))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Json(views))
}

fn medical_details(
    req: &IssueRequest,
    today: NaiveDate,
) -> Result<Option<MedicalDetails>, ApiError> {
    if let Some(exam_date) = req.exam_date
        && exam_date > today
    {
        return Err(ApiError::validation(
            "exam_date",
            "must not be in the future",
        ));
    }
    let restrictions = req
        .restrictions
        .iter()
        .flatten()
        .enumerate()
        .map(|(i, r)| bounded_text(&format!("restrictions[{i}]"), r, MAX_TEXT))
        .collect::<Result<Vec<_>, _>>()?;
    if restrictions.len() > MAX_RESTRICTIONS {
        return Err(ApiError::validation(
            "restrictions",
            format!("at most {MAX_RESTRICTIONS} restrictions"),
        ));
    }
    match req.exam_result {
        Some(ExamResult::TemporarilyUnfit) => {
            return Err(ApiError::validation(
                "exam_result",
                "a temporarily unfit result cannot back a certificate",
            ));
        }
        Some(ExamResult::FitWithRestrictions) if restrictions.is_empty() => {
            return Err(ApiError::validation(
                "restrictions",
                "required when exam_result is fit_with_restrictions",
            ));
        }
        Some(ExamResult::Fit) if !restrictions.is_empty() => {
            return Err(ApiError::validation(
                "restrictions",
                "must be empty when exam_result is fit (use fit_with_restrictions)",
            ));
        }
        _ => {}
    }
    if req.exam_result.is_none() && restrictions.is_empty() {
        return Ok(None);
    }
    Ok(Some(MedicalDetails {
        exam_result: req.exam_result,
        restrictions,
    }))
}

#[utoipa::path(
    put,
    path = "/api/v1/certificates/{id}/issue",
    tag = "certificates",
    request_body(content = IssueRequest, description = "Optional: exam date, result and restrictions"),
    params(
        ("id" = Uuid, Path, description = "Certificate id"),
        ("Idempotency-Key" = Option<String>, Header, description = "1 to 255 visible ASCII characters; a retry with the same key returns the first attempt's outcome"),
    ),
    responses(
        (status = 200, description = "The issued certificate", body = CertificateView),
        (status = 400, description = "Malformed JSON, id or header", content_type = "application/problem+json", body = Problem),
        (status = 401, description = "Missing or invalid bearer token", content_type = "application/problem+json", body = Problem),
        (status = 403, description = "The caller's roles do not allow this", content_type = "application/problem+json", body = Problem),
        (status = 404, description = "No such certificate", content_type = "application/problem+json", body = Problem),
        (status = 409, description = "The certificate is not pending", content_type = "application/problem+json", body = Problem),
        (status = 422, description = "A field is invalid; `field` names it", content_type = "application/problem+json", body = Problem),
        (status = 503, description = "The workflow did not answer in time", content_type = "application/problem+json", body = Problem),
    )
)]
/// `PUT /api/v1/certificates/{id}/issue`: carried out by the certificate's workflow
/// (update-with-start), which serialises operations on one certificate; answers with the issued
/// certificate. With an `Idempotency-Key` the key becomes the update id, so a retry gets the
/// first attempt's outcome from the workflow instead of a 409.
pub async fn issue(
    State(state): State<AppState>,
    Authorized(user, _): Authorized<IssueCertificates>,
    IdPath(id): IdPath,
    idempotency: IdempotencyKey,
    OptionalJson(req): OptionalJson<IssueRequest>,
) -> Result<Json<CertificateView>, ApiError> {
    let medical = medical_details(&req, local_today(Utc::now()))?;
    let record = state.load(id).await?;
    let update_id = idempotency.scoped_id(user.user_id, "certificate.issue");
    // Without a key, a certificate that is not pending is refused here; with one, the workflow
    // decides, because it remembers the outcome of the update with that id.
    if record.status != CertificateStatus::Pending && update_id.is_none() {
        return Err(ApiError::Conflict(format!(
            "cannot issue a certificate whose status is {}",
            record.status
        )));
    }
    let medical = medical
        .map(|m| state.cipher().seal(id.as_bytes(), &m))
        .transpose()
        .map_err(ApiError::internal)?;
    let input = CertificateWorkflowInput {
        certificate_id: id,
        user_id: record.user_id,
        certificate_type: record.certificate_type,
        status: record.status,
    };
    let command = IssueCommand {
        actor_id: user.user_id,
        exam_date: req.exam_date,
        medical,
    };
    let options = WorkflowUpdateWithStartOptions::new(
        state.settings().temporal.task_queue.clone(),
        certificate_workflow_id(id),
        WorkflowIdConflictPolicy::UseExisting,
    )
    .maybe_update_id(update_id.map(|u| format!("issue-{u}")))
    .search_attributes(SearchAttributes::new([
        sa::CERTIFICATE_ID.value_set(id.to_string()),
        sa::CERTIFICATE_TYPE.value_set(record.certificate_type.as_str().to_owned()),
        sa::CERTIFICATE_STATUS.value_set(record.status.as_str().to_owned()),
    ]))
    .build();
    let call = state.temporal().execute_update_with_start_workflow(
        CertificateWorkflow::run,
        input,
        CertificateWorkflow::issue,
        command,
        options,
    );
    let outcome = tokio::time::timeout(state.settings().request_timeout, call)
        .await
        .map_err(|_| {
            ApiError::Unavailable(
                "the certificate workflow did not answer in time; the operation may still complete"
                    .into(),
            )
        })?
        .map_err(|e| {
            tracing::error!(certificate.id = %id, error = %e, "issue update failed");
            ApiError::Unavailable("the certificate workflow could not carry out the request".into())
        })?;
    match outcome {
        CommandOutcome::Done { result } => {
            tracing::info!(certificate.id = %id, certificate.number = %result.certificate_number, "certificate issued");
            Ok(Json(state.view(state.load(id).await?)?))
        }
        CommandOutcome::Rejected { reason } => Err(ApiError::Conflict(reason.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().expect("date")
    }

    #[test]
    fn restrictions_must_match_the_exam_result() {
        let today = d("2026-12-04");
        let req = |result, restrictions: &[&str]| IssueRequest {
            exam_date: Some(d("2026-12-01")),
            exam_result: result,
            restrictions: Some(restrictions.iter().map(|s| s.to_string()).collect()),
        };
        assert!(medical_details(&req(Some(ExamResult::FitWithRestrictions), &[]), today).is_err());
        assert!(medical_details(&req(Some(ExamResult::Fit), &["x"]), today).is_err());
        assert!(medical_details(&req(Some(ExamResult::TemporarilyUnfit), &[]), today).is_err());
        let ok = medical_details(
            &req(
                Some(ExamResult::FitWithRestrictions),
                &[" No heavy lifting "],
            ),
            today,
        )
        .expect("valid")
        .expect("some");
        assert_eq!(ok.restrictions, ["No heavy lifting"]);
        assert_eq!(
            medical_details(&IssueRequest::default(), today).expect("valid"),
            None
        );
    }

    #[test]
    fn an_exam_in_the_future_is_refused() {
        let req = IssueRequest {
            exam_date: Some(d("2026-12-05")),
            ..Default::default()
        };
        match medical_details(&req, d("2026-12-04")) {
            Err(ApiError::Validation { field, .. }) => assert_eq!(field, "exam_date"),
            other => panic!("unexpected {other:?}"),
        }
    }
}
