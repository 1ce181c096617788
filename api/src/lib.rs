//! The HTTP API (axum): reads PostgreSQL directly and changes certificate lifecycles through
//! their Temporal workflows. [`app`] builds the router so tests can drive it in process.

pub mod auth;
pub mod error;
pub mod extract;
pub mod metrics;
pub mod openapi;
pub mod routes;

use auth::AuthConfig;
use axum::Router;
use axum::extract::{DefaultBodyLimit, FromRef};
use axum::routing::{get, post, put};
use error::ApiError;
use healthcert_infra::cipher::FieldCipher;
use healthcert_infra::kafka::KafkaProbe;
use healthcert_infra::{Settings, mongo, postgres, redis_cache};
use std::sync::Arc;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;

/// Why the API could not be assembled.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    /// A setting is missing or malformed.
    #[error(transparent)]
    Settings(#[from] healthcert_infra::settings::SettingsError),
    /// The field encryption key is missing or malformed.
    #[error(transparent)]
    Cipher(#[from] healthcert_infra::cipher::CipherError),
    /// A client could not be built.
    #[error("{0}")]
    Client(String),
}

/// Everything the API needs but the Temporal connection: settings checked, secrets loaded,
/// clients built (they connect lazily). Built before anything slow happens, so a bad setting
/// stops the process at once.
pub struct ApiConfig {
    settings: Settings,
    pool: sqlx::PgPool,
    mongo: mongodb::Database,
    redis: redis::Client,
    kafka: KafkaProbe,
    auth: AuthConfig,
    cipher: FieldCipher,
}

impl ApiConfig {
    /// Refuses a missing or short `JWT_SECRET_KEY` and a missing or malformed
    /// `FIELD_ENCRYPTION_KEY`. Performs no I/O.
    pub fn new(settings: Settings) -> Result<Self, StartupError> {
        let auth = AuthConfig::new(&settings.jwt)?;
        let cipher = FieldCipher::from_settings(&settings.field_keys)?;
        let mongo =
            mongo::connect(&settings.mongo).map_err(|e| StartupError::Client(e.to_string()))?;
        let redis = redis_cache::client(&settings.redis)
            .map_err(|e| StartupError::Client(e.to_string()))?;
        let kafka = KafkaProbe::new(&settings.kafka_bootstrap_servers)
            .map_err(|e| StartupError::Client(e.to_string()))?;
        Ok(Self {
            pool: postgres::connect_lazy(&settings.postgres),
            settings,
            mongo,
            redis,
            kafka,
            auth,
            cipher,
        })
    }

    /// The settings it was built from.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }
}

/// Shared, cheaply cloned state of the API.
#[derive(Clone)]
pub struct AppState(Arc<Inner>);

struct Inner {
    config: ApiConfig,
    redis_conn: tokio::sync::OnceCell<redis::aio::ConnectionManager>,
    temporal: temporalio_client::Client,
}

impl AppState {
    /// The state from a checked configuration and a connected Temporal client.
    pub fn new(config: ApiConfig, temporal: temporalio_client::Client) -> Self {
        Self(Arc::new(Inner {
            config,
            redis_conn: tokio::sync::OnceCell::new(),
            temporal,
        }))
    }

    /// Settings.
    pub fn settings(&self) -> &Settings {
        &self.0.config.settings
    }
    /// PostgreSQL pool.
    pub fn pool(&self) -> &sqlx::PgPool {
        &self.0.config.pool
    }
    /// MongoDB database.
    pub fn mongo(&self) -> &mongodb::Database {
        &self.0.config.mongo
    }
    /// Kafka client (readiness only: the API never publishes).
    pub fn kafka(&self) -> &KafkaProbe {
        &self.0.config.kafka
    }
    /// Temporal client.
    pub fn temporal(&self) -> &temporalio_client::Client {
        &self.0.temporal
    }
    /// Field cipher.
    pub fn cipher(&self) -> &FieldCipher {
        &self.0.config.cipher
    }
    /// Token verifier.
    pub fn auth(&self) -> &AuthConfig {
        &self.0.config.auth
    }

    async fn redis_ping(&self) -> redis::RedisResult<()> {
        let conn = self
            .0
            .redis_conn
            .get_or_try_init(|| redis_cache::connect(&self.0.config.redis))
            .await?;
        redis_cache::ping(&mut conn.clone()).await
    }
}

impl FromRef<AppState> for AuthConfig {
    fn from_ref(state: &AppState) -> Self {
        state.0.config.auth.clone()
    }
}

async fn not_found() -> ApiError {
    ApiError::NotFound("no such endpoint".into())
}

async fn method_not_allowed() -> ApiError {
    ApiError::MethodNotAllowed
}

async fn openapi_document() -> axum::Json<utoipa::openapi::OpenApi> {
    axum::Json(<openapi::ApiDoc as utoipa::OpenApi>::openapi())
}

async fn render_metrics() -> String {
    metrics::handle().render()
}

/// One span per request: method, path (never the query or headers, which may carry tokens)
/// and the request id that is echoed in `x-request-id`.
fn request_span(req: &axum::http::Request<axum::body::Body>) -> tracing::Span {
    let request_id = req
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    tracing::info_span!("http", method = %req.method(), path = %req.uri().path(), request.id = %request_id)
}

/// The whole router.
pub fn app(state: AppState) -> Router {
    use routes::{certificates, health};
    let api = Router::new()
        .route("/certificates", post(certificates::create))
        .route("/certificates/{id}", get(certificates::get))
        .route(
            "/certificates/user/{user_id}",
            get(certificates::list_for_user),
        )
        .route("/certificates/{id}/issue", put(certificates::issue))
        .route("/openapi.json", get(openapi_document));
    let limit = state.settings().max_body_bytes;
    metrics::handle();
    Router::new()
        .nest("/api/v1", api)
        .route("/health/live", get(health::live))
        .route("/health/ready", get(health::ready))
        .route("/metrics", get(render_metrics))
        .route_layer(axum::middleware::from_fn(metrics::track))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(limit))
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(TraceLayer::new_for_http().make_span_with(request_span))
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
        .with_state(state)
}

/// Serves the API on `listener` until `shutdown` resolves.
pub async fn serve(
    state: AppState,
    listener: tokio::net::TcpListener,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, app(state))
        .with_graceful_shutdown(shutdown)
        .await
}
