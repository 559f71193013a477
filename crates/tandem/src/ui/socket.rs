//! `/_event`: the WebSocket a page's runtime talks to. The protocol is
//! documented in `docs/protocol.md`.
//!
//! The upgrade is refused (403) when `Origin` is not the site's own or a
//! trusted origin, and when the request carries no session cookie this
//! application issued (a page load hands one out). Frames are JSON text;
//! anything else gets an error frame, never a dropped connection without a
//! reason. `hello` frames count against the event rate limit; a connection
//! that stays silent (pongs included) for two ping intervals is dropped; one
//! whose session ends (logout, password change) is closed with 4401.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use axum::extract::ws::{CloseFrame, Message, Utf8Bytes, WebSocket, WebSocketUpgrade};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::Value;

use super::context::RouterData;
use super::engine::{Caller, Engine, Limits, TabError};
use super::outbox::{Frame, Inbox, Outbox, Outgoing, outbox};
use crate::auth::user_of_session;
use crate::context::AppContext;
use crate::http::ApiError;
use crate::http::cookies::request_cookie;
use crate::sessions::{SESSION_COOKIE, Session};

/// Close code: the token belongs to another session (or was never issued to this one).
pub const CLOSE_OTHER_SESSION: u16 = 4403;
/// Close code: a frame over the size limit.
pub const CLOSE_TOO_BIG: u16 = 1009;
/// Close code: the server is shutting down; reconnect.
pub const CLOSE_RESTART: u16 = 1012;
/// Close code: the connection's session ended (logout, a new key at login,
/// a changed password); the runtime loads the page again.
pub const CLOSE_SESSION_ENDED: u16 = 4401;

/// A frame from the browser.
#[derive(Debug, PartialEq)]
enum ClientFrame<'a> {
    /// Attach to a tab (or open one) for the page at `path`.
    Hello {
        token: Option<String>,
        path: String,
        /// The values the browser keeps for client storage fields.
        storage: serde_json::Map<String, Value>,
    },
    /// Run an event of the page's state.
    Event { id: u64, name: Cow<'a, str>, args: Value },
}

/// The kinds of client frames (`t`).
#[derive(Deserialize)]
#[serde(rename_all = "snake_case")]
enum Kind {
    Hello,
    Event,
}

/// Every field a client frame may have, read in one pass (an internally
/// tagged enum would buffer the whole frame first); [`ClientFrame::parse`]
/// checks which belong to its kind.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Fields<'a> {
    t: Kind,
    token: Option<String>,
    path: Option<String>,
    storage: Option<serde_json::Map<String, Value>>,
    id: Option<u64>,
    #[serde(borrow)]
    name: Option<Cow<'a, str>>,
    args: Option<Value>,
}

impl<'a> ClientFrame<'a> {
    /// The frame in `text`, or what is wrong with it.
    fn parse(text: &'a str) -> Result<Self, String> {
        let fields: Fields<'a> = serde_json::from_str(text).map_err(|error| error.to_string())?;
        let foreign = |present: bool, field: &str, kind: &str| {
            if present { Err(format!("{kind} frames have no field `{field}`")) } else { Ok(()) }
        };
        let missing = |field: &str| format!("missing field `{field}`");
        match fields.t {
            Kind::Hello => {
                foreign(fields.id.is_some(), "id", "hello")?;
                foreign(fields.name.is_some(), "name", "hello")?;
                foreign(fields.args.is_some(), "args", "hello")?;
                Ok(ClientFrame::Hello {
                    token: fields.token,
                    path: fields.path.ok_or_else(|| missing("path"))?,
                    storage: fields.storage.unwrap_or_default(),
                })
            }
            Kind::Event => {
                foreign(fields.token.is_some(), "token", "event")?;
                foreign(fields.path.is_some(), "path", "event")?;
                foreign(fields.storage.is_some(), "storage", "event")?;
                Ok(ClientFrame::Event {
                    id: fields.id.ok_or_else(|| missing("id"))?,
                    name: fields.name.ok_or_else(|| missing("name"))?,
                    args: fields.args.unwrap_or_default(),
                })
            }
        }
    }
}

