//! The REST layer over a real socket, row by row of the wire-format spec's
//! "REST viewsets" section, on the seed's `ProductViewSet` and the reviews.

use base64::Engine;
use reqwest::header::HeaderMap;
use reqwest::{Method, StatusCode};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};
use serde_json::{Value, json};
use shop::shop::models::{product, review};
use tandem::auth::{self, NewUser, models::permission, models::user_permission};
use tandem::rest::{Authentication, Pagination, Permission};
use tandem::testing::TestServer;

const PASSWORD: &str = "wonderland-42";

/// A response, read whole.
struct Reply {
    status: StatusCode,
    headers: HeaderMap,
    text: String,
}

impl Reply {
    fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or_else(|_| panic!("not JSON ({}): {:?}", self.status, self.text))
    }

    fn header(&self, name: &str) -> &str {
        self.headers.get(name).map(|v| v.to_str().unwrap()).unwrap_or("")
    }
}

/// A client with an optional cookie jar string and extra headers.
struct Client {
    http: reqwest::Client,
    base: String,
    headers: Vec<(String, String)>,
}

impl Client {
    fn new(server: &TestServer) -> Self {
        let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
        Self { http, base: server.base.clone(), headers: Vec::new() }
    }

    fn with(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    async fn send(&self, method: Method, path: &str, body: Option<(&str, String)>, extra: &[(&str, &str)]) -> Reply {
        let mut request = self.http.request(method, format!("{}{path}", self.base));
        for (name, value) in &self.headers {
            request = request.header(name, value);
        }
        for (name, value) in extra {
            request = request.header(*name, *value);
        }
        if let Some((content_type, body)) = body {
            request = request.header("content-type", content_type).body(body);
        }
        let response = request.send().await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let text = response.text().await.unwrap();
        Reply { status, headers, text }
    }

    async fn get(&self, path: &str) -> Reply {
        self.send(Method::GET, path, None, &[]).await
    }

    async fn json(&self, method: Method, path: &str, body: Value) -> Reply {
        self.send(method, path, Some(("application/json", body.to_string())), &[]).await
    }
}

async fn user(server: &TestServer, username: &str, is_staff: bool) -> auth::User {
    let new = NewUser { username, email: "", password: Some(PASSWORD), is_staff, is_superuser: false };
    auth::create_user(&server.db, new).await.unwrap()
}

fn basic(username: &str) -> String {
    format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(format!("{username}:{PASSWORD}")))
}

