//! Pure domain model of the health-certification service: certificate types and validity,
//! the status state machine, certificate numbers, event bodies and workflow contracts.
//!
//! Nothing here performs I/O or reads a clock: time is always a parameter.

pub mod certificate;
pub mod dates;
pub mod events;
pub mod sealed;
pub mod workflow;

pub use certificate::{
    Action, CertificateNumber, CertificateStatus, CertificateType, ExamResult, InvalidTransition,
    MedicalDetails, ParseError,
};