/// The upgrade handler of `/_event`.
pub async fn event_socket(
    ctx: AppContext,
    axum::Extension(engine): axum::Extension<Arc<Engine>>,
    axum::extract::ConnectInfo(peer): axum::extract::ConnectInfo<std::net::SocketAddr>,
    headers: HeaderMap,
    upgrade: WebSocketUpgrade,
) -> Response {
    let (scheme, host) = crate::http::scheme_and_host(&headers, &ctx.settings);
    let origin = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()).unwrap_or("");
    if !crate::csrf::origin::origin_verified(origin, scheme, &host, &ctx.settings.backend.trusted_origins) {
        let origin = crate::http::log::clip(origin);
        tracing::warn!(target: "tandem::ui", %origin, "WebSocket upgrade from a foreign origin refused");
        return ApiError::new(StatusCode::FORBIDDEN, "Origin checking failed.").into_response();
    }
    let session = match request_cookie(&headers, SESSION_COOKIE) {
        Some(key) => match Session::open(&ctx.db, &ctx.settings.secret_key, &key).await {
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
    let limits = engine.limits;
    // Small buffers: an idle tab should cost kilobytes, not the 128 KiB
    // tungstenite reserves by default; they grow for large frames. Each read
    // zeroes a chunk of the read buffer's size first, so a small chunk is
    // also cheaper for the small frames events are.
    upgrade
        .read_buffer_size(1024)
        .write_buffer_size(0)
        .max_message_size(limits.max_frame_bytes)
        .max_frame_size(limits.max_frame_bytes)
        .on_upgrade(move |socket| {
            let (outbox, inbox) = outbox();
            let origin = Some(format!("{scheme}://{host}"));
            let caller = Caller { session_key, user, db: ctx.db, client: Some(peer.ip()), origin };
            let secret = ctx.settings.secret_key.clone();
            let connection = Connection {
                engine,
                caller,
                secret,
                tab: None,
                outbox,
                last_accepted: HashMap::new(),
                checked: Instant::now(),
            };
            connection.run(socket, inbox)
        })
}

struct Attached {
    token: String,
    page: usize,
    router: RouterData,
}

struct Connection {
    engine: Arc<Engine>,
    caller: Caller,
    /// The application's `SECRET_KEY` (to recognise the session's key).
    secret: String,
    tab: Option<Attached>,
    outbox: Outbox,
    /// When each server-throttled event was last accepted.
    last_accepted: HashMap<String, Instant>,
    /// When the session was last found still valid.
    checked: Instant,
}

/// What the connection does next.
enum Work {
    /// A frame from the browser.
    Frame(Utf8Bytes),
    /// Data under a topic changed.
    Changed(Arc<str>),
}

/// How a frame from the browser ended.
enum Handled {
    Done,
    /// Close the connection with this code and reason.
    Close(u16, &'static str),
}

impl Connection {
    async fn run(mut self, mut socket: WebSocket, mut inbox: Inbox) {
        let mut bucket = Bucket::new(self.engine.limits);
        let mut closing = self.engine.closing();
        // Topics whose data changed while the connection was busy, each once.
        let mut changed = Changed::default();
        let ping_every = self.engine.limits.ping;
        let mut ping = tokio::time::interval_at(tokio::time::Instant::now() + ping_every, ping_every);
        let mut heard = Instant::now();
        loop {
            let work = if let Some(topic) = changed.next() {
                Work::Changed(topic)
            } else {
                tokio::select! {
                    biased;
                    Some(outgoing) = inbox.recv() => match outgoing {
                        Outgoing::Frame(frame) => {
                            if !send_text(&mut socket, frame).await {
                                break;
                            }
                            continue;
                        }
                        Outgoing::Changed(topic) => Work::Changed(topic),
                        Outgoing::Close(code, reason) => {
                            let _ = socket.send(close(code, reason)).await;
                            break;
                        }
                    },
                    _ = async { closing.wait_for(|closing| *closing).await.is_ok() } => {
                        let _ = socket.send(close(CLOSE_RESTART, "server restarting")).await;
                        break;
                    }
                    _ = ping.tick() => {
                        if heard.elapsed() >= ping_every * 2 {
                            tracing::debug!(target: "tandem::ui", "dropping a silent event socket");
                            break;
                        }
                        if socket.send(Message::Ping(bytes::Bytes::new())).await.is_err() {
                            break;
                        }
                        continue;
                    }
                    received = socket.recv() => match received {
                        Some(Ok(Message::Text(text))) => Work::Frame(text),
                        Some(Ok(Message::Binary(_))) => {
                            self.reply(Frame::error(None, "binary frames are not accepted", &[]));
                            continue;
                        }
                        Some(Ok(Message::Close(_))) | None => break,
                        Some(Ok(_)) => {
                            heard = Instant::now();
                            continue;
                        }
                        Some(Err(error)) => {
                            let too_big = error.to_string().to_lowercase().contains("too");
                            let (code, reason) =
                                if too_big { (CLOSE_TOO_BIG, "frame too large") } else { (1002, "protocol error") };
                            tracing::warn!(target: "tandem::ui", %error, "closing an event socket");
                            let _ = socket.send(close(code, reason)).await;
                            break;
                        }
                    },
                }
            };
            // While the work runs, what it pushes is forwarded at once (a
            // handler streaming its progress).
            let handling = self.work(work, &mut bucket);
            tokio::pin!(handling);
            let mut ended = None;
            let handled = loop {
                tokio::select! {
                    biased;
                    handled = &mut handling => break handled,
                    Some(outgoing) = inbox.recv() => match outgoing {
                        Outgoing::Frame(frame) => { let _ = send_text(&mut socket, frame).await; }
                        Outgoing::Changed(topic) => changed.push(topic),
                        Outgoing::Close(code, reason) => { ended.get_or_insert((code, reason)); }
                    },
                }
            };
            heard = Instant::now();
            let mut open = true;
            while let Ok(outgoing) = inbox.try_recv() {
                match outgoing {
                    Outgoing::Frame(frame) => open = open && send_text(&mut socket, frame).await,
                    Outgoing::Changed(topic) => changed.push(topic),
                    Outgoing::Close(code, reason) => {
                        ended.get_or_insert((code, reason));
                    }
                }
            }
            let ended = match handled {
                Handled::Close(code, reason) => Some((code, reason)),
                Handled::Done => ended,
            };
            if let Some((code, reason)) = ended {
                let _ = socket.send(close(code, reason)).await;
                break;
            }
            if !open {
                break;
            }
        }
        if let Some(tab) = &self.tab {
            self.engine.leave(&tab.token).await;
        }
    }

    async fn work(&mut self, work: Work, bucket: &mut Bucket) -> Handled {
        match work {
            Work::Frame(text) => self.handle(&text, bucket).await,
            Work::Changed(topic) => {
                let outcome = self.refresh(&topic).await;
                match outcome {
                    Err(TabError::OtherSession) => {
                        Handled::Close(CLOSE_OTHER_SESSION, "token not issued to this session")
                    }
                    _ => Handled::Done,
                }
            }
        }
    }

    /// Runs the page's live event for `topic`, if it has one.
    async fn refresh(&mut self, topic: &str) -> Result<(), TabError> {
        let Some(tab) = &self.tab else { return Ok(()) };
        let engine = self.engine.clone();
        let Some(page) = engine.pages().nth(tab.page) else { return Ok(()) };
        let Some(event) = page.live_event(topic) else { return Ok(()) };
        let ctx = self.caller.context(tab.router.clone(), tab.token.clone());
        engine.event(page, None, event, Value::Null, ctx, &self.outbox).await.map(drop)
    }

    /// Queues a frame that changes no state.
    fn reply(&self, frame: Frame<'_>) {
        self.outbox.send(frame.encode());
    }

    async fn handle(&mut self, text: &str, bucket: &mut Bucket) -> Handled {
        let frame = match ClientFrame::parse(text) {
            Err(error) => {
                let error = crate::http::log::clip(&error);
                self.reply(Frame::error(None, &format!("malformed frame: {error}"), &[]));
                return Handled::Done;
            }
            Ok(frame) => frame,
        };
        if !bucket.take() {
            let message = "too many events; this one was not applied";
            match &frame {
                ClientFrame::Event { id, .. } => self.reply(Frame::error(Some(*id), message, &[])),
                ClientFrame::Hello { .. } => self.reply(Frame::error(None, message, &[])),
            }
            return Handled::Done;
        }
        // A guarded page or event reads the session again right now: a
        // logout elsewhere must not leave it usable for a moment.
        let guarded = match &frame {
            ClientFrame::Hello { path, .. } => {
                let (path, query) = path.split_once('?').map_or((path.as_str(), None), |(p, q)| (p, Some(q)));
                self.engine.route(path, query).is_some_and(|(page, _)| !page.guards.is_empty())
            }
            ClientFrame::Event { name, .. } => self
                .tab
                .as_ref()
                .and_then(|tab| self.engine.pages().nth(tab.page))
                .is_some_and(|page| !page.guards_of(name).is_empty()),
        };
        if !self.session_still_valid(guarded).await {
            return Handled::Close(CLOSE_SESSION_ENDED, "the session ended");
        }
        let outcome = match frame {
            ClientFrame::Hello { token: Some(token), .. } if !super::tokens::is_well_formed(&token) => {
                self.reply(Frame::error(None, "malformed token: not a token this server issued", &[]));
                Ok(())
            }
            ClientFrame::Hello { token, path, storage } => self.hello(token, &path, &storage).await,
            ClientFrame::Event { id, name, args } => self.event(id, &name, args).await,
        };
        match outcome {
            Ok(()) => Handled::Done,
            Err(TabError::OtherSession) => Handled::Close(CLOSE_OTHER_SESSION, "token not issued to this session"),
            Err(TabError::Event(error)) => {
                self.reply(Frame::error(None, &error.message, &[]));
                Handled::Done
            }
        }
    }

    async fn hello(
        &mut self,
        token: Option<String>,
        path: &str,
        stored: &serde_json::Map<String, Value>,
    ) -> Result<(), TabError> {
        let asked = path;
        let (path, query) = path.split_once('?').map_or((path, None), |(p, q)| (p, Some(q)));
        let engine = self.engine.clone();
        // A path no page serves shows the 404 page, as its HTTP answer does.
        let (page, router) = engine.route(path, query).unwrap_or_else(|| engine.not_found(path, query));
        // A guarded page refused: no state is made, nothing runs; the
        // runtime goes where `navigate` says (the login page, or the page
        // itself over HTTP, which answers 403).
        if let Err(refusal) = crate::auth::Guard::check_all(&page.guards, &self.caller.user, &self.caller.db).await {
            let navigate = match refusal {
                crate::auth::Refusal::Login => {
                    let login = crate::auth::Guard::login_url_of(&page.guards, engine.login_url());
                    Some(crate::auth::login_url_with_next(login, asked))
                }
                crate::auth::Refusal::Permission => Some(crate::auth::safe_next(asked).to_string()),
                crate::auth::Refusal::Failed(_) => None,
            };
            self.reply(Frame::refused(refusal.page_message(), navigate.as_deref()));
            return Ok(());
        }
        let index = engine.pages().position(|p| std::ptr::eq(p, page)).unwrap_or(0);
        // Its own tab again (client-side navigation) is not a duplicate.
        if let (Some(tab), Some(token)) = (&self.tab, &token)
            && &tab.token == token
        {
            engine.detach(token);
        }
        let token =
            engine.hello(token.as_deref(), page, router.clone(), self.caller.clone(), stored, &self.outbox).await?;
        if let Some(previous) = self.tab.replace(Attached { token: token.clone(), page: index, router })
            && previous.token != token
        {
            engine.leave(&previous.token).await;
        }
        self.last_accepted.clear();
        Ok(())
    }

    async fn event(&mut self, id: u64, name: &str, args: Value) -> Result<(), TabError> {
        let Some(tab) = &self.tab else {
            self.reply(Frame::error(Some(id), "send a hello frame first", &[]));
            return Ok(());
        };
        let engine = self.engine.clone();
        let Some(page) = engine.pages().nth(tab.page) else {
            self.reply(Frame::error(Some(id), "the page is gone", &[]));
            return Ok(());
        };
        if let Some(interval) = page.kind.throttle(name) {
            let now = Instant::now();
            if self.last_accepted.get(name).is_some_and(|last| now.duration_since(*last) < interval) {
                let message =
                    format!("`{name}` is limited to one every {} ms; this one was not applied", interval.as_millis());
                self.reply(Frame::error(Some(id), &message, &[]));
                return Ok(());
            }
            self.last_accepted.insert(name.to_string(), now);
        }
        let ctx = self.caller.context(tab.router.clone(), tab.token.clone());
        engine.event(page, Some(id), name, args, ctx, &self.outbox).await.map(drop)
    }
}

impl Connection {
    /// Whether the connection's session still exists and still belongs to
    /// the user the connection runs as (same user, still active, same
    /// password); read again at most every `session_recheck` (a logout in
    /// this process closes the connection at once anyway), or at once when
    /// `now` (a guarded page or event). Anonymous
    /// connections have nothing to lose and are not rechecked. A database
    /// failure is not taken for a logout.
    async fn session_still_valid(&mut self, now: bool) -> bool {
        let recheck = self.engine.limits.session_recheck;
        let recent = !now && !recheck.is_zero() && self.checked.elapsed() < recheck;
        if !self.caller.user.is_authenticated() || recent {
            return true;
        }
        let caller = &self.caller;
        let valid = match Session::open(&caller.db, &self.secret, &caller.session_key).await {
            Ok(Some(session)) => match user_of_session(&caller.db, &session).await {
                Ok(now) if now.user().map(|user| user.id) == caller.user.user().map(|user| user.id) => {
                    // The same user, as the database has them now (staff flag, …).
                    self.caller.user = now;
                    true
                }
                Ok(_) => false,
                Err(_) => true,
            },
            Ok(None) => false,
            Err(_) => true,
        };
        if valid {
            self.checked = Instant::now();
        }
        valid
    }
}

/// Topics whose data changed, waiting for the connection, each at most once
/// (many writes while a refresh runs lead to one more refresh, not many).
#[derive(Default)]
struct Changed(std::collections::VecDeque<Arc<str>>);

impl Changed {
    fn push(&mut self, topic: Arc<str>) {
        if !self.0.contains(&topic) {
            self.0.push_back(topic);
        }
    }

    fn next(&mut self) -> Option<Arc<str>> {
        self.0.pop_front()
    }
}

async fn send_text(socket: &mut WebSocket, frame: String) -> bool {
    socket.send(Message::Text(Utf8Bytes::from(frame))).await.is_ok()
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

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn frames_parse_by_kind_and_refuse_foreign_fields() {
        let event = ClientFrame::parse(r#"{"t":"event","id":7,"name":"add","args":[5]}"#).unwrap();
        assert_eq!(event, ClientFrame::Event { id: 7, name: "add".into(), args: json!([5]) });
        let bare = ClientFrame::parse(r#"{"t":"event","id":8,"name":"increment"}"#).unwrap();
        assert_eq!(bare, ClientFrame::Event { id: 8, name: "increment".into(), args: Value::Null });
        let hello = ClientFrame::parse(r#"{"t":"hello","token":null,"path":"/","storage":{"theme":"dark"}}"#).unwrap();
        let storage = json!({"theme": "dark"}).as_object().unwrap().clone();
        assert_eq!(hello, ClientFrame::Hello { token: None, path: "/".into(), storage });

        for (text, problem) in [
            (r#"{"t":"dance"}"#, "unknown variant `dance`"),
            (r#"{"id":1,"name":"x"}"#, "missing field `t`"),
            (r#"{"t":"event","name":"x"}"#, "missing field `id`"),
            (r#"{"t":"event","id":1}"#, "missing field `name`"),
            (r#"{"t":"hello"}"#, "missing field `path`"),
            (r#"{"t":"event","id":1,"name":"x","path":"/"}"#, "event frames have no field `path`"),
            (r#"{"t":"hello","path":"/","id":3}"#, "hello frames have no field `id`"),
            (r#"{"t":"event","id":1,"name":"x","extra":1}"#, "unknown field `extra`"),
            (r#"{"t":"event","id":-1,"name":"x"}"#, "invalid value"),
            ("{not json", "key must be a string"),
        ] {
            let error = ClientFrame::parse(text).unwrap_err();
            assert!(error.contains(problem), "{text}: {error}");
        }
    }
}
