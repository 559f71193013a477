//! `/_event`: the WebSocket a page's runtime talks to. The protocol is
//! documented in `docs/protocol.md`.
//!
//! The upgrade is refused (403) when `Origin` is not the site's own or a
//! trusted origin, and when the request carries no stored session (a page
//! load creates one). Frames are JSON text; anything else gets an error frame,
//! never a dropped connection without a reason.

use std::sync::Arc;
use std::time::Instant;

use axum::extract::ws::{CloseFrame, Message, Utf8Bytes, WebSocket, WebSocketUpgrade};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};

use super::context::{EventContext, RouterData};
use super::engine::{Engine, Limits, TabError};
use crate::auth::{CurrentUser, user_of_session};
use crate::context::AppContext;
use crate::http::ApiError;
use crate::http::cookies::request_cookie;
use crate::sessions::{SESSION_COOKIE, Session};

/// Close code: the token belongs to another session.
pub const CLOSE_OTHER_SESSION: u16 = 4403;
/// Close code: a frame over the size limit.
pub const CLOSE_TOO_BIG: u16 = 1009;
/// Close code: the server is shutting down; reconnect.
pub const CLOSE_RESTART: u16 = 1012;

/// A frame from the browser.
#[derive(Deserialize)]
#[serde(tag = "t", rename_all = "snake_case", deny_unknown_fields)]
enum ClientFrame {
    /// Attach to a tab (or open one) for the page at `path`.
    Hello {
        #[serde(default)]
        token: Option<String>,
        path: String,
    },
    /// Run an event of the page's state.
    Event {
        id: u64,
        name: String,
        #[serde(default)]
        args: Value,
    },
}

/// The upgrade handler of `/_event`.
pub async fn event_socket(ctx: AppContext, headers: HeaderMap, upgrade: WebSocketUpgrade) -> Response {
    let (scheme, host) = crate::http::scheme_and_host(&headers, &ctx.settings);
    let origin = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()).unwrap_or("");
    if !crate::csrf::origin::origin_verified(origin, scheme, &host, &ctx.settings.backend.trusted_origins) {
        tracing::warn!(target: "tandem::ui", %origin, "WebSocket upgrade from a foreign origin refused");
        return ApiError::new(StatusCode::FORBIDDEN, "Origin checking failed.").into_response();
    }
    let session = match request_cookie(&headers, SESSION_COOKIE) {
        Some(key) => match Session::load(&ctx.db, &key).await {
            Ok(session) => session,
            Err(error) => return ApiError::internal(error).into_response(),
        },
        None => None,
    };
    let Some(session) = session else {
        return ApiError::new(StatusCode::FORBIDDEN, "No session: load a page first.").into_response();
    };
    let user = match user_of_session(&ctx.db, &session).await {
        Ok(user) => user,
        Err(error) => return ApiError::internal(error).into_response(),
    };
    let session_key = session.key().unwrap_or_default();
    let engine = ctx.ui.clone();
    let limits = engine.limits;
    // Small buffers: an idle tab should cost kilobytes, not the 128 KiB
    // tungstenite reserves by default; they grow for large frames.
    upgrade
        .read_buffer_size(4096)
        .write_buffer_size(0)
        .max_message_size(limits.max_frame_bytes)
        .max_frame_size(limits.max_frame_bytes)
        .on_upgrade(move |socket| Connection { engine, db: ctx.db, session_key, user, tab: None }.run(socket))
}

struct Attached {
    token: String,
    page: usize,
    router: RouterData,
}

struct Connection {
    engine: Arc<Engine>,
    db: sea_orm::DatabaseConnection,
    session_key: String,
    user: CurrentUser,
    tab: Option<Attached>,
}

