//! Compressed responses: gzip or brotli, as the client asks.
//!
//! The dispatcher hands every response to [`compress`]: HTML, JSON, scripts,
//! stylesheets and SVG of 200 bytes or more are compressed with the encoding the
//! request's `Accept-Encoding` prefers (brotli, then gzip), and carry
//! `Vary: Accept-Encoding` either way. Files embedded in the binary (the
//! runtime's assets, an app's static files) are compressed once, at the
//! highest settings, by [`precompressed`]. A client
//! that asks for nothing gets the bytes as they were, at no cost.
//!
//! ```
//! use axum::http::{HeaderMap, HeaderValue, header};
//! use tandem::http::compression::{Encoding, negotiate};
//!
//! let mut headers = HeaderMap::new();
//! headers.insert(header::ACCEPT_ENCODING, HeaderValue::from_static("gzip, deflate, br"));
//! assert_eq!(negotiate(&headers), Encoding::Brotli);
//! headers.insert(header::ACCEPT_ENCODING, HeaderValue::from_static("gzip, br;q=0"));
//! assert_eq!(negotiate(&headers), Encoding::Gzip);
//! ```

use std::collections::HashMap;
use std::io::Write;
use std::sync::{LazyLock, Mutex};

use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::Response;
use bytes::Bytes;
use http_body_util::BodyExt;

/// Bodies smaller than this are sent as they are: the headers would cost
/// more than the saving (Django's `GZipMiddleware` threshold).
pub const MIN_BYTES: usize = 200;

/// Bodies larger than this are sent as they are (they are files, not pages).
const MAX_BYTES: usize = 8 * 1024 * 1024;

/// A content coding Tandem can send.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Encoding {
    /// `br`.
    Brotli,
    /// `gzip`.
    Gzip,
    /// No compression.
    Identity,
}

impl Encoding {
    /// The token for `Content-Encoding`.
    pub fn token(self) -> &'static str {
        match self {
            Encoding::Brotli => "br",
            Encoding::Gzip => "gzip",
            Encoding::Identity => "identity",
        }
    }

    /// `body` in this encoding; `quality` from 0 (fastest) to 11 (smallest;
    /// gzip stops at 9).
    pub fn encode(self, body: &[u8], quality: u32) -> Bytes {
        match self {
            Encoding::Identity => Bytes::copy_from_slice(body),
            Encoding::Gzip => {
                let level = flate2::Compression::new(quality.min(9));
                let mut encoder = flate2::write::GzEncoder::new(Vec::with_capacity(body.len() / 3), level);
                // Writing to a Vec cannot fail.
                let _ = encoder.write_all(body);
                encoder.finish().unwrap_or_default().into()
            }
            Encoding::Brotli => {
                let mut out = Vec::with_capacity(body.len() / 3);
                let params = brotli::enc::BrotliEncoderParams { quality: quality.min(11) as i32, ..Default::default() };
                let _ = brotli::BrotliCompress(&mut &body[..], &mut out, &params);
                out.into()
            }
        }
    }
}

/// The encoding `headers`' `Accept-Encoding` prefers among those Tandem
/// sends: brotli over gzip at equal weight; `q=0` refuses one; `*` stands
/// for the ones not named.
pub fn negotiate(headers: &HeaderMap) -> Encoding {
    let Some(accepted) = headers.get(header::ACCEPT_ENCODING).and_then(|v| v.to_str().ok()) else {
        return Encoding::Identity;
    };
    let (mut brotli, mut gzip, mut any) = (None, None, None);
    // Client input: at most a few dozen codings are looked at.
    for item in accepted.split(',').take(32) {
        let mut parts = item.split(';');
        let coding = parts.next().unwrap_or("").trim();
        let weight = parts
            .find_map(|p| p.trim().strip_prefix("q=").or_else(|| p.trim().strip_prefix("Q=")))
            .map_or(1.0, |q| q.trim().parse::<f32>().unwrap_or(0.0));
        if coding.eq_ignore_ascii_case("br") {
            brotli = Some(weight);
        } else if coding.eq_ignore_ascii_case("gzip") || coding.eq_ignore_ascii_case("x-gzip") {
            gzip = Some(weight);
        } else if coding == "*" {
            any = Some(weight);
        }
    }
    let (brotli, gzip) = (brotli.or(any).unwrap_or(0.0), gzip.or(any).unwrap_or(0.0));
    if brotli > 0.0 && brotli >= gzip {
        Encoding::Brotli
    } else if gzip > 0.0 {
        Encoding::Gzip
    } else {
        Encoding::Identity
    }
}

/// Whether a body of `content_type` is worth compressing (text, not media
/// that is compressed already).
pub(crate) fn compressible(content_type: &str) -> bool {
    let essence = content_type.split(';').next().unwrap_or("").trim();
    essence.starts_with("text/")
        || matches!(essence, "application/json" | "application/javascript" | "image/svg+xml")
        || essence.ends_with("+json")
}

