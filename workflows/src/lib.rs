//! Temporal workflow definitions. Deterministic code only: no I/O, no tokio, no clock but
//! `ctx.workflow_time()`; everything that touches the world is an activity.

pub mod certificate;
pub mod search_attributes;

pub use certificate::CertificateWorkflow;