impl Connection {
    async fn run(mut self, mut socket: WebSocket) {
        let mut bucket = Bucket::new(self.engine.limits);
        let mut closing = self.engine.closing();
        loop {
            let received = tokio::select! {
                received = socket.recv() => match received {
                    Some(received) => received,
                    None => break,
                },
                _ = async { closing.wait_for(|closing| *closing).await.is_ok() } => {
                    let _ = socket.send(close(CLOSE_RESTART, "server restarting")).await;
                    break;
                }
            };
            let text = match received {
                Ok(Message::Text(text)) => text,
                Ok(Message::Binary(_)) => {
                    send(&mut socket, json!({"t": "error", "message": "binary frames are not accepted"})).await;
                    continue;
                }
                Ok(Message::Close(_)) => break,
                Ok(_) => continue,
                Err(error) => {
                    let too_big = error.to_string().to_lowercase().contains("too");
                    let (code, reason) =
                        if too_big { (CLOSE_TOO_BIG, "frame too large") } else { (1002, "protocol error") };
                    tracing::warn!(target: "tandem::ui", %error, "closing an event socket");
                    let _ = socket.send(close(code, reason)).await;
                    break;
                }
            };
            let reply = match serde_json::from_str::<ClientFrame>(&text) {
                Err(error) => json!({"t": "error", "message": format!("malformed frame: {error}")}),
                Ok(ClientFrame::Hello { token, path }) => match self.hello(token, &path).await {
                    Ok(reply) => reply,
                    Err(TabError::OtherSession) => {
                        let _ = socket.send(close(CLOSE_OTHER_SESSION, "token belongs to another session")).await;
                        break;
                    }
                    Err(TabError::Event(error)) => json!({"t": "error", "message": error.message}),
                },
                Ok(ClientFrame::Event { id, name, args }) => {
                    if !bucket.take() {
                        json!({"t": "error", "id": id, "message": "too many events; this one was not applied"})
                    } else {
                        match self.event(&name, args).await {
                            Ok((ops, actions)) if actions.is_empty() => json!({"t": "delta", "id": id, "ops": ops}),
                            Ok((ops, actions)) => json!({"t": "delta", "id": id, "ops": ops, "actions": actions}),
                            Err(TabError::OtherSession) => {
                                let _ =
                                    socket.send(close(CLOSE_OTHER_SESSION, "token belongs to another session")).await;
                                break;
                            }
                            Err(TabError::Event(error)) => json!({"t": "error", "id": id, "message": error.message}),
                        }
                    }
                }
            };
            if !send(&mut socket, reply).await {
                break;
            }
        }
        if let Some(tab) = &self.tab {
            self.engine.detach(&tab.token);
        }
    }

    async fn hello(&mut self, token: Option<String>, path: &str) -> Result<Value, TabError> {
        let (path, query) = path.split_once('?').map_or((path, None), |(p, q)| (p, Some(q)));
        let engine = self.engine.clone();
        let Some((page, router)) = engine.route(path, query) else {
            return Err(TabError::Event(super::state::EventError::new(format!("no page at `{path}`"))));
        };
        let index = engine.pages().position(|p| std::ptr::eq(p, page)).unwrap_or(0);
        let attached = match token {
            Some(token) => {
                engine
                    .attach(&token, page, router.clone(), &self.session_key, self.user.clone(), self.db.clone())
                    .await?
            }
            None => None,
        };
        let (token, data) = match attached {
            Some(found) => found,
            None => {
                let opened = engine
                    .open_tab(page, router.clone(), &self.session_key, self.user.clone(), self.db.clone())
                    .await?;
                engine.connect(&opened.0);
                opened
            }
        };
        if let Some(previous) = self.tab.replace(Attached { token: token.clone(), page: index, router })
            && previous.token != token
        {
            engine.detach(&previous.token);
        }
        Ok(json!({"t": "ready", "token": token, "state": page.state_name(), "data": data}))
    }

    async fn event(
        &mut self,
        name: &str,
        args: Value,
    ) -> Result<(Vec<super::delta::Op>, Vec<super::context::Action>), TabError> {
        let Some(tab) = &self.tab else {
            return Err(TabError::Event(super::state::EventError::new("send a hello frame first")));
        };
        let engine = self.engine.clone();
        let Some(page) = engine.pages().nth(tab.page) else {
            return Err(TabError::Event(super::state::EventError::new("the page is gone")));
        };
        let mut ctx = EventContext::new(
            self.db.clone(),
            self.user.clone(),
            tab.router.clone(),
            tab.token.clone(),
            &self.session_key,
        );
        let result = engine.event(page, name, args, &mut ctx, &self.session_key).await;
        if let Err(TabError::Event(error)) = &result {
            tracing::warn!(target: "tandem::ui", state = page.state_name(), event = name, %error, "event failed; state rolled back");
        }
        result
    }
}

async fn send(socket: &mut WebSocket, frame: Value) -> bool {
    socket.send(Message::Text(Utf8Bytes::from(frame.to_string()))).await.is_ok()
}

fn close(code: u16, reason: &'static str) -> Message {
    Message::Close(Some(CloseFrame { code, reason: Utf8Bytes::from_static(reason) }))
}

/// A token bucket: `burst` events at once, refilled at `events_per_second`.
struct Bucket {
    tokens: f64,
    rate: f64,
    burst: f64,
    last: Instant,
}

impl Bucket {
    fn new(limits: Limits) -> Self {
        let burst = f64::from(limits.burst.max(1));
        Self { tokens: burst, rate: f64::from(limits.events_per_second.max(1)), burst, last: Instant::now() }
    }

    fn take(&mut self) -> bool {
        let now = Instant::now();
        self.tokens = (self.tokens + now.duration_since(self.last).as_secs_f64() * self.rate).min(self.burst);
        self.last = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}
