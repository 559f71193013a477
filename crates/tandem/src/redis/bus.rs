//! The engines' bus over Redis pub/sub: a frame for a tab connected to
//! another process, and "data under this topic changed" for every process's
//! live pages. One channel per application (`<prefix>:bus`); each process
//! publishes in order through one task and hands every message it hears,
//! its own included, to its engine.

use std::sync::{Arc, Weak};
use std::time::Duration;

use futures_util::StreamExt;
use tokio::sync::mpsc;

use super::Redis;
use crate::ui::Engine;
use crate::ui::bus::{Bus, BusMessage};

/// [`Bus`] over Redis pub/sub.
///
/// ```no_run
/// # async fn demo(redis: tandem::redis::Redis, engine: std::sync::Arc<tandem::ui::Engine>) {
/// let bus = tandem::redis::RedisBus::start(redis, &engine).await.unwrap();
/// engine.set_bus(std::sync::Arc::new(bus));
/// # }
/// ```
pub struct RedisBus {
    outgoing: mpsc::UnboundedSender<String>,
}

impl RedisBus {
    /// Subscribes to the application's channel (messages go to `engine`)
    /// and starts the publishing task. Both end with the engine.
    pub async fn start(redis: Redis, engine: &Arc<Engine>) -> Result<Self, super::RedisError> {
        let channel = redis.key("bus");
        let subscription = redis.subscribe(&channel).await?;
        let weak = Arc::downgrade(engine);
        tokio::spawn(listen(redis.clone(), channel.clone(), subscription, weak.clone()));
        let (outgoing, mut queue) = mpsc::unbounded_channel::<String>();
        tokio::spawn(async move {
            let mut connection = redis.connection();
            while let Some(message) = queue.recv().await {
                let sent: Result<i64, _> =
                    ::redis::cmd("PUBLISH").arg(&channel).arg(&message).query_async(&mut connection).await;
                if let Err(error) = sent {
                    tracing::warn!(%error, "cannot publish to Redis; a live update or push was lost");
                }
                if weak.strong_count() == 0 {
                    break;
                }
            }
        });
        Ok(Self { outgoing })
    }
}

impl Bus for RedisBus {
    fn publish(&self, message: BusMessage) {
        if let Ok(text) = serde_json::to_string(&message) {
            let _ = self.outgoing.send(text);
        }
    }
}

/// Hands every message of `channel` to the engine, resubscribing after a
/// lost connection, until the engine is gone.
async fn listen(redis: Redis, channel: String, first: ::redis::aio::PubSub, engine: Weak<Engine>) {
    let mut subscription = Some(first);
    loop {
        let pubsub = match subscription.take() {
            Some(pubsub) => pubsub,
            None => match redis.subscribe(&channel).await {
                Ok(pubsub) => pubsub,
                Err(error) => {
                    tracing::warn!(%error, "cannot subscribe to Redis; retrying");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    continue;
                }
            },
        };
        let mut messages = pubsub.into_on_message();
        while let Some(message) = messages.next().await {
            let Some(engine) = engine.upgrade() else { return };
            match message.get_payload::<String>().ok().and_then(|text| serde_json::from_str(&text).ok()) {
                Some(message) => engine.receive(message),
                None => tracing::warn!("an unreadable message on the Redis bus"),
            }
        }
        if engine.strong_count() == 0 {
            return;
        }
        tracing::warn!("the Redis subscription ended; resubscribing");
    }
}
