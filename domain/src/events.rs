//! Kafka topics and event bodies. Every body is the seed's, plus a deterministic `event_id`
//! (so a redelivery is recognisable) and `occurred_at`; the key is the certificate id.

use crate::CertificateType;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// `noor.health.certificate.issued`
pub const TOPIC_CERTIFICATE_ISSUED: &str = "noor.health.certificate.issued";
/// `noor.health.certificate.expired`
pub const TOPIC_CERTIFICATE_EXPIRED: &str = "noor.health.certificate.expired";
/// `noor.health.certificate.suspended`
pub const TOPIC_CERTIFICATE_SUSPENDED: &str = "noor.health.certificate.suspended";
/// `noor.health.certificate.revoked`
pub const TOPIC_CERTIFICATE_REVOKED: &str = "noor.health.certificate.revoked";
/// `noor.health.exam.scheduled`
pub const TOPIC_EXAM_SCHEDULED: &str = "noor.health.exam.scheduled";
/// `noor.health.exam.completed`
pub const TOPIC_EXAM_COMPLETED: &str = "noor.health.exam.completed";
/// `noor.health.renewal.initiated`
pub const TOPIC_RENEWAL_INITIATED: &str = "noor.health.renewal.initiated";
/// `noor.health.renewal.completed`
pub const TOPIC_RENEWAL_COMPLETED: &str = "noor.health.renewal.completed";

/// Every topic the service publishes to.
pub const ALL_TOPICS: &[&str] = &[
    TOPIC_CERTIFICATE_ISSUED,
    TOPIC_CERTIFICATE_EXPIRED,
    TOPIC_CERTIFICATE_SUSPENDED,
    TOPIC_CERTIFICATE_REVOKED,
    TOPIC_EXAM_SCHEDULED,
    TOPIC_EXAM_COMPLETED,
    TOPIC_RENEWAL_INITIATED,
    TOPIC_RENEWAL_COMPLETED,
];

/// Namespace of the version-5 UUIDs that identify events.
const EVENT_ID_NAMESPACE: Uuid = Uuid::from_u128(0x5f0e_2a4c_8d1b_4c7e_9a3f_6b2d_1e0c_7a94);

/// The id of the `seq`-th lifecycle event of a certificate: the same inputs always give the same
/// id, so every redelivery of one event carries one id.
pub fn event_id(certificate_id: Uuid, event_type: &str, seq: u32) -> Uuid {
    Uuid::new_v5(
        &EVENT_ID_NAMESPACE,
        format!("{certificate_id}:{event_type}:{seq}").as_bytes(),
    )
}

/// The body of `noor.health.certificate.issued`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CertificateIssued {
    /// Always `ISSUED`.
    pub event_type: String,
    /// Deterministic id of this event.
    pub event_id: Uuid,
    /// The certificate (also the message key).
    pub certificate_id: Uuid,
    /// Its holder.
    pub user_id: Uuid,
    /// Its type.
    pub certificate_type: CertificateType,
    /// Local issue date.
    pub issue_date: NaiveDate,
    /// Local expiry date.
    pub expiry_date: NaiveDate,
    /// When the certificate was issued.
    pub occurred_at: DateTime<Utc>,
}

/// The `event_type` of [`CertificateIssued`].
pub const ISSUED: &str = "ISSUED";

/// An event waiting to be published: its topic, its key and its JSON body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutgoingEvent {
    /// Kafka topic.
    pub topic: String,
    /// Message key (the certificate id, so one certificate's events stay ordered).
    pub key: String,
    /// Deterministic event id, also inside the body.
    pub event_id: Uuid,
    /// Serialised body.
    pub body: serde_json::Value,
}

impl CertificateIssued {
    /// The message to publish for this event.
    pub fn to_outgoing(&self) -> OutgoingEvent {
        OutgoingEvent {
            topic: TOPIC_CERTIFICATE_ISSUED.to_owned(),
            key: self.certificate_id.to_string(),
            event_id: self.event_id,
            body: serde_json::to_value(self).unwrap_or(serde_json::Value::Null),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_ids_are_deterministic_and_distinct() {
        let c = Uuid::from_u128(42);
        assert_eq!(event_id(c, ISSUED, 1), event_id(c, ISSUED, 1));
        assert_ne!(event_id(c, ISSUED, 1), event_id(c, ISSUED, 2));
        assert_ne!(
            event_id(c, ISSUED, 1),
            event_id(Uuid::from_u128(43), ISSUED, 1)
        );
    }

    #[test]
    fn the_issued_body_has_exactly_the_seed_fields_plus_id_and_time() {
        let e = CertificateIssued {
            event_type: ISSUED.into(),
            event_id: Uuid::from_u128(1),
            certificate_id: Uuid::from_u128(2),
            user_id: Uuid::from_u128(3),
            certificate_type: CertificateType::GeneralHealth,
            issue_date: NaiveDate::from_ymd_opt(2024, 1, 15).expect("date"),
            expiry_date: NaiveDate::from_ymd_opt(2025, 1, 15).expect("date"),
            occurred_at: DateTime::from_timestamp(1_705_305_600, 0).expect("time"),
        };
        let out = e.to_outgoing();
        assert_eq!(out.topic, "noor.health.certificate.issued");
        assert_eq!(out.key, e.certificate_id.to_string());
        let mut keys: Vec<_> = out
            .body
            .as_object()
            .expect("object")
            .keys()
            .cloned()
            .collect();
        keys.sort();
        assert_eq!(
            keys,
            [
                "certificate_id",
                "certificate_type",
                "event_id",
                "event_type",
                "expiry_date",
                "issue_date",
                "occurred_at",
                "user_id"
            ]
        );
        assert_eq!(out.body["issue_date"], "2024-01-15");
        assert_eq!(out.body["event_type"], "ISSUED");
    }
}
