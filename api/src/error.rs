//! The API's one error type, rendered as RFC 9457 `application/problem+json` with a stable
//! `type` and, where one field is at fault, its name. Server-side failures are logged once here
//! and answered with an opaque body.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// Base of every problem `type` URI.
pub const PROBLEM_BASE: &str = "https://docs.noor.gov.ae/health-certification/problems/";

/// Everything a handler can answer with instead of success.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The body is not JSON, or a path parameter does not parse (400).
    #[error("{detail}")]
    BadRequest {
        /// Stable slug of the problem type.
        kind: &'static str,
        /// What is wrong.
        detail: String,
        /// The offending field or parameter.
        field: Option<String>,
    },
    /// No valid bearer token (401).
    #[error("{0}")]
    Unauthorized(String),
    /// The caller's roles do not allow this (403).
    #[error("{0}")]
    Forbidden(String),
    /// No such resource (404).
    #[error("{0}")]
    NotFound(String),
    /// The route exists but not with this method (405).
    #[error("this endpoint does not accept that method")]
    MethodNotAllowed,
    /// The resource's state does not allow the operation (409).
    #[error("{0}")]
    Conflict(String),
    /// The body is larger than `MAX_BODY_BYTES` (413).
    #[error("the request body exceeds the size limit (MAX_BODY_BYTES)")]
    PayloadTooLarge,
    /// The body is not `application/json` (415).
    #[error("expected a request body of type application/json")]
    UnsupportedMediaType,
    /// A field is well-formed JSON but not an acceptable value (422).
    #[error("{detail}")]
    Validation {
        /// The offending field (a JSON path such as `restrictions[0]`).
        field: String,
        /// What is wrong with it.
        detail: String,
    },
    /// A dependency did not answer in time (503).
    #[error("{0}")]
    Unavailable(String),
    /// A bug or an unexpected failure (500); the cause is logged, never sent.
    #[error("internal error")]
    Internal(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl ApiError {
    /// A 422 naming `field`.
    pub fn validation(field: impl Into<String>, detail: impl Into<String>) -> Self {
        Self::Validation {
            field: field.into(),
            detail: detail.into(),
        }
    }

    /// A 500 from any error.
    pub fn internal(e: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        Self::Internal(e.into())
    }

    fn parts(&self) -> (StatusCode, &'static str, &'static str, Option<&str>) {
        match self {
            ApiError::BadRequest { kind, field, .. } => (
                StatusCode::BAD_REQUEST,
                kind,
                "Bad request",
                field.as_deref(),
            ),
            ApiError::Unauthorized(_) => (
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                "Authentication required",
                None,
            ),
            ApiError::Forbidden(_) => (StatusCode::FORBIDDEN, "forbidden", "Forbidden", None),
            ApiError::NotFound(_) => (StatusCode::NOT_FOUND, "not-found", "Not found", None),
            ApiError::MethodNotAllowed => (
                StatusCode::METHOD_NOT_ALLOWED,
                "method-not-allowed",
                "Method not allowed",
                None,
            ),
            ApiError::Conflict(_) => (
                StatusCode::CONFLICT,
                "invalid-transition",
                "Invalid state transition",
                None,
            ),
            ApiError::PayloadTooLarge => (
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload-too-large",
                "Payload too large",
                None,
            ),
            ApiError::UnsupportedMediaType => (
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported-media-type",
                "Unsupported media type",
                None,
            ),
            ApiError::Validation { field, .. } => (
                StatusCode::UNPROCESSABLE_ENTITY,
                "validation",
                "Validation failed",
                Some(field.as_str()),
            ),
            ApiError::Unavailable(_) => (
                StatusCode::SERVICE_UNAVAILABLE,
                "unavailable",
                "Service temporarily unavailable",
                None,
            ),
            ApiError::Internal(_) => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "Internal server error",
                None,
            ),
        }
    }
}

/// The problem document.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Problem<'a> {
    /// Stable URI of the problem type.
    #[serde(rename = "type")]
    pub kind: String,
    /// Short summary of the type.
    pub title: &'a str,
    /// HTTP status.
    pub status: u16,
    /// This occurrence.
    pub detail: String,
    /// The offending field, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<&'a str>,
}

/// `application/problem+json`
pub const PROBLEM_JSON: HeaderValue = HeaderValue::from_static("application/problem+json");

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, slug, title, field) = self.parts();
        match &self {
            ApiError::Internal(cause) => tracing::error!(error = %cause, "request failed"),
            ApiError::Unavailable(detail) => tracing::warn!(%detail, "dependency unavailable"),
            _ => {}
        }
        let problem = Problem {
            kind: format!("{PROBLEM_BASE}{slug}"),
            title,
            status: status.as_u16(),
            detail: self.to_string(),
            field,
        };
        let body = serde_json::to_vec(&problem).unwrap_or_default();
        (status, [(header::CONTENT_TYPE, PROBLEM_JSON)], body).into_response()
    }
}

impl From<sqlx::Error> for ApiError {
    fn from(e: sqlx::Error) -> Self {
        match e {
            sqlx::Error::PoolTimedOut | sqlx::Error::Io(_) => {
                ApiError::Unavailable("the certificate store is not answering".into())
            }
            other => ApiError::internal(other),
        }
    }
}
