//! Certificate types, statuses, exam results, the lifecycle state machine and certificate numbers.

use chrono::{DateTime, Datelike, Timelike};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// A value that did not parse into one of the domain's closed vocabularies.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {kind} `{value}`; expected one of: {expected}")]
pub struct ParseError {
    /// What was being parsed (`certificate_type`, `exam_result` …).
    pub kind: &'static str,
    /// The rejected input.
    pub value: String,
    /// The accepted values, comma separated.
    pub expected: String,
}

macro_rules! closed_enum {
    ($(#[$meta:meta])* $name:ident, $kind:literal { $($variant:ident => $wire:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        pub enum $name {
            $(#[serde(rename = $wire)] $variant),+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The wire (JSON and database) spelling.
            pub const fn as_str(self) -> &'static str {
                match self { $($name::$variant => $wire),+ }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $name {
            type Err = ParseError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($wire => Ok($name::$variant),)+
                    _ => Err(ParseError {
                        kind: $kind,
                        value: s.to_owned(),
                        expected: [$($wire),+].join(", "),
                    }),
                }
            }
        }
    };
}

closed_enum!(
    /// The eight certificate types of the service.
    CertificateType, "certificate_type" {
        GeneralHealth => "general_health",
        OccupationalHealth => "occupational_health",
        FoodHandler => "food_handler",
        HealthcareWorker => "healthcare_worker",
        ChildcareWorker => "childcare_worker",
        FitnessToWork => "fitness_to_work",
        DrivingMedical => "driving_medical",
        AviationMedical => "aviation_medical",
    }
);

closed_enum!(
    /// Where a certificate is in its lifecycle. `pending` is a created record not yet issued.
    CertificateStatus, "status" {
        Pending => "pending",
        Active => "active",
        ExpiringSoon => "expiring_soon",
        Expired => "expired",
        Suspended => "suspended",
        Revoked => "revoked",
    }
);

closed_enum!(
    /// The outcome of the medical exam behind a certificate.
    ExamResult, "exam_result" {
        Fit => "fit",
        FitWithRestrictions => "fit_with_restrictions",
        TemporarilyUnfit => "temporarily_unfit",
    }
);

impl CertificateType {
    /// Validity in months: 24 for driving medicals, `default_months` (`DEFAULT_VALIDITY_MONTHS`,
    /// 12 unless configured) for every other type.
    pub const fn validity_months(self, default_months: u32) -> u32 {
        match self {
            CertificateType::DrivingMedical => 24,
            _ => default_months,
        }
    }

    /// The two-letter prefix of this type's certificate numbers (`GH` for general health).
    pub const fn number_prefix(self) -> &'static str {
        match self {
            CertificateType::GeneralHealth => "GH",
            CertificateType::OccupationalHealth => "OH",
            CertificateType::FoodHandler => "FH",
            CertificateType::HealthcareWorker => "HW",
            CertificateType::ChildcareWorker => "CW",
            CertificateType::FitnessToWork => "FW",
            CertificateType::DrivingMedical => "DM",
            CertificateType::AviationMedical => "AM",
        }
    }

    fn from_prefix(prefix: &str) -> Option<Self> {
        Self::ALL
            .iter()
            .copied()
            .find(|t| t.number_prefix() == prefix)
    }
}

/// The medical part of a certificate: stored and carried only sealed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MedicalDetails {
    /// Outcome of the exam.
    pub exam_result: Option<ExamResult>,
    /// Work restrictions, e.g. "No heavy lifting".
    pub restrictions: Vec<String>,
}

/// A lifecycle operation on a certificate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Create the pending record.
    Create,
    /// Pending → active, with number and dates.
    Issue,
    /// Active or expiring soon → suspended.
    Suspend,
    /// Suspended → active (or expiring soon / expired, by date).
    Reinstate,
    /// Any non-terminal status → revoked.
    Revoke,
    /// Active → expiring soon, by date.
    MarkExpiringSoon,
    /// Active or expiring soon → expired, by date.
    Expire,
}

impl Action {
    /// The audit-log spelling.
    pub const fn as_str(self) -> &'static str {
        match self {
            Action::Create => "create",
            Action::Issue => "issue",
            Action::Suspend => "suspend",
            Action::Reinstate => "reinstate",
            Action::Revoke => "revoke",
            Action::MarkExpiringSoon => "mark_expiring_soon",
            Action::Expire => "expire",
        }
    }
}

