//! Hostile query strings, paths and bodies against the REST layer, over a
//! real socket: each answers with DRF's status and words, and the server
//! still answers `/ping` afterwards.

use reqwest::StatusCode;
use serde_json::{Value, json};
use tandem::rest::pagination::PaginationStyle;
use tandem::testing::TestServer;

const PRODUCTS: &str = "/api/shop/products/";

/// A response, read whole.
struct Reply {
    status: StatusCode,
    text: String,
}

impl Reply {
    fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or_else(|_| panic!("not JSON ({}): {:.300}", self.status, self.text))
    }

    /// The status and the JSON body together, for one assertion.
    fn answer(&self) -> (StatusCode, Value) {
        (self.status, self.json())
    }
}

async fn get(server: &TestServer, path: &str) -> Reply {
    let response = match reqwest::get(server.url(path)).await {
        Ok(response) => response,
        Err(error) => panic!("no answer to a {}-byte path: {error:.300}", path.len()),
    };
    let status = response.status();
    Reply { status, text: response.text().await.expect("a whole body") }
}

async fn post_json(server: &TestServer, path: &str, body: &str) -> Reply {
    let response = reqwest::Client::new()
        .post(server.url(path))
        .header("content-type", "application/json")
        .body(body.to_string())
        .send()
        .await
        .expect("the server answers");
    let status = response.status();
    Reply { status, text: response.text().await.expect("a whole body") }
}

/// The process is still there and serving.
async fn still_alive(server: &TestServer) {
    let ping = get(server, "/ping").await;
    assert_eq!(ping.status, StatusCode::OK, "{}", ping.text);
}

/// `n` search terms joined by commas (`q` is in no product's name or SKU);
/// 16,000 of them still fit in a URI (at most 64 KiB).
fn terms(n: usize) -> String {
    vec!["q"; n].join(",")
}

fn search(text: &str) -> String {
    let encoded: String = text
        .bytes()
        .map(|b| if b.is_ascii_alphanumeric() || b == b',' { char::from(b).to_string() } else { format!("%{b:02X}") })
        .collect();
    format!("{PRODUCTS}?search={encoded}")
}

fn ids(list: &Value) -> Vec<i64> {
    list.as_array().expect("a list").iter().map(|p| p["id"].as_i64().expect("an id")).collect()
}

#[tokio::test]
async fn sixteen_thousand_search_terms_are_a_400_not_a_crash() {
    let server = TestServer::start(&shop::app(), |_| {}).await;
    let reply = get(&server, &search(&terms(16_000))).await;
    assert_eq!(
        reply.answer(),
        (StatusCode::BAD_REQUEST, json!(["Ensure this field has no more than 500 characters."]))
    );
    still_alive(&server).await;
    server.stop().await;
}

#[tokio::test]
async fn search_terms_are_counted() {
    let server = TestServer::start(&shop::app(), |_| {}).await;
    let many = vec!["a"; 21].join(" ");
    assert_eq!(
        get(&server, &search(&many)).await.answer(),
        (StatusCode::BAD_REQUEST, json!(["Ensure this field has no more than 20 search terms."]))
    );
    // Twenty terms is fine: every one must match ("e" is in all of these).
    let twenty = vec!["e"; 20].join(",");
    assert_eq!(ids(&get(&server, &search(&twenty)).await.json()), [1, 2, 3, 4, 5]);
    still_alive(&server).await;
    server.stop().await;

    // Raised bounds still cannot crash the process or overflow the
    // database's parser: the condition is a shallow tree of any size.
    let server = TestServer::start(&shop::app(), |s| {
        s.rest.max_search_terms = 12_000;
        s.rest.max_search_length = 200_000;
    })
    .await;
    let reply = get(&server, &search(&terms(12_000))).await;
    assert_eq!(reply.answer(), (StatusCode::OK, json!([])));
    still_alive(&server).await;
    server.stop().await;
}

