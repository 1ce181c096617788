//! The `health_certificates` repository. Every change writes its audit record in the same
//! transaction.

use chrono::{DateTime, NaiveDate, Utc};
use healthcert_domain::dates::{expiry_date, local_time};
use healthcert_domain::sealed::Sealed;
use healthcert_domain::workflow::{IssueCertificate, IssuedCertificate};
use healthcert_domain::{
    Action, CertificateNumber, CertificateStatus, CertificateType, InvalidTransition,
    certificate::{NUMBER_SUFFIX_ALPHABET, NUMBER_SUFFIX_LEN},
};
use rand::Rng;
use serde::Serialize;
use sqlx::types::Json;
use sqlx::{PgPool, Postgres, Transaction};
use uuid::Uuid;

/// A stored certificate. `medical` stays sealed here; only the API opens it for a reader.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateRecord {
    /// Primary key.
    pub id: Uuid,
    /// The holder.
    pub user_id: Uuid,
    /// The employer it is held for, if known.
    pub company_id: Option<Uuid>,
    /// The role that requires it, if given.
    pub required_for_role: Option<Uuid>,
    /// Set once issued.
    pub certificate_number: Option<CertificateNumber>,
    /// Its type.
    pub certificate_type: CertificateType,
    /// Its status.
    pub status: CertificateStatus,
    /// Local issue date, once issued.
    pub issue_date: Option<NaiveDate>,
    /// Local expiry date, once issued.
    pub expiry_date: Option<NaiveDate>,
    /// Date of the exam behind it.
    pub exam_date: Option<NaiveDate>,
    /// Sealed exam result and restrictions.
    pub medical: Option<Sealed>,
    /// The authority that issues it.
    pub issuing_authority: String,
    /// Where its document is stored.
    pub certificate_document_url: Option<String>,
    /// Who created the record.
    pub created_by: Uuid,
    /// When the record was created.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
    /// When it was issued.
    pub issued_at: Option<DateTime<Utc>>,
}

#[derive(sqlx::FromRow)]
struct Row {
    id: Uuid,
    user_id: Uuid,
    company_id: Option<Uuid>,
    required_for_role: Option<Uuid>,
    certificate_number: Option<String>,
    certificate_type: String,
    status: String,
    issue_date: Option<NaiveDate>,
    expiry_date: Option<NaiveDate>,
    exam_date: Option<NaiveDate>,
    medical: Option<Json<Sealed>>,
    issuing_authority: String,
    certificate_document_url: Option<String>,
    created_by: Uuid,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    issued_at: Option<DateTime<Utc>>,
}

impl TryFrom<Row> for CertificateRecord {
    type Error = sqlx::Error;
    fn try_from(r: Row) -> Result<Self, Self::Error> {
        let decode = |e: Box<dyn std::error::Error + Send + Sync>| sqlx::Error::Decode(e);
        Ok(Self {
            id: r.id,
            user_id: r.user_id,
            company_id: r.company_id,
            required_for_role: r.required_for_role,
            certificate_number: r
                .certificate_number
                .map(|n| CertificateNumber::parse(&n))
                .transpose()
                .map_err(|e| decode(e.into()))?,
            certificate_type: r
                .certificate_type
                .parse()
                .map_err(|e: healthcert_domain::ParseError| decode(e.into()))?,
            status: r
                .status
                .parse()
                .map_err(|e: healthcert_domain::ParseError| decode(e.into()))?,
            issue_date: r.issue_date,
            expiry_date: r.expiry_date,
            exam_date: r.exam_date,
            medical: r.medical.map(|j| j.0),
            issuing_authority: r.issuing_authority,
            certificate_document_url: r.certificate_document_url,
            created_by: r.created_by,
            created_at: r.created_at,
            updated_at: r.updated_at,
            issued_at: r.issued_at,
        })
    }
}

const COLUMNS: &str = "id, user_id, company_id, required_for_role, certificate_number, \
    certificate_type, status, issue_date, expiry_date, exam_date, medical, issuing_authority, \
    certificate_document_url, created_by, created_at, updated_at, issued_at";

/// What the audit log keeps of a certificate: everything but the medical part, of which it
/// records only whether one is present.
#[derive(Serialize)]
struct AuditSnapshot<'a> {
    status: CertificateStatus,
    certificate_type: CertificateType,
    user_id: Uuid,
    company_id: Option<Uuid>,
    required_for_role: Option<Uuid>,
    certificate_number: Option<&'a str>,
    issue_date: Option<NaiveDate>,
    expiry_date: Option<NaiveDate>,
    exam_date: Option<NaiveDate>,
    issuing_authority: &'a str,
    has_medical_details: bool,
}