/// An operation that the certificate's current status does not allow.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("cannot {action} a certificate whose status is {from}", action = .action.as_str())]
pub struct InvalidTransition {
    /// The status the certificate is in.
    pub from: CertificateStatus,
    /// The refused operation.
    pub action: Action,
}

impl CertificateStatus {
    /// The status an action leads to from this one, or why it is refused. Reinstating leads back
    /// to `active`; the date-driven transitions then move it on.
    pub fn apply(self, action: Action) -> Result<CertificateStatus, InvalidTransition> {
        use Action as A;
        use CertificateStatus as S;
        let next = match (self, action) {
            (S::Pending, A::Issue) => S::Active,
            (S::Active | S::ExpiringSoon, A::Suspend) => S::Suspended,
            (S::Suspended, A::Reinstate) => S::Active,
            (S::Pending | S::Active | S::ExpiringSoon | S::Suspended | S::Expired, A::Revoke) => {
                S::Revoked
            }
            (S::Active, A::MarkExpiringSoon) => S::ExpiringSoon,
            (S::Active | S::ExpiringSoon, A::Expire) => S::Expired,
            (from, action) => return Err(InvalidTransition { from, action }),
        };
        Ok(next)
    }

    /// True once nothing more can happen to the certificate.
    pub const fn is_terminal(self) -> bool {
        matches!(
            self,
            CertificateStatus::Revoked | CertificateStatus::Expired
        )
    }
}

/// A certificate number such as `GH-20240115120000-ABCD1234`: the type's prefix, the local
/// issue timestamp (`YYYYMMDDHHMMSS`) and eight random upper-case alphanumerics.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CertificateNumber(String);

/// Length of the random part of a certificate number.
pub const NUMBER_SUFFIX_LEN: usize = 8;
/// The alphabet of the random part of a certificate number.
pub const NUMBER_SUFFIX_ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

/// Why a string is not a certificate number.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a certificate number (expected e.g. GH-20240115120000-ABCD1234)")]
pub struct InvalidCertificateNumber(pub String);

impl CertificateNumber {
    /// Builds the number of a certificate of `certificate_type` issued at `issued_at` (local
    /// time of the issuing authority), with `suffix` drawn by the caller from
    /// [`NUMBER_SUFFIX_ALPHABET`].
    pub fn new<Tz: chrono::TimeZone>(
        certificate_type: CertificateType,
        issued_at: &DateTime<Tz>,
        suffix: &str,
    ) -> Result<Self, InvalidCertificateNumber> {
        let raw = format!(
            "{}-{:04}{:02}{:02}{:02}{:02}{:02}-{}",
            certificate_type.number_prefix(),
            issued_at.year(),
            issued_at.month(),
            issued_at.day(),
            issued_at.hour(),
            issued_at.minute(),
            issued_at.second(),
            suffix
        );
        Self::parse(&raw)
    }

    /// Validates the format of a certificate number.
    pub fn parse(raw: &str) -> Result<Self, InvalidCertificateNumber> {
        let bad = || InvalidCertificateNumber(raw.to_owned());
        let mut parts = raw.split('-');
        let (Some(prefix), Some(stamp), Some(suffix), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(bad());
        };
        CertificateType::from_prefix(prefix).ok_or_else(bad)?;
        chrono::NaiveDateTime::parse_from_str(stamp, "%Y%m%d%H%M%S").map_err(|_| bad())?;
        if stamp.len() != 14
            || suffix.len() != NUMBER_SUFFIX_LEN
            || !suffix.bytes().all(|b| NUMBER_SUFFIX_ALPHABET.contains(&b))
        {
            return Err(bad());
        }
        Ok(Self(raw.to_owned()))
    }

    /// The number as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The certificate type encoded in the prefix.
    pub fn certificate_type(&self) -> CertificateType {
        let prefix = self.0.split('-').next().unwrap_or_default();
        CertificateType::from_prefix(prefix).unwrap_or(CertificateType::GeneralHealth)
    }
}

impl TryFrom<String> for CertificateNumber {
    type Error = InvalidCertificateNumber;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<CertificateNumber> for String {
    fn from(value: CertificateNumber) -> Self {
        value.0
    }
}

impl fmt::Display for CertificateNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{FixedOffset, TimeZone};