#[tokio::test]
async fn a_fifty_kilobyte_search_term_is_a_400() {
    let server = TestServer::start(&shop::app(), |_| {}).await;
    let reply = get(&server, &search(&"x".repeat(50_000))).await;
    assert_eq!(
        reply.answer(),
        (StatusCode::BAD_REQUEST, json!(["Ensure this field has no more than 500 characters."]))
    );
    // 500 characters (of LIKE wildcards, matched literally) is a search.
    assert_eq!(get(&server, &search(&"%".repeat(500))).await.answer(), (StatusCode::OK, json!([])));
    still_alive(&server).await;
    server.stop().await;
}

#[tokio::test]
async fn thousands_of_ordering_terms_sort_once_per_column() {
    let server = TestServer::start(&shop::app(), |_| {}).await;
    // Django's compiler orders by each column once, at its first term.
    let ordering = format!("{},name,{}", vec!["-price"; 5_000].join(","), vec!["price"; 5_000].join(","));
    let reply = get(&server, &format!("{PRODUCTS}?ordering={ordering}")).await;
    assert_eq!(reply.status, StatusCode::OK, "{:.300}", reply.text);
    assert_eq!(ids(&reply.json()), [3, 2, 5, 1, 4], "by price, highest first");
    // Unknown and doubly negated fields are dropped, as DRF drops them.
    let reply = get(&server, &format!("{PRODUCTS}?ordering=colour,--price,-name")).await;
    assert_eq!(ids(&reply.json()), [2, 4, 5, 1, 3]);
    still_alive(&server).await;
    server.stop().await;
}

#[tokio::test]
async fn nul_characters_are_refused_in_query_and_body() {
    let server = TestServer::start(&shop::app(), |_| {}).await;
    assert_eq!(
        get(&server, &format!("{PRODUCTS}?search=cup%00")).await.answer(),
        (StatusCode::BAD_REQUEST, json!(["Null characters are not allowed."]))
    );
    assert_eq!(
        get(&server, &format!("{PRODUCTS}?is_active=%00")).await.answer(),
        (StatusCode::BAD_REQUEST, json!({"is_active": ["Must be a valid boolean."]}))
    );
    assert_eq!(
        get(&server, "/api/shop/reviews/?product_id=1%00").await.answer(),
        (StatusCode::BAD_REQUEST, json!({"product_id": ["A valid integer is required."]}))
    );
    let body = r#"{"name": "Mug\u0000", "price": "7.00", "sku": "M\u00001", "is_active": true}"#;
    assert_eq!(
        post_json(&server, PRODUCTS, body).await.answer(),
        (
            StatusCode::BAD_REQUEST,
            json!({"name": ["Null characters are not allowed."], "sku": ["Null characters are not allowed."]})
        )
    );
    assert_eq!(
        get(&server, "/api/shop/products/1%00/").await.answer(),
        (StatusCode::NOT_FOUND, json!({"detail": "Not found."}))
    );
    still_alive(&server).await;
    server.stop().await;
}

#[tokio::test]
async fn huge_page_numbers_are_invalid_pages() {
    let server = TestServer::start(&shop::app(), |_| {}).await;
    let invalid = (StatusCode::NOT_FOUND, json!({"detail": "Invalid page."}));
    for page in ["99999999999999999999", "18446744073709551616", "-1", "0", "1e3", "2.5", "9223372036854775808"] {
        assert_eq!(get(&server, &format!("/api/shop/reviews/?page={page}")).await.answer(), invalid, "{page}");
    }
    let first = get(&server, "/api/shop/reviews/?page=%201%20").await;
    assert_eq!(first.status, StatusCode::OK, "int() reads \" 1 \" as 1: {}", first.text);
    still_alive(&server).await;
    server.stop().await;
}