impl CertificateRecord {
    fn audit_snapshot(&self) -> serde_json::Value {
        serde_json::to_value(AuditSnapshot {
            status: self.status,
            certificate_type: self.certificate_type,
            user_id: self.user_id,
            company_id: self.company_id,
            required_for_role: self.required_for_role,
            certificate_number: self
                .certificate_number
                .as_ref()
                .map(CertificateNumber::as_str),
            issue_date: self.issue_date,
            expiry_date: self.expiry_date,
            exam_date: self.exam_date,
            issuing_authority: &self.issuing_authority,
            has_medical_details: self.medical.is_some(),
        })
        .unwrap_or(serde_json::Value::Null)
    }
}

/// A record to create.
#[derive(Debug, Clone)]
pub struct NewCertificate {
    /// Its id, chosen by the caller.
    pub id: Uuid,
    /// The holder.
    pub user_id: Uuid,
    /// The employer it is held for.
    pub company_id: Option<Uuid>,
    /// The role requiring it.
    pub required_for_role: Option<Uuid>,
    /// Its type.
    pub certificate_type: CertificateType,
    /// The issuing authority.
    pub issuing_authority: String,
    /// Where its document is stored.
    pub certificate_document_url: Option<String>,
}

/// Who made a change and through what.
#[derive(Debug, Clone)]
pub struct Actor<'a> {
    /// The caller's user id.
    pub id: Uuid,
    /// Workflow id or request id.
    pub correlation: &'a str,
}

/// Why issuing failed.
#[derive(Debug, thiserror::Error)]
pub enum IssueError {
    /// No such certificate.
    #[error("certificate not found")]
    NotFound,
    /// Its status does not allow issuing.
    #[error(transparent)]
    InvalidTransition(#[from] InvalidTransition),
    /// The database failed.
    #[error("database error: {0}")]
    Db(#[from] sqlx::Error),
}

async fn audit(
    tx: &mut Transaction<'_, Postgres>,
    actor: &Actor<'_>,
    action: Action,
    id: Uuid,
    before: Option<&CertificateRecord>,
    after: &CertificateRecord,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO audit_log (actor_id, action, entity_type, entity_id, before, after, correlation) \
         VALUES ($1, $2, 'certificate', $3, $4, $5, $6)",
    )
    .bind(actor.id)
    .bind(action.as_str())
    .bind(id)
    .bind(before.map(CertificateRecord::audit_snapshot))
    .bind(after.audit_snapshot())
    .bind(actor.correlation)
    .execute(&mut **tx)
    .await
    .map(|_| ())
}

/// Whether [`create`] made a new record or found the one a previous attempt made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Created {
    /// A new record (and its audit row).
    New(CertificateRecord),
    /// A record with this id already existed: nothing was written.
    Existing(CertificateRecord),
}

/// Inserts a pending certificate and its audit record. Inserting an id that exists changes
/// nothing and returns the stored record, so a retried create is harmless.
pub async fn create(
    pool: &PgPool,
    new: &NewCertificate,
    actor: &Actor<'_>,
) -> Result<Created, sqlx::Error> {
    let mut tx = pool.begin().await?;
    let row: Option<Row> = sqlx::query_as(&format!(
        "INSERT INTO health_certificates (id, user_id, company_id, required_for_role, \
         certificate_type, status, issuing_authority, certificate_document_url, created_by) \
         VALUES ($1, $2, $3, $4, $5, 'pending', $6, $7, $8) \
         ON CONFLICT (id) DO NOTHING RETURNING {COLUMNS}"
    ))
    .bind(new.id)
    .bind(new.user_id)
    .bind(new.company_id)
    .bind(new.required_for_role)
    .bind(new.certificate_type.as_str())
    .bind(&new.issuing_authority)
    .bind(&new.certificate_document_url)
    .bind(actor.id)
    .fetch_optional(&mut *tx)
    .await?;
    let Some(row) = row else {
        tx.rollback().await?;
        let existing = get(pool, new.id).await?.ok_or(sqlx::Error::RowNotFound)?;
        return Ok(Created::Existing(existing));
    };
    let record = CertificateRecord::try_from(row)?;
    audit(&mut tx, actor, Action::Create, record.id, None, &record).await?;
    tx.commit().await?;
    Ok(Created::New(record))
}

impl NewCertificate {
    /// True when `record` is what creating `self` produced (an idempotent replay).
    pub fn matches(&self, record: &CertificateRecord) -> bool {
        record.id == self.id
            && record.user_id == self.user_id
            && record.company_id == self.company_id
            && record.required_for_role == self.required_for_role
            && record.certificate_type == self.certificate_type
            && record.issuing_authority == self.issuing_authority
            && record.certificate_document_url == self.certificate_document_url
    }
}