/// Logs in through the shop's login view; returns the cookie header and a CSRF token.
async fn session_login(server: &TestServer, username: &str) -> (String, String) {
    let http = reqwest::Client::new();
    let response = http.get(server.url("/api/csrf/")).send().await.unwrap();
    let csrf_cookie = response.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_string();
    let token = response.json::<Value>().await.unwrap()["csrfToken"].as_str().unwrap().to_string();
    let response = http
        .post(server.url("/api/auth/login/"))
        .header("cookie", &csrf_cookie)
        .header("x-csrftoken", &token)
        .json(&json!({"username": username, "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let mut cookies = Vec::new();
    for header in response.headers().get_all("set-cookie") {
        cookies.push(header.to_str().unwrap().split(';').next().unwrap().to_string());
    }
    // Login rotates the CSRF secret: use the new one (a bare secret is a valid token).
    let secret = cookies.iter().find_map(|c| c.strip_prefix("csrftoken=")).unwrap().to_string();
    (cookies.join("; "), secret)
}

const PRODUCTS: &str = "/api/shop/products/";

#[tokio::test]
async fn routes_root_and_format_suffixes() {
    let server = TestServer::start(&shop::app(), |_| {}).await;
    let c = Client::new(&server);

    let root = c.get("/api/shop/").await;
    assert_eq!(root.status, StatusCode::OK);
    assert_eq!(root.header("allow"), "GET, HEAD, OPTIONS");
    assert_eq!(root.header("vary"), "Accept, Cookie");
    assert_eq!(root.json(), json!({"products": server.url(PRODUCTS), "reviews": server.url("/api/shop/reviews/")}));

    let list = c.get(PRODUCTS).await;
    assert_eq!(list.status, StatusCode::OK);
    assert_eq!(list.header("content-type"), "application/json");
    assert_eq!(list.header("allow"), "GET, POST, HEAD, OPTIONS");
    assert_eq!(list.header("vary"), "Accept, Cookie");
    assert_eq!(list.header("x-frame-options"), "DENY");
    let ids: Vec<i64> = list.json().as_array().unwrap().iter().map(|p| p["id"].as_i64().unwrap()).collect();
    assert_eq!(ids, [1, 2, 3, 4, 5], "a plain array in queryset order");
    assert_eq!(
        list.json()[0],
        json!({"id": 1, "name": "Espresso cup", "price": "8.50", "sku": "CUP-ESP", "is_active": true})
    );

    for (path, expected) in [
        ("/api/shop/products.json", list.json()),
        ("/api/shop/products/3.json", c.get("/api/shop/products/3/").await.json()),
    ] {
        let reply = c.get(path).await;
        assert_eq!(reply.status, StatusCode::OK, "{path}");
        assert_eq!(reply.json(), expected, "{path}");
    }
    assert_eq!(c.get("/api/shop/products/?format=json").await.status, StatusCode::OK);
    for path in ["/api/shop/products.xml", "/api/shop/products/?format=xml", "/api/shop/products/3.api"] {
        let reply = c.get(path).await;
        assert_eq!((reply.status, reply.json()), (StatusCode::NOT_FOUND, json!({"detail": "Not found."})), "{path}");
    }

    let detail = c.get("/api/shop/products/3/").await;
    assert_eq!(detail.header("allow"), "GET, PUT, PATCH, DELETE, HEAD, OPTIONS");
    assert_eq!(detail.json()["price"], "129.99");

    // The retrieve statement is built once and bound per request.
    for id in 1..=5 {
        assert_eq!(c.get(&format!("/api/shop/products/{id}/")).await.json()["id"], id, "product {id}");
    }
    let missing = c.get("/api/shop/products/999/").await;
    assert_eq!(
        (missing.status, missing.json()),
        (StatusCode::NOT_FOUND, json!({"detail": "No Product matches the given query."}))
    );
    assert_eq!(missing.header("allow"), "GET, PUT, PATCH, DELETE, HEAD, OPTIONS", "errors carry Allow too");
    let junk = c.get("/api/shop/products/abc/").await;
    assert_eq!((junk.status, junk.json()), (StatusCode::NOT_FOUND, json!({"detail": "Not found."})));

    let head = c.send(Method::HEAD, PRODUCTS, None, &[]).await;
    assert_eq!((head.status, head.text.as_str()), (StatusCode::OK, ""));
    server.stop().await;
}

#[tokio::test]
async fn crud_round_trip() {
    let server = TestServer::start(&shop::app(), |_| {}).await;
    let c = Client::new(&server);

    // Create: read-only `id` and unknown keys ignored, price quantized.
    let created = c
        .json(Method::POST, PRODUCTS, json!({"id": 77, "name": " Mug ", "price": "7", "sku": "M1", "colour": "red"}))
        .await;
    assert_eq!(created.status, StatusCode::CREATED);
    let id = created.json()["id"].as_i64().unwrap();
    assert_ne!(id, 77);
    assert_eq!(created.json(), json!({"id": id, "name": "Mug", "price": "7.00", "sku": "M1", "is_active": true}));
    let stored = product::Entity::find_by_id(id).one(&server.db).await.unwrap().unwrap();
    assert_eq!(stored.price.to_string(), "7.00");

    // A form-encoded body works like JSON; a missing boolean is false there.
    let form = c
        .send(
            Method::POST,
            PRODUCTS,
            Some(("application/x-www-form-urlencoded", "name=Tray&price=19.5&sku=T1".into())),
            &[],
        )
        .await;
    assert_eq!(form.status, StatusCode::CREATED, "{}", form.text);
    assert_eq!(form.json()["is_active"], false);
    assert_eq!(form.json()["price"], "19.50");

    // Multipart too.
    let multipart = reqwest::multipart::Form::new()
        .text("name", "Lid")
        .text("price", "2.25")
        .text("sku", "L1")
        .text("is_active", "true");
    let response = reqwest::Client::new().post(server.url(PRODUCTS)).multipart(multipart).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    assert_eq!(response.json::<Value>().await.unwrap()["is_active"], true);

    // PUT needs every required field and never creates.
    let path = format!("{PRODUCTS}{id}/");
    let partial_put = c.json(Method::PUT, &path, json!({"name": "Big mug"})).await;
    assert_eq!(partial_put.status, StatusCode::BAD_REQUEST);
    assert_eq!(partial_put.json(), json!({"price": ["This field is required."], "sku": ["This field is required."]}));
    let put =
        c.json(Method::PUT, &path, json!({"name": "Big mug", "price": 9.5, "sku": "M1", "is_active": false})).await;
    assert_eq!(put.status, StatusCode::OK);
    assert_eq!(put.json(), json!({"id": id, "name": "Big mug", "price": "9.50", "sku": "M1", "is_active": false}));
    let put_missing =
        c.json(Method::PUT, &format!("{PRODUCTS}999/"), json!({"name": "X", "price": "1", "sku": "X"})).await;
    assert_eq!(put_missing.status, StatusCode::NOT_FOUND);
    assert!(product::Entity::find_by_id(999).one(&server.db).await.unwrap().is_none(), "PUT never creates");

    // PATCH validates and changes only what it is given.
    let patch = c.json(Method::PATCH, &path, json!({"price": "12.345"})).await;
    assert_eq!(patch.json(), json!({"price": ["Ensure that there are no more than 2 decimal places."]}));
    let patch = c.json(Method::PATCH, &path, json!({"price": "12.34"})).await;
    assert_eq!(patch.status, StatusCode::OK);
    assert_eq!(patch.json(), json!({"id": id, "name": "Big mug", "price": "12.34", "sku": "M1", "is_active": false}));
    let empty_patch = c.json(Method::PATCH, &path, json!({})).await;
    assert_eq!(empty_patch.json(), patch.json());

    // Destroy: 204, empty; again 404.
    let deleted = c.send(Method::DELETE, &path, None, &[]).await;
    assert_eq!((deleted.status, deleted.text.as_str()), (StatusCode::NO_CONTENT, ""));
    assert_eq!(c.send(Method::DELETE, &path, None, &[]).await.status, StatusCode::NOT_FOUND);
    assert!(product::Entity::find_by_id(id).one(&server.db).await.unwrap().is_none());
    server.stop().await;
}

#[tokio::test]
async fn bad_requests_get_drfs_answers() {
    let server = TestServer::start(&shop::app(), |_| {}).await;
    let c = Client::new(&server);

    let patch_list = c.json(Method::PATCH, PRODUCTS, json!({})).await;
    assert_eq!(
        (patch_list.status, patch_list.json()),
        (StatusCode::METHOD_NOT_ALLOWED, json!({"detail": "Method \"PATCH\" not allowed."}))
    );
    assert_eq!(patch_list.header("allow"), "GET, POST, HEAD, OPTIONS");

    let malformed = c.send(Method::POST, PRODUCTS, Some(("application/json", "{\"name\": ".into())), &[]).await;
    assert_eq!(malformed.status, StatusCode::BAD_REQUEST);
    assert!(malformed.json()["detail"].as_str().unwrap().starts_with("JSON parse error - "), "{}", malformed.text);

    let list_body = c.json(Method::POST, PRODUCTS, json!([1, 2])).await;
    assert_eq!(list_body.json(), json!({"non_field_errors": ["Invalid data. Expected a dictionary, but got list."]}));

    let text = c.send(Method::POST, PRODUCTS, Some(("text/plain", "hello".into())), &[]).await;
    assert_eq!(
        (text.status, text.json()),
        (StatusCode::UNSUPPORTED_MEDIA_TYPE, json!({"detail": "Unsupported media type \"text/plain\" in request."}))
    );

    let csv = c.send(Method::GET, PRODUCTS, None, &[("accept", "text/csv")]).await;
    assert_eq!(
        (csv.status, csv.json()),
        (StatusCode::NOT_ACCEPTABLE, json!({"detail": "Could not satisfy the request Accept header."}))
    );
    assert_eq!(c.send(Method::GET, PRODUCTS, None, &[("accept", "text/html, */*;q=0.8")]).await.status, StatusCode::OK);

    // Field validation, in serializer field order.
    let cases = [
        (
            json!({}),
            json!({"name": ["This field is required."], "price": ["This field is required."], "sku": ["This field is required."]}),
        ),
        (json!({"name": null, "price": "1", "sku": "A"}), json!({"name": ["This field may not be null."]})),
        (json!({"name": "  ", "price": "1", "sku": "A"}), json!({"name": ["This field may not be blank."]})),
        (
            json!({"name": "x".repeat(201), "price": "1", "sku": "A"}),
            json!({"name": ["Ensure this field has no more than 200 characters."]}),
        ),
        (json!({"name": ["a"], "price": "1", "sku": "A"}), json!({"name": ["Not a valid string."]})),
        (json!({"name": "N", "price": "abc", "sku": "A"}), json!({"price": ["A valid number is required."]})),
        (json!({"name": "N", "price": "NaN", "sku": "A"}), json!({"price": ["A valid number is required."]})),
        (json!({"name": "N", "price": true, "sku": "A"}), json!({"price": ["A valid number is required."]})),
        (
            json!({"name": "N", "price": "123456789.12", "sku": "A"}),
            json!({"price": ["Ensure that there are no more than 10 digits in total."]}),
        ),
        (
            json!({"name": "N", "price": "123456789", "sku": "A"}),
            json!({"price": ["Ensure that there are no more than 8 digits before the decimal point."]}),
        ),
        (
            json!({"name": "N", "price": "1", "sku": "A", "is_active": "maybe"}),
            json!({"is_active": ["Must be a valid boolean."]}),
        ),
        (
            json!({"name": "N", "price": "1", "sku": "CUP-ESP"}),
            json!({"sku": ["product with this sku already exists."]}),
        ),
    ];
    for (body, expected) in cases {
        let reply = c.json(Method::POST, PRODUCTS, body.clone()).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(reply.json(), expected, "{body}");
    }
    for accepted in [json!("true"), json!("false"), json!(0), json!(1)] {
        let sku = format!("B-{accepted}").replace('"', "");
        let reply =
            c.json(Method::POST, PRODUCTS, json!({"name": "N", "price": "1", "sku": sku, "is_active": accepted})).await;
        assert_eq!(reply.status, StatusCode::CREATED, "{accepted}");
    }
    // Updating a row may keep its own unique value.
    let same =
        c.json(Method::PUT, "/api/shop/products/1/", json!({"name": "Cup", "price": "8.50", "sku": "CUP-ESP"})).await;
    assert_eq!(same.status, StatusCode::OK);

    // Oversized bodies are refused, and nothing is written.
    let before = product::Entity::find().all(&server.db).await.unwrap().len();
    let huge = c
        .send(
            Method::POST,
            PRODUCTS,
            Some(("application/json", format!("{{\"name\": \"{}\"}}", "x".repeat(3_000_000)))),
            &[],
        )
        .await;
    assert_eq!(huge.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(product::Entity::find().all(&server.db).await.unwrap().len(), before);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_uniqueness_race_is_a_400_not_a_500() {
    let server = TestServer::start(&shop::app(), |_| {}).await;
    let http = reqwest::Client::new();
    for round in 0..8 {
        let body = json!({"name": "Racer", "price": "1.00", "sku": format!("RACE-{round}")});
        let requests = (0..6).map(|_| http.post(server.url(PRODUCTS)).json(&body).send());
        let mut created = 0;
        for response in futures_util::future::join_all(requests).await {
            let response = response.unwrap();
            match response.status() {
                StatusCode::CREATED => created += 1,
                StatusCode::BAD_REQUEST => assert_eq!(
                    response.json::<Value>().await.unwrap(),
                    json!({"sku": ["product with this sku already exists."]})
                ),
                other => panic!("round {round}: {other}"),
            }
        }
        assert_eq!(created, 1, "round {round}");
    }
    server.stop().await;
}

#[tokio::test]
async fn options_describes_the_routes() {
    let server = TestServer::start(&shop::app(), |_| {}).await;
    let c = Client::new(&server);
    let list = c.send(Method::OPTIONS, PRODUCTS, None, &[]).await;
    assert_eq!(list.status, StatusCode::OK);
    let body = list.json();
    assert_eq!(body["name"], "Product List");
    assert_eq!(body["description"], "DRF ViewSet exposed under the backend prefix.");
    assert_eq!(body["renders"], json!(["application/json"]));
    assert_eq!(body["parses"], json!(["application/json", "application/x-www-form-urlencoded", "multipart/form-data"]));
    assert_eq!(
        body["actions"]["POST"],
        json!({
            "id": {"type": "integer", "required": false, "read_only": true, "label": "ID"},
            "name": {"type": "string", "required": true, "read_only": false, "label": "Name", "max_length": 200},
            "price": {"type": "decimal", "required": true, "read_only": false, "label": "Price", "max_digits": 10, "decimal_places": 2},
            "sku": {"type": "string", "required": true, "read_only": false, "label": "Sku", "max_length": 64},
            "is_active": {"type": "boolean", "required": false, "read_only": false, "label": "Is active"},
        })
    );
    let detail = c.send(Method::OPTIONS, "/api/shop/products/1/", None, &[]).await.json();
    assert_eq!(detail["name"], "Product Instance");
    assert_eq!(detail["actions"]["PUT"], body["actions"]["POST"]);

    // Without write permission there are no actions.
    let reviews = c.send(Method::OPTIONS, "/api/shop/reviews/", None, &[]).await.json();
    assert_eq!(reviews["name"], "Review List");
    assert!(reviews.get("actions").is_none(), "{reviews}");
    server.stop().await;
}

#[tokio::test]
async fn session_authentication_enforces_csrf_only_for_session_users() {
    let server = TestServer::start(&shop::app(), |_| {}).await;
    user(&server, "alice", false).await;
    let (cookies, token) = session_login(&server, "alice").await;
    let c = Client::new(&server).with("cookie", &cookies);
    let body = json!({"product": 1, "rating": 5, "comment": "Lovely"});

    let refused = c.json(Method::POST, "/api/shop/reviews/", body.clone()).await;
    assert_eq!(
        (refused.status, refused.json()),
        (StatusCode::FORBIDDEN, json!({"detail": "CSRF Failed: CSRF token missing."}))
    );
    let wrong = c
        .send(
            Method::POST,
            "/api/shop/reviews/",
            Some(("application/json", body.to_string())),
            &[("x-csrftoken", &"a".repeat(32))],
        )
        .await;
    assert_eq!(
        wrong.json(),
        json!({"detail": "CSRF Failed: CSRF token from the 'X-Csrftoken' HTTP header incorrect."})
    );
    let evil = c
        .send(
            Method::POST,
            "/api/shop/reviews/",
            Some(("application/json", body.to_string())),
            &[("x-csrftoken", &token), ("origin", "https://evil.example")],
        )
        .await;
    assert_eq!(
        evil.json(),
        json!({"detail": "CSRF Failed: Origin checking failed - https://evil.example does not match any trusted origins."})
    );

    let created = c
        .send(
            Method::POST,
            "/api/shop/reviews/",
            Some(("application/json", body.to_string())),
            &[("x-csrftoken", &token)],
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    let review = created.json();
    assert_eq!(
        (review["product"].clone(), review["rating"].clone(), review["comment"].clone()),
        (json!(1), json!(5), json!("Lovely"))
    );
    assert!(review["created_at"].as_str().unwrap().ends_with('Z'));

    // Safe methods need no token; anonymous writes need none either (and are
    // then refused by the permission, not by CSRF).
    assert_eq!(c.get("/api/shop/reviews/").await.status, StatusCode::OK);
    let anonymous = Client::new(&server).json(Method::POST, "/api/shop/reviews/", body.clone()).await;
    assert_eq!(
        (anonymous.status, anonymous.json()),
        (StatusCode::FORBIDDEN, json!({"detail": "Authentication credentials were not provided."}))
    );
    let anonymous_product =
        Client::new(&server).json(Method::POST, PRODUCTS, json!({"name": "N", "price": "1", "sku": "ANON"})).await;
    assert_eq!(anonymous_product.status, StatusCode::CREATED, "AllowAny and no session: no CSRF");
    server.stop().await;
}

#[tokio::test]
async fn basic_and_token_authentication() {
    let server = TestServer::start(&shop::app(), |_| {}).await;
    let alice = user(&server, "alice", false).await;
    let body = json!({"product": 2, "rating": 4});

    let by_basic = Client::new(&server)
        .with("authorization", &basic("alice"))
        .json(Method::POST, "/api/shop/reviews/", body.clone())
        .await;
    assert_eq!(by_basic.status, StatusCode::CREATED, "Basic needs no CSRF token: {}", by_basic.text);

    // Session first (the default): a wrong password is a 403, no challenge.
    let wrong = Client::new(&server)
        .with("authorization", &format!("Basic {}", base64::engine::general_purpose::STANDARD.encode("alice:nope")))
        .get("/api/shop/reviews/")
        .await;
    assert_eq!((wrong.status, wrong.json()), (StatusCode::FORBIDDEN, json!({"detail": "Invalid username/password."})));
    assert_eq!(wrong.header("www-authenticate"), "");
    let garbled = Client::new(&server).with("authorization", "Basic !!!").get("/api/shop/reviews/").await;
    assert_eq!(garbled.json(), json!({"detail": "Invalid basic header. Credentials not correctly base64 encoded."}));

    // Tokens.
    let key = tandem::rest::token::token_for(&server.db, &alice, false).await.unwrap();
    assert_eq!(key.len(), 40);
    assert_eq!(tandem::rest::token::token_for(&server.db, &alice, false).await.unwrap(), key, "one token per user");
    let server_default = Client::new(&server)
        .with("authorization", &format!("Token {key}"))
        .json(Method::POST, "/api/shop/reviews/", body.clone())
        .await;
    assert_eq!(server_default.status, StatusCode::FORBIDDEN, "token is not in the default schemes");
    server.stop().await;

    // Basic first, then tokens: 401 with a challenge.
    let server = TestServer::start(&shop::app(), |s| {
        s.rest.authentication = vec![Authentication::Basic, Authentication::Token, Authentication::Session];
    })
    .await;
    let alice = user(&server, "alice", false).await;
    let key = tandem::rest::token::token_for(&server.db, &alice, false).await.unwrap();
    let by_token = Client::new(&server)
        .with("authorization", &format!("Token {key}"))
        .json(Method::POST, "/api/shop/reviews/", body.clone())
        .await;
    assert_eq!(by_token.status, StatusCode::CREATED, "{}", by_token.text);
    let bad_token = Client::new(&server).with("authorization", "Token nope").get("/api/shop/reviews/").await;
    assert_eq!((bad_token.status, bad_token.json()), (StatusCode::UNAUTHORIZED, json!({"detail": "Invalid token."})));
    assert_eq!(bad_token.header("www-authenticate"), "Basic realm=\"api\"");
    let anonymous = Client::new(&server).json(Method::POST, "/api/shop/reviews/", body.clone()).await;
    assert_eq!(
        (anonymous.status, anonymous.json()),
        (StatusCode::UNAUTHORIZED, json!({"detail": "Authentication credentials were not provided."}))
    );
    assert_eq!(anonymous.header("www-authenticate"), "Basic realm=\"api\"");

    // A reset token replaces the old one; an inactive user's token stops working.
    let new_key = tandem::rest::token::token_for(&server.db, &alice, true).await.unwrap();
    assert_ne!(new_key, key);
    let old = Client::new(&server).with("authorization", &format!("Token {key}")).get("/api/shop/reviews/").await;
    assert_eq!(old.status, StatusCode::UNAUTHORIZED);
    let mut inactive: tandem::auth::models::user::ActiveModel = alice.into();
    inactive.is_active = Set(false);
    inactive.update(&server.db).await.unwrap();
    let gone = Client::new(&server).with("authorization", &format!("Token {new_key}")).get("/api/shop/reviews/").await;
    assert_eq!(gone.json(), json!({"detail": "User inactive or deleted."}));
    server.stop().await;
}

#[tokio::test]
async fn global_permissions_from_settings() {
    // IsAdminUser for everything that does not say otherwise.
    let server = TestServer::start(&shop::app(), |s| s.rest.permission = Permission::IsAdminUser).await;
    user(&server, "bob", false).await;
    user(&server, "root", true).await;
    let anonymous = Client::new(&server).get(PRODUCTS).await;
    assert_eq!(
        (anonymous.status, anonymous.json()),
        (StatusCode::FORBIDDEN, json!({"detail": "Authentication credentials were not provided."}))
    );
    let bob = Client::new(&server).with("authorization", &basic("bob")).get(PRODUCTS).await;
    assert_eq!(
        (bob.status, bob.json()),
        (StatusCode::FORBIDDEN, json!({"detail": "You do not have permission to perform this action."}))
    );
    assert_eq!(Client::new(&server).with("authorization", &basic("root")).get(PRODUCTS).await.status, StatusCode::OK);
    assert_eq!(
        Client::new(&server).get("/api/shop/reviews/").await.status,
        StatusCode::OK,
        "the viewset's own permission wins"
    );
    server.stop().await;

    // Model permissions: reads need a login, writes the matching permission.
    let server = TestServer::start(&shop::app(), |s| s.rest.permission = Permission::DjangoModelPermissions).await;
    let carol = user(&server, "carol", false).await;
    let c = Client::new(&server).with("authorization", &basic("carol"));
    assert_eq!(c.get(PRODUCTS).await.status, StatusCode::OK);
    let body = json!({"name": "N", "price": "1", "sku": "PERM"});
    assert_eq!(c.json(Method::POST, PRODUCTS, body.clone()).await.status, StatusCode::FORBIDDEN);
    let add = permission::Entity::find()
        .filter(permission::Column::AppLabel.eq("shop"))
        .filter(permission::Column::Codename.eq("add_product"))
        .one(&server.db)
        .await
        .unwrap()
        .expect("migrate creates the model's permissions");
    user_permission::ActiveModel { user_id: Set(carol.id), permission_id: Set(add.id), ..Default::default() }
        .insert(&server.db)
        .await
        .unwrap();
    assert_eq!(c.json(Method::POST, PRODUCTS, body).await.status, StatusCode::CREATED);
    assert_eq!(c.send(Method::DELETE, "/api/shop/products/1/", None, &[]).await.status, StatusCode::FORBIDDEN);
    server.stop().await;
}

#[tokio::test]
async fn page_number_pagination_on_reviews() {
    let server = TestServer::start(&shop::app(), |_| {}).await;
    for i in 0..25 {
        review::ActiveModel {
            product_id: Set(1 + i % 3),
            rating: Set((1 + i % 5) as i16),
            comment: Set(format!("#{i}")),
            ..sea_orm::ActiveModelBehavior::new()
        }
        .insert(&server.db)
        .await
        .unwrap();
    }
    let c = Client::new(&server);
    let url = server.url("/api/shop/reviews/");
    let first = c.get("/api/shop/reviews/").await.json();
    assert_eq!(first["count"], 25);
    assert_eq!(first["next"], format!("{url}?page=2"));
    assert_eq!(first["previous"], Value::Null);
    assert_eq!(first["results"].as_array().unwrap().len(), 10);
    assert_eq!(first["results"][0]["comment"], "#24", "newest first (default ordering -id)");

    // Other parameters are kept, sorted; page 1 drops `page=`.
    let second = c.get("/api/shop/reviews/?page=2&ordering=rating").await.json();
    assert_eq!(second["next"], format!("{url}?ordering=rating&page=3"));
    assert_eq!(second["previous"], format!("{url}?ordering=rating"));
    let last = c.get("/api/shop/reviews/?page=last").await.json();
    assert_eq!((last["results"].as_array().unwrap().len(), last["next"].clone()), (5, Value::Null));
    for junk in ["4", "0", "x"] {
        let reply = c.get(&format!("/api/shop/reviews/?page={junk}")).await;
        assert_eq!((reply.status, reply.json()), (StatusCode::NOT_FOUND, json!({"detail": "Invalid page."})), "{junk}");
    }

    // Equality filter on the foreign key; wrong type is a 400.
    let of_two = c.get("/api/shop/reviews/?product_id=2").await.json();
    assert_eq!(of_two["count"], 8);
    assert!(of_two["results"].as_array().unwrap().iter().all(|r| r["product"] == 2));
    let bad = c.get("/api/shop/reviews/?product_id=two").await;
    assert_eq!(
        (bad.status, bad.json()),
        (StatusCode::BAD_REQUEST, json!({"product_id": ["A valid integer is required."]}))
    );

    // The detail action lists one product's reviews; a review of no product is refused.
    let action = c.get("/api/shop/products/3/reviews/").await;
    assert_eq!(action.json().as_array().unwrap().len(), 8);
    assert_eq!(c.get("/api/shop/products/99/reviews/").await.status, StatusCode::NOT_FOUND);
    let root = user(&server, "root", true).await;
    let _ = root;
    let orphan = Client::new(&server)
        .with("authorization", &basic("root"))
        .json(Method::POST, "/api/shop/reviews/", json!({"product": 99, "rating": 3}))
        .await;
    assert_eq!(orphan.json(), json!({"product": ["Invalid pk \"99\" - object does not exist."]}));
    let rating = Client::new(&server)
        .with("authorization", &basic("root"))
        .json(Method::POST, "/api/shop/reviews/", json!({"product": 1, "rating": 9}))
        .await;
    assert_eq!(rating.json(), json!({"rating": ["Ensure this value is between 1 and 5."]}));

    // Deleting a product deletes its reviews (on_delete=CASCADE).
    assert_eq!(c.send(Method::DELETE, "/api/shop/products/3/", None, &[]).await.status, StatusCode::NO_CONTENT);
    assert_eq!(c.get("/api/shop/reviews/?product_id=3").await.json()["count"], 0);
    server.stop().await;
}

#[tokio::test]
async fn limit_offset_search_and_ordering_on_products() {
    let server = TestServer::start(&shop::app(), |s| {
        s.rest.pagination = Some(tandem::rest::pagination::PaginationStyle::LimitOffset);
        s.rest.page_size = Some(2);
    })
    .await;
    let c = Client::new(&server);
    let url = server.url(PRODUCTS);
    let page = c.get("/api/shop/products/?offset=2").await.json();
    assert_eq!(page["count"], 5);
    assert_eq!(page["next"], format!("{url}?limit=2&offset=4"));
    assert_eq!(page["previous"], format!("{url}?limit=2"));
    assert_eq!(page["results"][0]["id"], 3);

    // Prices order as numbers on every database; unknown fields are dropped.
    let by_price = c.get("/api/shop/products/?limit=10&ordering=-price,colour").await.json();
    let prices: Vec<&str> =
        by_price["results"].as_array().unwrap().iter().map(|p| p["price"].as_str().unwrap()).collect();
    assert_eq!(prices, ["129.99", "49.00", "18.75", "8.50", "0.10"]);

    // Every term must match a search field, case-insensitively; commas split terms.
    let found = c.get("/api/shop/products/?limit=10&search=KET,pour").await.json();
    assert_eq!(found["count"], 1);
    assert_eq!(found["results"][0]["sku"], "KTL-POUR");
    assert_eq!(c.get("/api/shop/products/?search=100%25").await.json()["count"], 0, "% is matched literally");
    let inactive = c.get("/api/shop/products/?is_active=false").await.json();
    assert_eq!(inactive["results"][0]["id"], 4);
    server.stop().await;

    // Pagination can also be set per viewset: `Pagination::page_number`.
    assert_eq!(Pagination::page_number(0), Pagination::page_number(1));
}

#[tokio::test]
async fn anonymous_throttle_answers_429_with_retry_after() {
    let server = TestServer::start(&shop::app(), |s| {
        s.rest.throttle_anon = Some("3/min".parse().unwrap());
        s.rest.throttle_user = Some("5/min".parse().unwrap());
    })
    .await;
    user(&server, "dave", false).await;
    let anonymous = Client::new(&server);
    for _ in 0..3 {
        assert_eq!(anonymous.get(PRODUCTS).await.status, StatusCode::OK);
    }
    let throttled = anonymous.get(PRODUCTS).await;
    assert_eq!(throttled.status, StatusCode::TOO_MANY_REQUESTS);
    let wait: u64 = throttled.header("retry-after").parse().unwrap();
    assert!((1..=60).contains(&wait), "{wait}");
    assert_eq!(
        throttled.json(),
        json!({"detail": format!("Request was throttled. Expected available in {wait} seconds.")})
    );

    // Users are counted apart from anonymous clients, by their own rate.
    let dave = Client::new(&server).with("authorization", &basic("dave"));
    for _ in 0..5 {
        assert_eq!(dave.get(PRODUCTS).await.status, StatusCode::OK);
    }
    assert_eq!(dave.get(PRODUCTS).await.status, StatusCode::TOO_MANY_REQUESTS);
    server.stop().await;
}

#[tokio::test]
async fn the_openapi_document_and_offline_docs() {
    let server = TestServer::start(&shop::app(), |_| {}).await;
    let c = Client::new(&server);
    let schema = c.get("/api/schema/").await;
    assert_eq!(schema.status, StatusCode::OK);
    let doc = schema.json();
    assert_eq!(doc["openapi"], "3.1.0");
    let paths = doc["paths"].as_object().unwrap();
    for path in [
        "/api/shop/products/",
        "/api/shop/products/{pk}/",
        "/api/shop/reviews/",
        "/api/shop/active/",
        "/api/shop/products/{pk}/reviews/",
    ] {
        assert!(paths.contains_key(path), "{path} missing from {:?}", paths.keys().collect::<Vec<_>>());
    }
    let create = &doc["paths"]["/api/shop/products/"]["post"];
    let body = &create["requestBody"]["content"]["application/json"]["schema"];
    assert_eq!(body["required"], json!(["name", "price", "sku"]));
    assert!(body["properties"].get("id").is_none(), "read-only fields are not input");
    assert_eq!(
        create["responses"]["201"]["content"]["application/json"]["schema"]["properties"]["price"]["pattern"],
        "^-?\\d{0,8}(?:\\.\\d{0,2})?$"
    );
    assert_eq!(doc["paths"]["/api/shop/products/{pk}/"]["delete"]["responses"]["204"]["description"], "Success.");
    let reviews = &doc["paths"]["/api/shop/reviews/"]["get"];
    assert_eq!(
        reviews["responses"]["200"]["content"]["application/json"]["schema"]["required"],
        json!(["count", "next", "previous", "results"])
    );
    assert_eq!(doc["paths"]["/api/shop/reviews/"]["post"]["security"], json!([{"cookieAuth": []}, {"basicAuth": []}]));
    assert!(!paths.keys().any(|p| p.contains("format")), "suffix routes are not documented twice");

    let page = c.get("/api/docs/").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text.contains("<script src=\"explorer.js\"></script>"));
    assert!(!page.text.contains("http://") && !page.text.contains("https://"), "nothing from the network");
    assert!(page.header("content-security-policy").contains("script-src 'self'"));
    let script = c.get("/api/docs/explorer.js").await;
    assert!(script.header("content-type").starts_with("text/javascript"));
    assert!(script.text.contains("../schema/") && !script.text.contains("eval("));
    server.stop().await;
}

/// A second URL configuration exercising the hooks the shop does not use.
fn hook_urls() -> Vec<tandem::urls::UrlPattern> {
    use sea_orm::QueryFilter;
    use shop::shop::serializers::{drf_product_serializer, review_serializer};
    use tandem::rest::{ModelViewSet, ReadOnlyModelViewSet, RestError, SimpleRouter};

    let mut router = SimpleRouter::new().trailing_slash(false);
    let active_only = ReadOnlyModelViewSet::new(drf_product_serializer())
        .queryset(|_| product::Entity::find().filter(product::Column::IsActive.eq(true)))
        .object_permission(|request, product| request.query_param("key").as_deref() == Some(product.sku.as_str()));
    router.register("products", active_only);
    let reviews = ModelViewSet::new(review_serializer())
        .before_create(|request, active| {
            let who = request.user.username().unwrap_or("anonymous").to_string();
            active.comment = Set(format!("by {who}"));
            Ok(())
        })
        .list_action("count", &[Method::GET, Method::POST], |request| async move {
            let total = review::Entity::find().all(&request.db).await?.len();
            Ok::<_, RestError>(axum::Json(json!({"count": total, "method": request.method.as_str()})))
        });
    router.register("reviews", reviews);
    vec![tandem::urls::path("api/", tandem::urls::include(router.urls()))]
}

#[tokio::test]
async fn hooks_read_only_viewsets_and_simple_routers() {
    let app = tandem::App::new(env!("CARGO_MANIFEST_DIR"))
        .urls(hook_urls)
        .migrator::<shop::shop::migrations::Migrator>()
        .model::<product::Entity>("shop.product")
        .initial_data(include_str!("../fixtures/products.json"));
    let server = TestServer::start(&app, |_| {}).await;
    let c = Client::new(&server);

    // No API root, no trailing slash, no suffixes.
    assert_eq!(c.get("/api/").await.status, StatusCode::NOT_FOUND);
    assert_eq!(c.get("/api/products.json").await.status, StatusCode::NOT_FOUND);

    // The queryset hides inactive products, from the list and the detail.
    let list = c.get("/api/products").await;
    assert_eq!(list.header("allow"), "GET, HEAD, OPTIONS");
    assert!(list.json().as_array().unwrap().iter().all(|p| p["is_active"] == true));
    assert_eq!(
        c.get("/api/products/4?key=FLT-100").await.json(),
        json!({"detail": "No Product matches the given query."})
    );

    // The object permission: anonymous callers are "not authenticated".
    let denied = c.get("/api/products/2").await;
    assert_eq!(
        (denied.status, denied.json()),
        (StatusCode::FORBIDDEN, json!({"detail": "Authentication credentials were not provided."}))
    );
    assert_eq!(c.get("/api/products/2?key=KTL-POUR").await.json()["id"], 2);

    // Read-only: writes are 405 in DRF's words.
    let post = c.json(Method::POST, "/api/products", json!({"name": "N", "price": "1", "sku": "RO"})).await;
    assert_eq!(
        (post.status, post.json()),
        (StatusCode::METHOD_NOT_ALLOWED, json!({"detail": "Method \"POST\" not allowed."}))
    );
    assert_eq!(c.send(Method::DELETE, "/api/products/1", None, &[]).await.status, StatusCode::METHOD_NOT_ALLOWED);

    // before_create sees the request's user; a list action answers its methods.
    let created = c.json(Method::POST, "/api/reviews", json!({"product": 1, "rating": 2, "comment": "ignored"})).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    assert_eq!(created.json()["comment"], "by anonymous");
    let count = c.send(Method::POST, "/api/reviews/count", None, &[]).await;
    assert_eq!(count.json(), json!({"count": 1, "method": "POST"}));
    assert_eq!(count.header("allow"), "GET, POST, HEAD, OPTIONS");
    let put = c.send(Method::PUT, "/api/reviews/count", None, &[]).await;
    assert_eq!(put.status, StatusCode::METHOD_NOT_ALLOWED);
    server.stop().await;
}
