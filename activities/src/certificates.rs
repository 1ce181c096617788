//! Certificate lifecycle activities (PostgreSQL, with the audit record in the same transaction).

use healthcert_domain::workflow::{
    CommandOutcome, IssueCertificate, IssuedCertificate, activity_names,
};
use healthcert_infra::certificates::{self, Actor, IssueError};
use std::sync::Arc;
use temporalio_macros::activities;
use temporalio_sdk::ApplicationFailure;
use temporalio_sdk::activities::{ActivityContext, ActivityError};

/// Certificate activities and what they need.
pub struct CertificateActivities {
    pool: sqlx::PgPool,
    default_validity_months: u32,
}

impl CertificateActivities {
    /// Activities writing through `pool`; `default_validity_months` is `DEFAULT_VALIDITY_MONTHS`.
    pub fn new(pool: sqlx::PgPool, default_validity_months: u32) -> Self {
        Self {
            pool,
            default_validity_months,
        }
    }
}

#[activities]
impl CertificateActivities {
    /// Issues a pending certificate. A status that does not allow issuing is a business
    /// outcome (`Rejected`), not a failure; a missing record is a non-retryable failure.
    #[activity(name = activity_names::ISSUE_CERTIFICATE)]
    pub async fn issue(
        self: Arc<Self>,
        ctx: ActivityContext,
        input: IssueCertificate,
    ) -> Result<CommandOutcome<IssuedCertificate>, ActivityError> {
        let correlation = ctx.info().workflow_id.clone().unwrap_or_default();
        let span = tracing::info_span!("activity.certificate.issue",
            certificate.id = %input.certificate_id, attempt = ctx.info().attempt);
        let _guard = span.enter();
        let actor = Actor {
            id: input.command.actor_id,
            correlation: &correlation,
        };
        match certificates::issue(
            &self.pool,
            &input,
            self.default_validity_months,
            chrono::Utc::now(),
            &actor,
        )
        .await
        {
            Ok(result) => Ok(CommandOutcome::Done { result }),
            Err(IssueError::InvalidTransition(reason)) => Ok(CommandOutcome::Rejected { reason }),
            Err(IssueError::NotFound) => Err(ApplicationFailure::builder("certificate not found")
                .type_name(healthcert_domain::workflow::failure_types::NOT_FOUND.to_owned())
                .non_retryable(true)
                .build()
                .into()),
            Err(IssueError::Db(e)) => {
                tracing::warn!(error = %e, "issue failed, will be retried");
                Err(ApplicationFailure::new(e).into())
            }
        }
    }
}
