//! Workflow contracts shared by the API (which starts and updates workflows), the workflows and
//! their activities: task queue, ids, wire names, search attributes and payloads.
//!
//! Payloads carry ids, types, statuses and dates only. Medical data (exam results,
//! restrictions) crosses Temporal only as [`Sealed`] ciphertext, because Temporal stores
//! payloads in clear.

use crate::sealed::Sealed;
use crate::{CertificateNumber, CertificateStatus, CertificateType, InvalidTransition};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The task queue the worker polls unless `TEMPORAL_TASK_QUEUE` says otherwise.
pub const DEFAULT_TASK_QUEUE: &str = "health-certification";

/// Wire name of the certificate workflow type.
pub const CERTIFICATE_WORKFLOW: &str = "CertificateWorkflow";
/// Wire name of the certificate workflow's issue update.
pub const UPDATE_ISSUE: &str = "issue";
/// Wire name of the certificate workflow's state query.
pub const QUERY_STATE: &str = "state";

/// Wire names of activities.
pub mod activity_names {
    /// Issues a pending certificate in PostgreSQL.
    pub const ISSUE_CERTIFICATE: &str = "certificate.issue";
    /// Publishes one event to Kafka.
    pub const PUBLISH_EVENT: &str = "event.publish";
}

/// Custom search attributes (all Keyword). They hold ids, types and stages only.
pub mod search_attributes {
    /// The certificate a workflow is about.
    pub const CERTIFICATE_ID: &str = "CertificateId";
    /// Its type.
    pub const CERTIFICATE_TYPE: &str = "CertificateType";
    /// Its current status.
    pub const CERTIFICATE_STATUS: &str = "CertificateStatus";
}

/// The id of the workflow that owns a certificate's lifecycle.
pub fn certificate_workflow_id(certificate_id: Uuid) -> String {
    format!("certificate-{certificate_id}")
}

/// Start input of the certificate workflow: what the API knew of the record when it started
/// the workflow.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CertificateWorkflowInput {
    /// The certificate.
    pub certificate_id: Uuid,
    /// Its holder.
    pub user_id: Uuid,
    /// Its type.
    pub certificate_type: CertificateType,
    /// Its status in PostgreSQL when the workflow started.
    pub status: CertificateStatus,
}

/// The issue update's input.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IssueCommand {
    /// Who asks (the caller's `sub`).
    pub actor_id: Uuid,
    /// Date of the exam behind the certificate, if given.
    pub exam_date: Option<NaiveDate>,
    /// Exam result and restrictions, sealed by the API.
    pub medical: Option<Sealed>,
}

/// The issue activity's input.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IssueCertificate {
    /// The certificate to issue.
    pub certificate_id: Uuid,
    /// The command, as the update received it.
    pub command: IssueCommand,
}

/// The non-medical facts of an issued certificate, as the issue activity returns them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IssuedCertificate {
    /// The certificate.
    pub certificate_id: Uuid,
    /// Its holder.
    pub user_id: Uuid,
    /// Its type.
    pub certificate_type: CertificateType,
    /// Its new number.
    pub certificate_number: CertificateNumber,
    /// Local issue date.
    pub issue_date: NaiveDate,
    /// Local expiry date.
    pub expiry_date: NaiveDate,
    /// When it was issued.
    pub issued_at: DateTime<Utc>,
}

/// The result of a lifecycle command: done, or refused by the state machine.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum CommandOutcome<T> {
    /// The command was carried out.
    Done {
        /// What it produced.
        result: T,
    },
    /// The command is not allowed in the certificate's status.
    Rejected {
        /// Why.
        reason: InvalidTransition,
    },
}

/// What the certificate workflow's state query returns.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CertificateWorkflowState {
    /// The certificate.
    pub certificate_id: Uuid,
    /// Its status as the workflow knows it.
    pub status: CertificateStatus,
    /// Its expiry date, once issued.
    pub expiry_date: Option<NaiveDate>,
    /// Lifecycle events recorded so far.
    pub events_recorded: u32,
    /// Events recorded but not yet acknowledged by Kafka.
    pub events_pending: usize,
}

/// Error types of activity failures that are never worth a retry. (A status that does not
/// allow an operation is not a failure but a [`CommandOutcome::Rejected`].)
pub mod failure_types {
    /// The certificate does not exist.
    pub const NOT_FOUND: &str = "NotFound";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workflow_ids_are_business_keys() {
        let id = Uuid::from_u128(7);
        assert_eq!(
            certificate_workflow_id(id),
            "certificate-00000000-0000-0000-0000-000000000007"
        );
    }

    #[test]
    fn outcomes_are_tagged() {
        let o: CommandOutcome<u8> = CommandOutcome::Done { result: 1 };
        let v = serde_json::to_value(&o).expect("json");
        assert_eq!(v["outcome"], "done");
    }
}
