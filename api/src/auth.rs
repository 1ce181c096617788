//! Bearer-JWT authentication (HS256 pinned; `exp`, `iss` and `aud` checked) and role-based
//! access control as extractors: [`AuthUser`] authenticates, [`Authorized`] also requires one of
//! a policy's roles. Record-level rules (own records, own company) are methods of [`AuthUser`].

use crate::error::ApiError;
use axum::extract::{FromRef, FromRequestParts};
use axum::http::header;
use axum::http::request::Parts;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use std::marker::PhantomData;
use std::sync::Arc;
use uuid::Uuid;

/// The roles the service knows. Unknown role names in a token are ignored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// May do everything.
    HealthAdmin,
    /// Manages the certificates of their own company's employees.
    HrManager,
    /// Examines employees and issues certificates.
    MedicalExaminer,
    /// Reads their own certificates.
    Employee,
    /// Reads everything, changes nothing.
    Auditor,
    /// Operates workflows.
    Ops,
}

impl Role {
    fn parse(s: &str) -> Option<Self> {
        serde_json::from_value(serde_json::Value::String(s.to_owned())).ok()
    }
}

impl std::str::FromStr for Role {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::parse(s).ok_or_else(|| format!("unknown role `{s}`"))
    }
}

/// The token's claims.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    /// The caller's user id.
    pub sub: String,
    /// The caller's roles.
    #[serde(default)]
    pub roles: Vec<String>,
    /// The caller's company (HR managers).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub company_id: Option<Uuid>,
    /// Expiry (seconds since the epoch).
    pub exp: i64,
    /// Issued at (seconds since the epoch).
    pub iat: i64,
    /// Issuer, `noor`.
    pub iss: String,
    /// Audience, `health-certification`.
    pub aud: String,
}

/// Verifies tokens. Built once from the settings; the key never prints.
#[derive(Clone)]
pub struct AuthConfig(Arc<AuthInner>);

struct AuthInner {
    decoding: DecodingKey,
    encoding: EncodingKey,
    validation: Validation,
    issuer: String,
    audience: String,
}

impl std::fmt::Debug for AuthConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthConfig")
            .field("issuer", &self.0.issuer)
            .finish_non_exhaustive()
    }
}

impl AuthConfig {
    /// Refuses a missing secret or one shorter than 32 characters.
    pub fn new(
        s: &healthcert_infra::settings::JwtSettings,
    ) -> Result<Self, healthcert_infra::settings::SettingsError> {
        let secret: &SecretString = s.validated_secret()?;
        let bytes = secret.expose_secret().as_bytes();
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[&s.issuer]);
        validation.set_audience(&[&s.audience]);
        validation.set_required_spec_claims(&["exp", "iat", "iss", "aud", "sub"]);
        validation.leeway = 30;
        Ok(Self(Arc::new(AuthInner {
            decoding: DecodingKey::from_secret(bytes),
            encoding: EncodingKey::from_secret(bytes),
            validation,
            issuer: s.issuer.clone(),
            audience: s.audience.clone(),
        })))
    }

    /// Verifies `token` and returns the caller.
    pub fn verify(&self, token: &str) -> Result<AuthUser, ApiError> {
        let data = jsonwebtoken::decode::<Claims>(token, &self.0.decoding, &self.0.validation)
            .map_err(|e| {
                use jsonwebtoken::errors::ErrorKind as K;
                let why = match e.kind() {
                    K::ExpiredSignature => "the token has expired",
                    K::InvalidIssuer => "the token's issuer is not accepted",
                    K::InvalidAudience => "the token's audience is not this service",
                    K::InvalidAlgorithm => "the token's algorithm is not accepted",
                    K::InvalidSignature => "the token's signature is invalid",
                    K::MissingRequiredClaim(_) => "the token lacks a required claim",
                    _ => "the token is malformed",
                };
                ApiError::Unauthorized(why.into())
            })?;
        let claims = data.claims;
        let user_id = Uuid::parse_str(&claims.sub)
            .map_err(|_| ApiError::Unauthorized("the token's subject is not a user id".into()))?;
        Ok(AuthUser {
            user_id,
            roles: claims.roles.iter().filter_map(|r| Role::parse(r)).collect(),
            company_id: claims.company_id,
        })
    }

    /// Mints a token for `sub` with `roles`, valid for `ttl_secs` from `now` (seconds since the
    /// epoch). Used by `healthcert token` and by tests.
    pub fn mint(
        &self,
        sub: Uuid,
        roles: &[Role],
        company_id: Option<Uuid>,
        now: i64,
        ttl_secs: i64,
    ) -> Result<String, jsonwebtoken::errors::Error> {
        let claims = Claims {
            sub: sub.to_string(),
            roles: roles
                .iter()
                .filter_map(|r| serde_json::to_value(r).ok())
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect(),
            company_id,
            exp: now + ttl_secs,
            iat: now,
            iss: self.0.issuer.clone(),
            aud: self.0.audience.clone(),
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.0.encoding)
    }
}

