//! Adapters to the outside world: settings from the environment, telemetry, PostgreSQL and
//! MongoDB repositories, the Redis cache, the Kafka producer and the field cipher.

pub mod certificates;
pub mod cipher;
pub mod kafka;
pub mod mongo;
pub mod postgres;
pub mod redis_cache;
pub mod settings;
pub mod telemetry;
pub mod temporal;

pub use settings::Settings;
