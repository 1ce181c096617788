//! Integration tests over HTTP against the real local stack (`scripts/stack up`).

mod auth;
mod certificates;
mod durability;
mod errors;
mod health;
mod helpers;
mod openapi;