/// An authenticated caller.
#[derive(Debug, Clone)]
pub struct AuthUser {
    /// `sub`
    pub user_id: Uuid,
    /// Known roles from `roles`.
    pub roles: Vec<Role>,
    /// `company_id`
    pub company_id: Option<Uuid>,
}

impl AuthUser {
    /// True when the caller holds `role`.
    pub fn has(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }

    /// May the caller read a record held by `holder` for `company`?
    pub fn may_read_holder(&self, holder: Uuid, company: Option<Uuid>) -> bool {
        self.has(Role::HealthAdmin)
            || self.has(Role::Auditor)
            || self.has(Role::MedicalExaminer)
            || (self.has(Role::Employee) && holder == self.user_id)
            || (self.has(Role::HrManager) && company.is_some() && company == self.company_id)
    }
}

impl<S: Send + Sync> FromRequestParts<S> for AuthUser
where
    AuthConfig: FromRef<S>,
{
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let value = parts
            .headers
            .get(header::AUTHORIZATION)
            .ok_or_else(|| ApiError::Unauthorized("a bearer token is required".into()))?;
        let value = value
            .to_str()
            .map_err(|_| ApiError::Unauthorized("the authorization header is malformed".into()))?;
        let token = value
            .split_once(' ')
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .map(|(_, t)| t.trim())
            .filter(|t| !t.is_empty())
            .ok_or_else(|| {
                ApiError::Unauthorized("expected `Authorization: Bearer <token>`".into())
            })?;
        AuthConfig::from_ref(state).verify(token)
    }
}

/// Which roles an endpoint admits.
pub trait Policy {
    /// Any one of these suffices.
    const ROLES: &'static [Role];
    /// What the endpoint does, for the 403 message.
    const ACTION: &'static str;
}

/// An authenticated caller holding one of `P`'s roles (health admins always qualify).
#[derive(Debug)]
pub struct Authorized<P: Policy>(pub AuthUser, pub PhantomData<P>);

impl<P: Policy, S: Send + Sync> FromRequestParts<S> for Authorized<P>
where
    AuthConfig: FromRef<S>,
{
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let user = AuthUser::from_request_parts(parts, state).await?;
        if user.has(Role::HealthAdmin) || P::ROLES.iter().any(|r| user.has(*r)) {
            Ok(Authorized(user, PhantomData))
        } else {
            Err(ApiError::Forbidden(format!(
                "your roles do not allow you to {}",
                P::ACTION
            )))
        }
    }
}

/// The policies of the certificate endpoints.
pub mod policies {
    use super::{Policy, Role};

    /// Create certificate records.
    #[derive(Debug)]
    pub struct CreateCertificates;
    impl Policy for CreateCertificates {
        const ROLES: &'static [Role] = &[Role::HrManager];
        const ACTION: &'static str = "create certificates";
    }

