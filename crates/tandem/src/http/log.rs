//! One log line per request: method, path, status, time; and [`clip`] for
//! every client-supplied string that goes into a log line.

use std::time::Instant;

use axum::extract::Request;
use axum::middleware::Next;
use axum::response::Response;

/// Middleware logging `GET /api/shop/active/ 200 1.2ms` at `info` level.
pub async fn log_request(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    let path = clip(request.uri().path()).into_owned();
    let response = next.run(request).await;
    tracing::info!(
        target: "tandem::request",
        "{method} {path} {} {:.1}ms",
        response.status().as_u16(),
        started.elapsed().as_secs_f64() * 1000.0
    );
    response
}

/// The longest client-supplied string logged whole, in bytes.
pub const LOGGED_BYTES: usize = 200;

/// `text` as it may appear in a log line: whole up to [`LOGGED_BYTES`], else
/// its start, an ellipsis and its full length, so a client cannot fill the
/// log with one long name.
///
/// ```
/// use tandem::http::log::clip;
/// assert_eq!(clip("increment"), "increment");
/// let long = "x".repeat(500_000);
/// assert!(clip(&long).len() < 300);
/// assert!(clip(&long).ends_with("… (500000 bytes)"));
/// assert_eq!(clip(&"é".repeat(150)).chars().filter(|c| *c == 'é').count(), 100, "cut on a character boundary");
/// ```
pub fn clip(text: &str) -> std::borrow::Cow<'_, str> {
    if text.len() <= LOGGED_BYTES {
        return text.into();
    }
    let mut end = LOGGED_BYTES;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}… ({} bytes)", &text[..end], text.len()).into()
}
