//! `TestApp`: the real API on an ephemeral port against the real stack, a real worker, and one
//! helper per endpoint; plus readers for Kafka, PostgreSQL and Temporal to check outcomes.

use healthcert_api::auth::Role;
use healthcert_api::{ApiConfig, AppState};
use healthcert_infra::Settings;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::error::KafkaError;
use rdkafka::{ClientConfig, Message, Offset, TopicPartitionList};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::OnceLock;
use std::time::{Duration, Instant};
use uuid::Uuid;

/// The variables of `dev.env` (what `scripts/stack` sets up).
fn dev_env() -> Vec<(String, String)> {
    let file = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/dev.env"))
        .expect("dev.env is readable");
    file.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect()
}

/// Settings: the process environment first, then `dev.env`, then `overrides` on top.
pub fn settings_with(overrides: &[(&str, &str)]) -> Settings {
    let from_file: HashMap<String, String> = dev_env().into_iter().collect();
    let overrides: HashMap<String, String> = overrides
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    Settings::from_lookup(|k| {
        overrides
            .get(k)
            .cloned()
            .or_else(|| std::env::var(k).ok())
            .or_else(|| from_file.get(k).cloned())
    })
    .expect("settings")
}

/// The environment a child `healthcert` process needs to reach the same stack.
pub fn child_env(settings: &Settings) -> Vec<(String, String)> {
    let mut env: Vec<(String, String)> = dev_env()
        .into_iter()
        .filter(|(k, _)| std::env::var(k).is_err())
        .collect();
    env.push((
        "TEMPORAL_TASK_QUEUE".into(),
        settings.temporal.task_queue.clone(),
    ));
    env
}

static SHARED_QUEUE: OnceLock<String> = OnceLock::new();

/// One worker for the whole test binary, on its own task queue, in a thread with its own
/// runtime (each test has a runtime of its own that ends with the test).
fn shared_worker_queue() -> String {
    SHARED_QUEUE
        .get_or_init(|| {
            let queue = format!("hc-tests-{}", Uuid::new_v4());
            let settings = settings_with(&[("TEMPORAL_TASK_QUEUE", &queue)]);
            std::thread::Builder::new()
                .name("test-worker".into())
                .spawn(move || {
                    let rt = tokio::runtime::Builder::new_multi_thread()
                        .enable_all()
                        .build()
                        .expect("worker runtime");
                    rt.block_on(async {
                        if let Err(e) =
                            healthcert_worker::run(&settings, std::future::pending()).await
                        {
                            eprintln!("test worker stopped: {e:#}");
                        }
                    });
                })
                .expect("worker thread");
            queue
        })
        .clone()
}

/// A running API and what the tests need to talk to it and check its effects.
pub struct TestApp {
    pub base: String,
    pub http: reqwest::Client,
    pub state: AppState,
    pub settings: Settings,
}

impl TestApp {
    /// The API with the shared worker.
    pub async fn spawn() -> Self {
        let queue = shared_worker_queue();
        Self::spawn_with(&[("TEMPORAL_TASK_QUEUE", &queue)]).await
    }

    /// The API with settings overridden (no worker is started for a queue of your own).
    pub async fn spawn_with(overrides: &[(&str, &str)]) -> Self {
        let settings = settings_with(overrides);
        let client = healthcert_infra::temporal::connect(&settings.temporal)
            .await
            .expect("Temporal is up (run `scripts/stack up`)");
        let state = AppState::new(ApiConfig::new(settings.clone()).expect("config"), client);
        healthcert_infra::postgres::migrate(state.pool())
            .await
            .expect("migrations");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        tokio::spawn(healthcert_api::serve(
            state.clone(),
            listener,
            std::future::pending(),
        ));
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(120))
            .build()
            .expect("http client");
        Self {
            base,
            http,
            state,
            settings,
        }
    }

    /// A token for `sub` with `roles`.
    pub fn token(&self, sub: Uuid, roles: &[Role], company: Option<Uuid>) -> String {
        let now = chrono::Utc::now().timestamp();
        self.state
            .auth()
            .mint(sub, roles, company, now, 600)
            .expect("mint")
    }

    /// A health admin's token.
    pub fn admin(&self) -> String {
        self.token(Uuid::new_v4(), &[Role::HealthAdmin], None)
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// An unauthenticated `GET path`.
    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.http.get(self.url(path)).send().await.expect("request")
    }

    /// `POST /api/v1/certificates`
    pub async fn create_certificate(&self, token: &str, body: &Value) -> reqwest::Response {
        self.http
            .post(self.url("/api/v1/certificates"))
            .bearer_auth(token)
            .json(body)
            .send()
            .await
            .expect("request")
    }

    /// Creates a certificate as admin and returns its body.
    pub async fn created(&self, user_id: Uuid, certificate_type: &str) -> Value {
        let r = self
            .create_certificate(
                &self.admin(),
                &json!({
                    "user_id": user_id,
                    "certificate_type": certificate_type,
                    "issuing_authority": "Dubai Health Authority",
                    "required_for_role": Uuid::new_v4(),
                }),
            )
            .await;
        assert_eq!(
            r.status(),
            201,
            "create failed: {}",
            r.text().await.unwrap_or_default()
        );
        r.json().await.expect("json")
    }

    /// `GET /api/v1/certificates/{id}`
    pub async fn get_certificate(&self, token: &str, id: &str) -> reqwest::Response {
        self.http
            .get(self.url(&format!("/api/v1/certificates/{id}")))
            .bearer_auth(token)
            .send()
            .await
            .expect("request")
    }

    /// `GET /api/v1/certificates/user/{user_id}`
    pub async fn list_for_user(&self, token: &str, user_id: &str) -> reqwest::Response {
        self.http
            .get(self.url(&format!("/api/v1/certificates/user/{user_id}")))
            .bearer_auth(token)
            .send()
            .await
            .expect("request")
    }

    /// `PUT /api/v1/certificates/{id}/issue`, with an optional JSON body.
    pub async fn issue(&self, token: &str, id: &str, body: Option<&Value>) -> reqwest::Response {
        let req = self
            .http
            .put(self.url(&format!("/api/v1/certificates/{id}/issue")))
            .bearer_auth(token);
        let req = match body {
            Some(b) => req.json(b),
            None => req,
        };
        req.send().await.expect("request")
    }

    /// How many times the audit log says the certificate was issued.
    pub async fn issue_count(&self, id: Uuid) -> usize {
        self.audit_rows(id)
            .await
            .iter()
            .filter(|(action, _, _)| action == "issue")
            .count()
    }

    /// Audit rows of a certificate, oldest first: (action, before status, after status).
    pub async fn audit_rows(&self, id: Uuid) -> Vec<(String, Option<String>, Option<String>)> {
        sqlx::query_as(
            "SELECT action, before->>'status', after->>'status' FROM audit_log \
             WHERE entity_type = 'certificate' AND entity_id = $1 ORDER BY id",
        )
        .bind(id)
        .fetch_all(self.state.pool())
        .await
        .expect("audit query")
    }
}