#[tokio::test]
async fn huge_limits_and_offsets_answer_as_drf() {
    let server = TestServer::start(&shop::app(), |s| {
        s.rest.pagination = Some(PaginationStyle::LimitOffset);
        s.rest.page_size = Some(2);
        s.rest.max_limit = 3;
    })
    .await;
    let url = server.url(PRODUCTS);
    let page = |reply: Reply| {
        let body = reply.json();
        (reply.status, body["next"].clone(), body["previous"].clone(), ids(&body["results"]))
    };
    // A limit beyond max_limit is max_limit, whatever its size.
    assert_eq!(
        page(get(&server, &format!("{PRODUCTS}?limit=99999999999999999999")).await),
        (StatusCode::OK, json!(format!("{url}?limit=3&offset=3")), Value::Null, vec![1, 2, 3])
    );
    // Limits that are no positive integer are the default.
    for junk in ["1e9", "-5", "0", "x", "%00"] {
        let reply = get(&server, &format!("{PRODUCTS}?limit={junk}")).await;
        assert_eq!(ids(&reply.json()["results"]), [1, 2], "limit={junk}");
    }
    // An offset past the end is an empty page, never a database error.
    for offset in ["99999999999999999999", "9223372036854775808", "18446744073709551615"] {
        let reply = get(&server, &format!("{PRODUCTS}?offset={offset}")).await;
        let previous = format!("{url}?limit=2&offset={}", offset.parse::<u128>().unwrap() - 2);
        assert_eq!(page(reply), (StatusCode::OK, Value::Null, json!(previous), vec![]), "offset={offset}");
    }
    // A negative or malformed offset is 0.
    for junk in ["-1", "1e3", "%00"] {
        let reply = get(&server, &format!("{PRODUCTS}?offset={junk}")).await;
        assert_eq!(page(reply), (StatusCode::OK, json!(format!("{url}?limit=2&offset=2")), Value::Null, vec![1, 2]));
    }
    still_alive(&server).await;
    server.stop().await;
}

#[tokio::test]
async fn path_integers_beyond_i64_find_nothing() {
    let server = TestServer::start(&shop::app(), |_| {}).await;
    // The `int` converter matches no value an i64 cannot hold: 404.
    let page = get(&server, "/products/1/reviews/18446744073709551615").await;
    assert_eq!(page.status, StatusCode::NOT_FOUND, "{:.300}", page.text);
    let page = get(&server, "/products/99999999999999999999").await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    // A page number an i64 holds, far past the last page, is an empty page.
    let page = get(&server, "/products/1/reviews/9000000000000000000").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text.contains(r#"<span id="page">9000000000000000000</span>"#), "{}", page.text);
    // A primary key no row can have is DRF's "No … matches", as Django finds nothing.
    let no_product = (StatusCode::NOT_FOUND, json!({"detail": "No Product matches the given query."}));
    assert_eq!(get(&server, "/api/shop/products/99999999999999999999/").await.answer(), no_product);
    assert_eq!(get(&server, "/api/shop/products/18446744073709551615/reviews/").await.answer(), no_product);
    assert_eq!(
        get(&server, "/api/shop/products/abc/").await.answer(),
        (StatusCode::NOT_FOUND, json!({"detail": "Not found."}))
    );
    still_alive(&server).await;
    server.stop().await;
}

#[tokio::test]
async fn integers_out_of_the_columns_range_are_refused_in_drf_words() {
    let server = TestServer::start(&shop::app(), |_| {}).await;
    let client = reqwest::Client::new();
    let (user, password) = ("rev", "wonderland-42");
    let new = tandem::auth::NewUser {
        username: user,
        email: "",
        password: Some(password),
        is_staff: false,
        is_superuser: false,
    };
    tandem::auth::create_user(&server.db, new).await.unwrap();
    for (rating, message) in [
        (json!(99999999999999999999u128.to_string()), "Ensure this value is less than or equal to 32767."),
        (json!(-40000), "Ensure this value is greater than or equal to -32768."),
        (json!(1e300), "A valid integer is required."),
        (json!("1".repeat(1001)), "String value too large."),
    ] {
        let reply = client
            .post(server.url("/api/shop/reviews/"))
            .basic_auth(user, Some(password))
            .json(&json!({"product": 1, "rating": rating, "comment": "ok"}))
            .send()
            .await
            .unwrap();
        assert_eq!(reply.status(), StatusCode::BAD_REQUEST);
        assert_eq!(reply.json::<Value>().await.unwrap(), json!({"rating": [message]}), "{rating}");
    }
    still_alive(&server).await;
    server.stop().await;
}
