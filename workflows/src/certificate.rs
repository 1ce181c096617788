//! `CertificateWorkflow` (id `certificate-{id}`): owns one certificate from issue to its end.
//!
//! Lifecycle commands arrive as updates and are carried out one at a time; the events they
//! record are published in order by the main loop, so the caller is answered as soon as the
//! database change has committed and one certificate's events never overtake each other.

use crate::search_attributes as sa;
use healthcert_activities::{CertificateActivities, EventActivities};
use healthcert_domain::events::{self, CertificateIssued, OutgoingEvent};
use healthcert_domain::workflow::{
    CERTIFICATE_WORKFLOW, CertificateWorkflowInput, CertificateWorkflowState, CommandOutcome,
    IssueCertificate, IssueCommand, IssuedCertificate, QUERY_STATE, UPDATE_ISSUE,
};
use healthcert_domain::{Action, CertificateStatus};
use std::collections::VecDeque;
use std::time::Duration;
use temporalio_common::RetryPolicy;
use temporalio_macros::{workflow, workflow_methods};
use temporalio_sdk::{ActivityOptions, WorkflowContext, WorkflowContextView, WorkflowResult};

type UpdateError = Box<dyn std::error::Error + Send + Sync>;

/// State of one certificate's workflow. Only ids, statuses, dates and event bodies (which hold
/// ids and dates) live here.
#[workflow]
pub struct CertificateWorkflow {
    input: CertificateWorkflowInput,
    status: CertificateStatus,
    expiry_date: Option<chrono::NaiveDate>,
    /// A command is being carried out; the next one waits.
    busy: bool,
    /// Recorded events not yet acknowledged by Kafka, oldest first.
    outbox: VecDeque<OutgoingEvent>,
    events_recorded: u32,
}

fn db_activity_options() -> ActivityOptions {
    ActivityOptions::with_start_to_close_timeout(Duration::from_secs(10))
        .retry_policy(
            RetryPolicy::builder()
                .initial_interval(Duration::from_millis(200))
                .backoff_coefficient(2.0)
                .maximum_interval(Duration::from_secs(5))
                .maximum_attempts(5)
                .non_retryable_error_types([healthcert_domain::workflow::failure_types::NOT_FOUND])
                .build(),
        )
        .build()
}

/// Publication is retried until Kafka takes the event: it has been committed already.
fn publish_activity_options() -> ActivityOptions {
    ActivityOptions::with_start_to_close_timeout(Duration::from_secs(45))
        .retry_policy(
            RetryPolicy::builder()
                .initial_interval(Duration::from_secs(1))
                .backoff_coefficient(2.0)
                .maximum_interval(Duration::from_secs(60))
                .maximum_attempts(0)
                .build(),
        )
        .build()
}

#[workflow_methods]
impl CertificateWorkflow {
    /// Starts from what the API knew of the record.
    #[init]
    pub fn new(_ctx: &WorkflowContextView, input: CertificateWorkflowInput) -> Self {
        Self {
            status: input.status,
            input,
            expiry_date: None,
            busy: false,
            outbox: VecDeque::new(),
            events_recorded: 0,
        }
    }

    /// Publishes recorded events in order until the certificate reaches a terminal status and
    /// every event is out.
    #[run(name = CERTIFICATE_WORKFLOW)]
    pub async fn run(ctx: &mut WorkflowContext<Self>) -> WorkflowResult<CertificateStatus> {
        loop {
            ctx.wait_condition(|s| !s.outbox.is_empty() || (s.status.is_terminal() && !s.busy))
                .await?;
            let Some(event) = ctx.state(|s| s.outbox.front().cloned()) else {
                return Ok(ctx.state(|s| s.status));
            };
            ctx.execute_activity(EventActivities::publish, event, publish_activity_options())
                .await?;
            ctx.state_mut(|s| {
                s.outbox.pop_front();
            });
        }
    }

    /// Issues the pending certificate: number, dates, status `active`; records the issued
    /// event. Refused (as an outcome, not an error) unless the certificate is pending.
    #[update(name = UPDATE_ISSUE)]
    pub async fn issue(
        ctx: &mut WorkflowContext<Self>,
        command: IssueCommand,
    ) -> Result<CommandOutcome<IssuedCertificate>, UpdateError> {
        ctx.wait_condition(|s| !s.busy).await?;
        let (certificate_id, status) = ctx.state(|s| (s.input.certificate_id, s.status));
        if let Err(reason) = status.apply(Action::Issue) {
            return Ok(CommandOutcome::Rejected { reason });
        }
        ctx.state_mut(|s| s.busy = true);
        let outcome = ctx
            .execute_activity(
                CertificateActivities::issue,
                IssueCertificate {
                    certificate_id,
                    command,
                },
                db_activity_options(),
            )
            .await;
        ctx.state_mut(|s| s.busy = false);
        let outcome = outcome?;
        match &outcome {
            CommandOutcome::Done { result } => {
                ctx.state_mut(|s| {
                    s.status = CertificateStatus::Active;
                    s.expiry_date = Some(result.expiry_date);
                    s.events_recorded += 1;
                    let event = CertificateIssued {
                        event_type: events::ISSUED.to_owned(),
                        event_id: events::event_id(
                            certificate_id,
                            events::ISSUED,
                            s.events_recorded,
                        ),
                        certificate_id,
                        user_id: result.user_id,
                        certificate_type: result.certificate_type,
                        issue_date: result.issue_date,
                        expiry_date: result.expiry_date,
                        occurred_at: result.issued_at,
                    };
                    s.outbox.push_back(event.to_outgoing());
                });
                ctx.upsert_search_attributes([
                    sa::CERTIFICATE_STATUS.value_set(CertificateStatus::Active.as_str().to_owned())
                ]);
            }
            CommandOutcome::Rejected { reason } => {
                // The record moved on without this workflow: adopt its status.
                let from = reason.from;
                ctx.state_mut(|s| s.status = from);
            }
        }
        Ok(outcome)
    }

    /// The certificate as this workflow knows it.
    #[query(name = QUERY_STATE)]
    pub fn state(&self, _ctx: &WorkflowContextView) -> CertificateWorkflowState {
        CertificateWorkflowState {
            certificate_id: self.input.certificate_id,
            status: self.status,
            expiry_date: self.expiry_date,
            events_recorded: self.events_recorded,
            events_pending: self.outbox.len(),
        }
    }
}
