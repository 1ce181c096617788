//! Temporal activities: the only code that writes PostgreSQL, MongoDB and Kafka. Each concern
//! is a struct holding its dependencies; every activity is idempotent, so Temporal's retries
//! never apply a change twice.

pub mod certificates;
pub mod events;

pub use certificates::CertificateActivities;
pub use events::EventActivities;