/// One certificate.
pub async fn get(pool: &PgPool, id: Uuid) -> Result<Option<CertificateRecord>, sqlx::Error> {
    let row: Option<Row> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM health_certificates WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(pool)
    .await?;
    row.map(CertificateRecord::try_from).transpose()
}

/// A holder's certificates, newest first.
pub async fn list_for_user(
    pool: &PgPool,
    user_id: Uuid,
) -> Result<Vec<CertificateRecord>, sqlx::Error> {
    let rows: Vec<Row> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM health_certificates WHERE user_id = $1 \
         ORDER BY created_at DESC, id"
    ))
    .bind(user_id)
    .fetch_all(pool)
    .await?;
    rows.into_iter().map(CertificateRecord::try_from).collect()
}

fn random_suffix() -> String {
    let mut rng = rand::rng();
    (0..NUMBER_SUFFIX_LEN)
        .map(|_| {
            char::from(NUMBER_SUFFIX_ALPHABET[rng.random_range(0..NUMBER_SUFFIX_ALPHABET.len())])
        })
        .collect()
}

fn issued(record: &CertificateRecord) -> Option<IssuedCertificate> {
    Some(IssuedCertificate {
        certificate_id: record.id,
        user_id: record.user_id,
        certificate_type: record.certificate_type,
        certificate_number: record.certificate_number.clone()?,
        issue_date: record.issue_date?,
        expiry_date: record.expiry_date?,
        issued_at: record.issued_at?,
    })
}

fn is_number_collision(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(d)
        if d.constraint() == Some("health_certificates_certificate_number_key"))
}

/// Issues a pending certificate at `now`: status `active`, local issue date, expiry after the
/// type's validity, a fresh unique number, the exam date and sealed medical details. A retry
/// after a successful commit finds the certificate already issued and returns the same facts,
/// so the operation is idempotent.
pub async fn issue(
    pool: &PgPool,
    cmd: &IssueCertificate,
    default_validity_months: u32,
    now: DateTime<Utc>,
    actor: &Actor<'_>,
) -> Result<IssuedCertificate, IssueError> {
    const MAX_NUMBER_ATTEMPTS: usize = 5;
    let mut attempt = 0;
    loop {
        attempt += 1;
        match issue_once(pool, cmd, default_validity_months, now, actor).await {
            Err(IssueError::Db(e)) if is_number_collision(&e) && attempt < MAX_NUMBER_ATTEMPTS => {
                tracing::warn!(attempt, "certificate number collision, drawing another");
            }
            other => return other,
        }
    }
}

async fn issue_once(
    pool: &PgPool,
    cmd: &IssueCertificate,
    default_validity_months: u32,
    now: DateTime<Utc>,
    actor: &Actor<'_>,
) -> Result<IssuedCertificate, IssueError> {
    let mut tx = pool.begin().await?;
    let row: Option<Row> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM health_certificates WHERE id = $1 FOR UPDATE"
    ))
    .bind(cmd.certificate_id)
    .fetch_optional(&mut *tx)
    .await?;
    let before = CertificateRecord::try_from(row.ok_or(IssueError::NotFound)?)?;
    if before.status != CertificateStatus::Pending {
        // A retry of an issue that already committed: report what it did.
        if let Some(done) = issued(&before) {
            return Ok(done);
        }
    }
    before.status.apply(Action::Issue)?;

    let local = local_time(now);
    let issue_date = local.date_naive();
    let expiry = expiry_date(
        issue_date,
        before
            .certificate_type
            .validity_months(default_validity_months),
    );
    let number = CertificateNumber::new(before.certificate_type, &local, &random_suffix())
        .map_err(|e| IssueError::Db(sqlx::Error::Protocol(e.to_string())))?;
    let row: Row = sqlx::query_as(&format!(
        "UPDATE health_certificates SET status = 'active', certificate_number = $2, \
         issue_date = $3, expiry_date = $4, exam_date = COALESCE($5, exam_date), \
         medical = COALESCE($6, medical), issued_at = $7, updated_at = $7 \
         WHERE id = $1 RETURNING {COLUMNS}"
    ))
    .bind(before.id)
    .bind(number.as_str())
    .bind(issue_date)
    .bind(expiry)
    .bind(cmd.command.exam_date)
    .bind(cmd.command.medical.clone().map(Json))
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    let after = CertificateRecord::try_from(row)?;
    audit(
        &mut tx,
        actor,
        Action::Issue,
        after.id,
        Some(&before),
        &after,
    )
    .await?;
    tx.commit().await?;
    issued(&after).ok_or(IssueError::Db(sqlx::Error::RowNotFound))
}
