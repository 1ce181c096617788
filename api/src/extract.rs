//! Extractors that answer in the API's own problem format: JSON bodies (with the offending
//! field named) and UUID path parameters.

use crate::error::ApiError;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use serde::de::DeserializeOwned;
use uuid::Uuid;

/// `application/json` or any `application/*+json`, with any parameters.
fn is_json(req: &Request) -> bool {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<mime::Mime>().ok())
        .is_some_and(|m| {
            m.type_() == mime::APPLICATION
                && (m.subtype() == mime::JSON || m.suffix() == Some(mime::JSON))
        })
}

async fn read_body<S: Send + Sync>(req: Request, state: &S) -> Result<Bytes, ApiError> {
    Bytes::from_request(req, state)
        .await
        .map_err(|e: BytesRejection| {
            if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::PayloadTooLarge
            } else {
                ApiError::BadRequest {
                    kind: "malformed-body",
                    detail: e.body_text(),
                    field: None,
                }
            }
        })
}

/// Deserialises a JSON document, telling syntax errors (400) from wrong values (422, with the
/// path of the field at fault). The document is parsed first, so every error after that is
/// about values, whatever serde's own classification.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let document: serde_json::Value =
        serde_json::from_slice(bytes).map_err(|e| ApiError::BadRequest {
            kind: "malformed-json",
            detail: format!("the request body is not valid JSON: {e}"),
            field: None,
        })?;
    serde_path_to_error::deserialize(document).map_err(|err| {
        let path = err.path().to_string();
        let field = if path == "." { "body".to_owned() } else { path };
        ApiError::validation(field, err.into_inner().to_string())
    })
}

/// A JSON body: `Content-Type: application/json` required, at most `MAX_BODY_BYTES`.
#[derive(Debug)]
pub struct AppJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for AppJson<T> {
    type Rejection = ApiError;
    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        if !is_json(&req) {
            return Err(ApiError::UnsupportedMediaType);
        }
        let bytes = read_body(req, state).await?;
        parse_json(&bytes).map(AppJson)
    }
}

/// An optional JSON body: absent (no bytes) gives `T::default()`; present must be JSON.
#[derive(Debug)]
pub struct OptionalJson<T>(pub T);

impl<T: DeserializeOwned + Default, S: Send + Sync> FromRequest<S> for OptionalJson<T> {
    type Rejection = ApiError;
    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let has_type = req.headers().contains_key(header::CONTENT_TYPE);
        let json = is_json(&req);
        let bytes = read_body(req, state).await?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(OptionalJson(T::default()));
        }
        if has_type && !json {
            return Err(ApiError::UnsupportedMediaType);
        }
        parse_json(&bytes).map(OptionalJson)
    }
}

/// A UUID path parameter; anything else is a 400 naming the parameter.
#[derive(Debug, Clone, Copy)]
pub struct IdPath(pub Uuid);

impl<S: Send + Sync> FromRequestParts<S> for IdPath {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let params = axum::extract::RawPathParams::from_request_parts(parts, state)
            .await
            .map_err(|e| ApiError::internal(e.body_text()))?;
        let (name, value) = params
            .iter()
            .next()
            .map(|(n, v)| (n.to_owned(), v.to_owned()))
            .ok_or_else(|| ApiError::internal("route has no path parameter"))?;
        Uuid::parse_str(&value)
            .map(IdPath)
            .map_err(|_| ApiError::BadRequest {
                kind: "invalid-parameter",
                detail: format!("path parameter `{name}` must be a UUID"),
                field: Some(name),
            })
    }
}

/// The optional `Idempotency-Key` header: a client that retries a request with the same key
/// gets the first request's outcome instead of a second change.
#[derive(Debug, Clone, Default)]
pub struct IdempotencyKey(pub Option<String>);

/// Name of the idempotency header.
pub const IDEMPOTENCY_HEADER: &str = "Idempotency-Key";

/// Namespace of the ids derived from idempotency keys.
const IDEMPOTENCY_NAMESPACE: Uuid = Uuid::from_u128(0x9c1d_55e2_07a4_4b8f_b6e3_2f41_d8a0_6c17);

impl IdempotencyKey {
    /// A stable id for `operation` by `caller` under this key (keys are scoped per caller, so
    /// two callers cannot collide).
    pub fn scoped_id(&self, caller: Uuid, operation: &str) -> Option<Uuid> {
        self.0.as_ref().map(|key| {
            Uuid::new_v5(
                &IDEMPOTENCY_NAMESPACE,
                format!("{operation}:{caller}:{key}").as_bytes(),
            )
        })
    }
}

impl<S: Send + Sync> FromRequestParts<S> for IdempotencyKey {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let Some(value) = parts.headers.get(IDEMPOTENCY_HEADER) else {
            return Ok(Self(None));
        };
        let bad = || ApiError::BadRequest {
            kind: "invalid-header",
            detail: format!("{IDEMPOTENCY_HEADER} must be 1 to 255 visible ASCII characters"),
            field: Some(IDEMPOTENCY_HEADER.to_owned()),
        };
        let key = value.to_str().map_err(|_| bad())?;
        if key.is_empty() || key.len() > 255 || !key.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(bad());
        }
        Ok(Self(Some(key.to_owned())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize, Debug)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Body {
        user_id: Uuid,
        restrictions: Vec<String>,
    }

    #[test]
    fn syntax_errors_are_400_and_value_errors_are_422_with_the_field() {
        assert!(matches!(
            parse_json::<Body>(b"{"),
            Err(ApiError::BadRequest { .. })
        ));
        match parse_json::<Body>(br#"{"user_id": "nope", "restrictions": []}"#) {
            Err(ApiError::Validation { field, .. }) => assert_eq!(field, "user_id"),
            other => panic!("unexpected {other:?}"),
        }
        match parse_json::<Body>(
            br#"{"user_id": "550e8400-e29b-41d4-a716-446655440000", "restrictions": [1]}"#,
        ) {
            Err(ApiError::Validation { field, .. }) => assert_eq!(field, "restrictions[0]"),
            other => panic!("unexpected {other:?}"),
        }
        match parse_json::<Body>(br#"{"restrictions": []}"#) {
            Err(ApiError::Validation { detail, .. }) => assert!(detail.contains("user_id")),
            other => panic!("unexpected {other:?}"),
        }
    }
}
