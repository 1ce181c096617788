//! The Redis connection (cache, revocation list, rate limits, idempotency keys).

use crate::settings::RedisSettings;
use redis::aio::ConnectionManager;
use secrecy::ExposeSecret;

/// Builds the client; connections are made by [`connect`].
pub fn client(s: &RedisSettings) -> redis::RedisResult<redis::Client> {
    use redis::IntoConnectionInfo;
    let password = s.password.expose_secret();
    let mut info = redis::ConnectionAddr::Tcp(s.host.clone(), s.port).into_connection_info()?;
    if !password.is_empty() {
        let redis_settings = info.redis_settings().clone().set_password(password);
        info = info.set_redis_settings(redis_settings);
    }
    redis::Client::open(info)
}

/// A multiplexed connection that reconnects by itself.
pub async fn connect(client: &redis::Client) -> redis::RedisResult<ConnectionManager> {
    ConnectionManager::new(client.clone()).await
}

/// True when the server answers `PING`.
pub async fn ping(conn: &mut ConnectionManager) -> redis::RedisResult<()> {
    redis::cmd("PING")
        .query_async::<String>(conn)
        .await
        .map(|_| ())
}