/// `response` to `method` compressed with `encoding` when its type, status
/// and size call for it.
pub async fn compress(method: &Method, encoding: Encoding, response: Response) -> Response {
    let headers = response.headers();
    let content_type = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    if !compressible(content_type)
        || headers.contains_key(header::CONTENT_ENCODING)
        || matches!(
            response.status(),
            StatusCode::SWITCHING_PROTOCOLS | StatusCode::NO_CONTENT | StatusCode::NOT_MODIFIED
        )
    {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    parts.headers.append(header::VARY, HeaderValue::from_static("accept-encoding"));
    let size = axum::body::HttpBody::size_hint(&body).exact().map_or(usize::MAX, |n| n as usize);
    if encoding == Encoding::Identity || *method == Method::HEAD || !(MIN_BYTES..=MAX_BYTES).contains(&size) {
        return Response::from_parts(parts, body);
    }
    let bytes = match body.collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(_) => return Response::from_parts(parts, Body::empty()),
    };
    // Dynamic bodies: fast settings (brotli 4 compresses HTML and JSON better
    // than gzip 6, in about the same time).
    let encoded = encoding.encode(&bytes, if encoding == Encoding::Brotli { 4 } else { 6 });
    parts.headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static(encoding.token()));
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(encoded))
}

/// `content`, an embedded file (the runtime's assets, an app's static
/// files), in `encoding`: compressed once at the highest settings and kept
/// for the life of the process.
pub fn precompressed(content: &'static [u8], encoding: Encoding) -> Bytes {
    /// (address, length, encoding) → the compressed bytes.
    type Cache = HashMap<(usize, usize, Encoding), Bytes>;
    static CACHE: LazyLock<Mutex<Cache>> = LazyLock::new(Default::default);
    if encoding == Encoding::Identity {
        return Bytes::from_static(content);
    }
    // Embedded files are statics, bounded in number: their addresses are their names.
    let key = (content.as_ptr() as usize, content.len(), encoding);
    if let Some(done) = CACHE.lock().ok().and_then(|cache| cache.get(&key).cloned()) {
        return done;
    }
    let encoded = encoding.encode(content, 11);
    if let Ok(mut cache) = CACHE.lock() {
        cache.insert(key, encoded.clone());
    }
    encoded
}

#[cfg(test)]
mod tests {
    use std::io::Read;

    use super::*;

    fn accept(value: &str) -> Encoding {
        let mut headers = HeaderMap::new();
        headers.insert(header::ACCEPT_ENCODING, HeaderValue::from_str(value).unwrap());
        negotiate(&headers)
    }

    #[test]
    fn the_client_chooses_among_brotli_gzip_and_nothing() {
        assert_eq!(negotiate(&HeaderMap::new()), Encoding::Identity);
        assert_eq!(accept("gzip"), Encoding::Gzip);
        assert_eq!(accept("gzip, deflate, br, zstd"), Encoding::Brotli);
        assert_eq!(accept("br;q=0.5, gzip;q=0.8"), Encoding::Gzip);
        assert_eq!(accept("br;q=0, gzip;q=0"), Encoding::Identity);
        assert_eq!(accept("*"), Encoding::Brotli);
        assert_eq!(accept("*;q=0, gzip"), Encoding::Gzip);
        assert_eq!(accept("deflate, identity"), Encoding::Identity);
        assert_eq!(accept("GZIP;Q=1"), Encoding::Gzip);
        assert_eq!(accept("gzip;q=nonsense"), Encoding::Identity);
        // A hostile header is read in bounded time.
        assert_eq!(accept(&"x, ".repeat(100_000)), Encoding::Identity);
    }

    #[test]
    fn both_encodings_decode_to_the_original() {
        let body = "<p>Tandem</p>".repeat(500);
        let gzip = Encoding::Gzip.encode(body.as_bytes(), 6);
        let mut unzipped = String::new();
        flate2::read::GzDecoder::new(&gzip[..]).read_to_string(&mut unzipped).unwrap();
        assert_eq!(unzipped, body);
        let brotli = Encoding::Brotli.encode(body.as_bytes(), 4);
        let mut unbrotli = Vec::new();
        brotli::BrotliDecompress(&mut &brotli[..], &mut unbrotli).unwrap();
        assert_eq!(unbrotli, body.as_bytes());
        assert!(brotli.len() < body.len() / 10 && gzip.len() < body.len() / 10);
    }

    #[tokio::test]
    async fn only_text_of_some_size_is_compressed() {
        let response = |content_type: &str, body: String| {
            Response::builder().header(header::CONTENT_TYPE, content_type).body(Body::from(body)).unwrap()
        };
        let big = "{\"a\": 1}".repeat(400);
        let json = compress(&Method::GET, Encoding::Gzip, response("application/json", big.clone())).await;
        assert_eq!(json.headers()[header::CONTENT_ENCODING], "gzip");
        assert_eq!(json.headers()[header::VARY], "accept-encoding");
        let small = compress(&Method::GET, Encoding::Gzip, response("application/json", "{}".into())).await;
        assert!(small.headers().get(header::CONTENT_ENCODING).is_none());
        let png = compress(&Method::GET, Encoding::Gzip, response("image/png", big.clone())).await;
        assert!(png.headers().get(header::CONTENT_ENCODING).is_none() && png.headers().get(header::VARY).is_none());
        let head = compress(&Method::HEAD, Encoding::Gzip, response("text/html", big)).await;
        assert!(head.headers().get(header::CONTENT_ENCODING).is_none());
    }
}