    /// Read certificates (record-level rules apply on top).
    #[derive(Debug)]
    pub struct ReadCertificates;
    impl Policy for ReadCertificates {
        const ROLES: &'static [Role] = &[
            Role::Auditor,
            Role::MedicalExaminer,
            Role::HrManager,
            Role::Employee,
        ];
        const ACTION: &'static str = "read certificates";
    }

    /// Issue certificates.
    #[derive(Debug)]
    pub struct IssueCertificates;
    impl Policy for IssueCertificates {
        const ROLES: &'static [Role] = &[Role::MedicalExaminer];
        const ACTION: &'static str = "issue certificates";
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use healthcert_infra::settings::JwtSettings;

    fn config(secret: &str, iss: &str, aud: &str) -> AuthConfig {
        AuthConfig::new(&JwtSettings {
            secret: Some(SecretString::from(secret.to_owned())),
            issuer: iss.into(),
            audience: aud.into(),
        })
        .expect("config")
    }

    const SECRET: &str = "a-test-secret-that-is-long-enough-000";

    fn now() -> i64 {
        chrono::Utc::now().timestamp()
    }

    #[test]
    fn a_minted_token_verifies_with_its_roles() {
        let c = config(SECRET, "noor", "health-certification");
        let sub = Uuid::new_v4();
        let t = c
            .mint(sub, &[Role::Employee, Role::Auditor], None, now(), 60)
            .expect("mint");
        let u = c.verify(&t).expect("verify");
        assert_eq!(u.user_id, sub);
        assert_eq!(u.roles, vec![Role::Employee, Role::Auditor]);
    }

    #[test]
    fn expired_foreign_and_misaddressed_tokens_are_refused() {
        let c = config(SECRET, "noor", "health-certification");
        let sub = Uuid::new_v4();
        let expired = c
            .mint(sub, &[Role::Employee], None, now() - 3600, 60)
            .expect("mint");
        assert!(matches!(c.verify(&expired), Err(ApiError::Unauthorized(_))));
        let other_key = config(
            "another-secret-that-is-long-enough-111",
            "noor",
            "health-certification",
        )
        .mint(sub, &[Role::Employee], None, now(), 60)
        .expect("mint");
        assert!(c.verify(&other_key).is_err());
        let other_aud = config(SECRET, "noor", "billing")
            .mint(sub, &[], None, now(), 60)
            .expect("mint");
        assert!(c.verify(&other_aud).is_err());
        let other_iss = config(SECRET, "elsewhere", "health-certification")
            .mint(sub, &[], None, now(), 60)
            .expect("mint");
        assert!(c.verify(&other_iss).is_err());
    }

    #[test]
    fn a_token_with_another_algorithm_is_refused() {
        let c = config(SECRET, "noor", "health-certification");
        let claims = Claims {
            sub: Uuid::new_v4().to_string(),
            roles: vec!["health_admin".into()],
            company_id: None,
            exp: now() + 60,
            iat: now(),
            iss: "noor".into(),
            aud: "health-certification".into(),
        };
        let t = jsonwebtoken::encode(
            &Header::new(Algorithm::HS512),
            &claims,
            &EncodingKey::from_secret(SECRET.as_bytes()),
        )
        .expect("encode");
        assert!(c.verify(&t).is_err());
    }

    #[test]
    fn a_short_secret_is_refused() {
        let r = AuthConfig::new(&JwtSettings {
            secret: Some(SecretString::from("short".to_owned())),
            issuer: "noor".into(),
            audience: "health-certification".into(),
        });
        assert!(r.is_err());
    }

    #[test]
    fn employees_read_their_own_and_hr_managers_their_company() {
        let me = Uuid::new_v4();
        let company = Uuid::new_v4();
        let employee = AuthUser {
            user_id: me,
            roles: vec![Role::Employee],
            company_id: None,
        };
        assert!(employee.may_read_holder(me, None));
        assert!(!employee.may_read_holder(Uuid::new_v4(), None));
        let hr = AuthUser {
            user_id: me,
            roles: vec![Role::HrManager],
            company_id: Some(company),
        };
        assert!(hr.may_read_holder(Uuid::new_v4(), Some(company)));
        assert!(!hr.may_read_holder(Uuid::new_v4(), Some(Uuid::new_v4())));
        assert!(!hr.may_read_holder(Uuid::new_v4(), None));
        let ops = AuthUser {
            user_id: me,
            roles: vec![Role::Ops],
            company_id: None,
        };
        assert!(!ops.may_read_holder(me, None));
    }
}
