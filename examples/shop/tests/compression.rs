//! Compressed responses over a real socket: pages, JSON and the runtime's
//! assets in gzip or brotli when the client asks, as they were when it does not.

use std::io::Read;

use reqwest::header::{ACCEPT_ENCODING, CONTENT_ENCODING, VARY};
use tandem::testing::TestServer;

/// Status, `Content-Encoding` and the decoded body of `path` fetched with
/// `Accept-Encoding: accept` (none when empty).
async fn fetch(server: &TestServer, path: &str, accept: &str) -> (u16, Option<String>, Option<String>, String) {
    let mut request = reqwest::Client::new().get(server.url(path));
    if !accept.is_empty() {
        request = request.header(ACCEPT_ENCODING, accept);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let header = |name| response.headers().get(name).map(|v: &reqwest::header::HeaderValue| v.to_str().unwrap().to_owned());
    let (encoding, vary) = (header(CONTENT_ENCODING), header(VARY));
    let bytes = response.bytes().await.unwrap();
    let mut body = Vec::new();
    match encoding.as_deref() {
        Some("gzip") => {
            flate2::read::GzDecoder::new(&bytes[..]).read_to_end(&mut body).unwrap();
        }
        Some("br") => brotli::BrotliDecompress(&mut &bytes[..], &mut body).unwrap(),
        None => body = bytes.to_vec(),
        Some(other) => panic!("unexpected encoding {other}"),
    }
    (status, encoding, vary, String::from_utf8(body).unwrap())
}

#[tokio::test]
async fn pages_json_and_assets_are_compressed_as_the_client_asks() {
    let server = TestServer::start(&shop::app(), |_| {}).await;
    let (_, plain_encoding, _, page) = fetch(&server, "/", "").await;
    assert_eq!(plain_encoding, None, "nothing asked, nothing compressed");
    let runtime = page
        .split('"')
        .find(|part| part.starts_with("/_tandem/") && part.ends_with(".js"))
        .expect("the page links its runtime")
        .to_owned();

    for (accept, expected) in [("gzip", "gzip"), ("gzip, deflate, br", "br"), ("br;q=1, gzip;q=0.5", "br")] {
        // The page carries a fresh token each time: compare what does not change.
        let (status, encoding, vary, body) = fetch(&server, "/", accept).await;
        assert_eq!((status, encoding.as_deref(), vary.as_deref()), (200, Some(expected), Some("accept-encoding")));
        assert!(body.starts_with("<!doctype html>") && body.contains("Burr grinder"), "{body}");
        assert!(body.len().abs_diff(page.len()) < 200, "{} vs {}", body.len(), page.len());

        for path in ["/api/shop/active/", "/api/schema/", runtime.as_str()] {
            let (_, _, _, plain) = fetch(&server, path, "").await;
            let (status, encoding, _, body) = fetch(&server, path, accept).await;
            assert_eq!((status, encoding.as_deref()), (200, Some(expected)), "{path}");
            assert_eq!(body, plain, "{path} decodes to what an uncompressing client gets");
        }
    }
    // A client that refuses both gets the bytes as they are; so does a body
    // too small to gain (a product's detail).
    let (_, encoding, _, _) = fetch(&server, "/api/shop/active/", "gzip;q=0, br;q=0").await;
    assert_eq!(encoding, None);
    let (status, encoding, _, body) = fetch(&server, "/api/shop/products/3/", "gzip").await;
    assert_eq!((status, encoding), (200, None), "{} bytes", body.len());
    server.stop().await;
}