/// The problem document of an error response, after checking its status and media type.
pub async fn problem(r: reqwest::Response, status: u16) -> Value {
    assert_eq!(r.status(), status);
    let ct = r
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert_eq!(ct, "application/problem+json");
    let v: Value = r.json().await.expect("problem json");
    assert_eq!(v["status"], status);
    assert!(
        v["type"]
            .as_str()
            .is_some_and(|t| t.starts_with("https://")),
        "{v}"
    );
    assert!(v["title"].is_string() && v["detail"].is_string(), "{v}");
    v
}

/// One message read back from Kafka.
#[derive(Debug, Clone)]
pub struct ReadEvent {
    pub event_id_header: Option<String>,
    pub body: Value,
}

/// Reads `topic` from the beginning until at least `at_least` messages keyed `key` were seen
/// and every partition has been read to its end, or the deadline passes.
pub async fn kafka_events(
    settings: &Settings,
    topic: &str,
    key: &str,
    at_least: usize,
    within: Duration,
) -> Vec<ReadEvent> {
    let bootstrap = settings.kafka_bootstrap_servers.clone();
    let (topic, key) = (topic.to_owned(), key.to_owned());
    tokio::task::spawn_blocking(move || {
        let consumer: BaseConsumer = ClientConfig::new()
            .set("bootstrap.servers", &bootstrap)
            .set("group.id", format!("hc-test-{}", Uuid::new_v4()))
            .set("enable.auto.commit", "false")
            .set("enable.partition.eof", "true")
            .create()
            .expect("consumer");
        let metadata = consumer
            .fetch_metadata(Some(&topic), Duration::from_secs(10))
            .expect("metadata");
        let partitions: Vec<i32> = metadata.topics()[0]
            .partitions()
            .iter()
            .map(|p| p.id())
            .collect();
        let mut tpl = TopicPartitionList::new();
        for p in &partitions {
            tpl.add_partition_offset(&topic, *p, Offset::Beginning)
                .expect("offset");
        }
        consumer.assign(&tpl).expect("assign");
        let mut at_end: HashMap<i32, bool> = partitions.iter().map(|p| (*p, false)).collect();
        let mut found = Vec::new();
        let deadline = Instant::now() + within;
        while Instant::now() < deadline {
            match consumer.poll(Duration::from_millis(200)) {
                Some(Ok(m)) => {
                    at_end.insert(m.partition(), false);
                    if m.key() == Some(key.as_bytes()) {
                        let event_id_header = m.headers().and_then(|h| {
                            use rdkafka::message::Headers;
                            h.iter()
                                .find(|h| h.key == "event_id")
                                .and_then(|h| h.value)
                                .map(|v| String::from_utf8_lossy(v).into_owned())
                        });
                        let body = serde_json::from_slice(m.payload().unwrap_or_default())
                            .expect("event body is JSON");
                        found.push(ReadEvent {
                            event_id_header,
                            body,
                        });
                    }
                }
                Some(Err(KafkaError::PartitionEOF(p))) => {
                    at_end.insert(p, true);
                }
                Some(Err(e)) => panic!("kafka: {e}"),
                None => {}
            }
            if found.len() >= at_least && at_end.values().all(|e| *e) {
                break;
            }
        }
        found
    })
    .await
    .expect("consumer thread")
}

/// Polls `check` every 200 ms until it returns `Some`, or panics after `within`.
pub async fn eventually<T, F, Fut>(within: Duration, what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = Instant::now() + within;
    loop {
        if let Some(v) = check().await {
            return v;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}
