//! HTTP handlers, one module per resource.

pub mod certificates;
pub mod health;
