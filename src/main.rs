//! `healthcert`: one binary for every deployable and admin task.

use anyhow::Context;
use clap::{Parser, Subcommand};
use healthcert_api::auth::{AuthConfig, Role};
use healthcert_api::{ApiConfig, AppState};
use healthcert_infra::{Settings, postgres, telemetry, temporal};
use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

#[derive(Parser)]
#[command(name = "healthcert", version, about = "Health Certification Service")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the HTTP API.
    Api,
    /// Run the Temporal worker (workflows and activities).
    Worker,
    /// Apply migrations, then run the API and the worker in one process.
    Dev,
    /// Apply pending database migrations.
    Migrate,
    /// Mint a JWT for trying the API (signed with JWT_SECRET_KEY).
    Token {
        /// The caller's user id (`sub`); a random one if omitted.
        #[arg(long)]
        sub: Option<Uuid>,
        /// A role (repeatable): health_admin, hr_manager, medical_examiner, employee, auditor, ops.
        #[arg(long = "role", default_value = "health_admin")]
        roles: Vec<Role>,
        /// The caller's company (HR managers).
        #[arg(long)]
        company: Option<Uuid>,
        /// Lifetime in seconds.
        #[arg(long, default_value_t = 3600)]
        ttl: i64,
    },
    /// Operator tools.
    #[command(subcommand)]
    Ops(Ops),
}

#[derive(Subcommand)]
enum Ops {
    /// Print a workflow's history as JSON, for replay tests and investigations.
    History {
        /// The workflow id, e.g. `certificate-<uuid>`.
        workflow_id: String,
    },
}

/// Cancelled on SIGTERM or Ctrl-C.
fn shutdown_token() -> CancellationToken {
    let token = CancellationToken::new();
    let t = token.clone();
    tokio::spawn(async move {
        let term = async {
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(mut s) => {
                    s.recv().await;
                }
                Err(_) => std::future::pending::<()>().await,
            }
        };
        tokio::select! { _ = term => {}, _ = tokio::signal::ctrl_c() => {} }
        tracing::info!("shutdown requested");
        t.cancel();
    });
    token
}

/// Connects to Temporal, retrying for up to a minute while it starts.
async fn connect_temporal(settings: &Settings) -> anyhow::Result<temporalio_client::Client> {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        match temporal::connect(&settings.temporal).await {
            Ok(c) => return Ok(c),
            Err(e) if Instant::now() < deadline => {
                tracing::warn!(error = %e, "Temporal not reachable yet, retrying");
                tokio::time::sleep(Duration::from_secs(2)).await;
            }
            Err(e) => return Err(e).context("connecting to Temporal"),
        }
    }
}

async fn run_api(config: ApiConfig, shutdown: CancellationToken) -> anyhow::Result<()> {
    let client = connect_temporal(config.settings()).await?;
    let addr = config.settings().api_addr;
    let state = AppState::new(config, client);
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("binding the API to {addr}"))?;
    tracing::info!(%addr, "API listening");
    healthcert_api::serve(state, listener, async move { shutdown.cancelled().await })
        .await
        .context("serving the API")
}

async fn migrate(settings: &Settings) -> anyhow::Result<()> {
    let pool = postgres::connect_lazy(&settings.postgres);
    postgres::migrate(&pool)
        .await
        .context("applying migrations")?;
    tracing::info!("migrations applied");
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let settings = Settings::from_env().context("reading settings")?;
    telemetry::init(&settings.log_format);
    match cli.command {
        Command::Api => {
            let config = ApiConfig::new(settings).context("configuring the API")?;
            run_api(config, shutdown_token()).await
        }
        Command::Worker => {
            let token = shutdown_token();
            healthcert_worker::run(&settings, async move { token.cancelled().await }).await
        }
        Command::Dev => {
            let config = ApiConfig::new(settings.clone()).context("configuring the API")?;
            migrate(&settings).await?;
            let token = shutdown_token();
            let worker_token = token.clone();
            // Either half stopping (a bind error, a lost server) stops the other.
            let api = async {
                let r = run_api(config, token.clone()).await;
                token.cancel();
                r
            };
            let worker = async {
                let r = healthcert_worker::run(
                    &settings,
                    async move { worker_token.cancelled().await },
                )
                .await;
                token.cancel();
                r
            };
            let (api, worker) = tokio::join!(api, worker);
            api.and(worker)
        }
        Command::Migrate => migrate(&settings).await,
        Command::Ops(Ops::History { workflow_id }) => {
            let client = temporal::connect(&settings.temporal).await?;
            let json = client
                .get_workflow_handle::<healthcert_workflows::CertificateWorkflow>(&workflow_id)
                .fetch_history(Default::default())
                .to_json()
                .await
                .with_context(|| format!("fetching the history of {workflow_id}"))?;
            #[allow(clippy::print_stdout)]
            {
                println!("{}", String::from_utf8_lossy(&json));
            }
            Ok(())
        }
        Command::Token {
            sub,
            roles,
            company,
            ttl,
        } => {
            let auth = AuthConfig::new(&settings.jwt)?;
            let now = chrono::Utc::now().timestamp();
            let token = auth.mint(sub.unwrap_or_else(Uuid::new_v4), &roles, company, now, ttl)?;
            #[allow(clippy::print_stdout)]
            {
                println!("{token}");
            }
            Ok(())
        }
    }
}