    #[test]
    fn every_type_parses_from_its_wire_name_and_back() {
        assert_eq!(CertificateType::ALL.len(), 8);
        for t in CertificateType::ALL {
            assert_eq!(t.as_str().parse::<CertificateType>(), Ok(*t));
            let json = serde_json::to_string(t).expect("serialise");
            assert_eq!(json, format!("\"{}\"", t.as_str()));
        }
    }

    #[test]
    fn an_unknown_type_is_rejected_with_the_accepted_values() {
        let err = "dental".parse::<CertificateType>().expect_err("must fail");
        assert_eq!(err.kind, "certificate_type");
        assert!(err.expected.contains("aviation_medical"));
    }

    #[test]
    fn driving_medicals_last_24_months_and_the_rest_the_default() {
        for t in CertificateType::ALL {
            let expected = if *t == CertificateType::DrivingMedical {
                24
            } else {
                12
            };
            assert_eq!(t.validity_months(12), expected, "{t}");
        }
        assert_eq!(CertificateType::FoodHandler.validity_months(6), 6);
    }

    #[test]
    fn prefixes_are_distinct() {
        let mut seen = std::collections::HashSet::new();
        for t in CertificateType::ALL {
            assert!(seen.insert(t.number_prefix()), "duplicate prefix for {t}");
        }
        assert_eq!(CertificateType::GeneralHealth.number_prefix(), "GH");
    }

    #[test]
    fn a_number_has_the_seed_format() {
        let dubai = FixedOffset::east_opt(4 * 3600).expect("offset");
        let at = dubai
            .with_ymd_and_hms(2024, 1, 15, 12, 0, 0)
            .single()
            .expect("time");
        let n =
            CertificateNumber::new(CertificateType::GeneralHealth, &at, "ABCD1234").expect("valid");
        assert_eq!(n.as_str(), "GH-20240115120000-ABCD1234");
        assert_eq!(n.certificate_type(), CertificateType::GeneralHealth);
    }

    #[test]
    fn malformed_numbers_are_rejected() {
        for bad in [
            "",
            "GH-20240115120000-abcd1234",
            "XX-20240115120000-ABCD1234",
            "GH-20241315120000-ABCD1234",
            "GH-20240115120000-ABCD123",
            "GH-20240115120000-ABCD1234-1",
            "GH-2024011512000-ABCD1234",
        ] {
            assert!(CertificateNumber::parse(bad).is_err(), "{bad:?} accepted");
        }
        assert!(CertificateNumber::parse("DM-20261204093000-Z9Y8X7W6").is_ok());
    }

    #[test]
    fn only_pending_certificates_can_be_issued() {
        use CertificateStatus as S;
        assert_eq!(S::Pending.apply(Action::Issue), Ok(S::Active));
        for s in [
            S::Active,
            S::ExpiringSoon,
            S::Expired,
            S::Suspended,
            S::Revoked,
        ] {
            assert_eq!(
                s.apply(Action::Issue),
                Err(InvalidTransition {
                    from: s,
                    action: Action::Issue
                })
            );
        }
    }

    #[test]
    fn lifecycle_transitions_follow_the_state_machine() {
        use CertificateStatus as S;
        assert_eq!(S::Active.apply(Action::Suspend), Ok(S::Suspended));
        assert_eq!(S::ExpiringSoon.apply(Action::Suspend), Ok(S::Suspended));
        assert_eq!(S::Suspended.apply(Action::Reinstate), Ok(S::Active));
        assert_eq!(
            S::Active.apply(Action::MarkExpiringSoon),
            Ok(S::ExpiringSoon)
        );
        assert_eq!(S::ExpiringSoon.apply(Action::Expire), Ok(S::Expired));
        assert_eq!(S::Suspended.apply(Action::Revoke), Ok(S::Revoked));
        assert!(S::Revoked.apply(Action::Revoke).is_err());
        assert!(S::Revoked.apply(Action::Reinstate).is_err());
        assert!(S::Pending.apply(Action::Suspend).is_err());
        assert!(S::Expired.apply(Action::Suspend).is_err());
        assert!(S::Revoked.is_terminal() && S::Expired.is_terminal() && !S::Active.is_terminal());
    }

    #[test]
    fn an_invalid_transition_explains_itself() {
        let e = CertificateStatus::Active
            .apply(Action::Issue)
            .expect_err("refused");
        assert_eq!(
            e.to_string(),
            "cannot issue a certificate whose status is active"
        );
    }
}
