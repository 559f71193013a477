//! Sessions, login and CSRF over a real socket, row by row of the wire-format
//! spec's "CSRF" and "Sessions and auth" sections.

use std::collections::BTreeMap;

use reqwest::header::{HeaderMap, SET_COOKIE};
use reqwest::{Method, StatusCode};
use sea_orm::{ActiveModelTrait, EntityTrait, IntoActiveModel, Set};
use serde_json::{Value, json};
use tandem::auth::{self, NewUser, models::user};
use tandem::csrf::token::{mask_secret, new_secret};
use tandem::sessions::{model as session_row, store};
use tandem::testing::TestServer;

const PASSWORD: &str = "wonderland-42";

/// A browser-like client: keeps cookies by hand so tests can see every
/// `Set-Cookie` attribute.
struct Browser {
    http: reqwest::Client,
    base: String,
    cookies: BTreeMap<String, String>,
    last_set_cookies: Vec<String>,
}

impl Browser {
    fn new(server: &TestServer) -> Self {
        let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
        Self { http, base: server.base.clone(), cookies: BTreeMap::new(), last_set_cookies: Vec::new() }
    }

    fn cookie(&self, name: &str) -> Option<String> {
        self.cookies.get(name).cloned()
    }

    fn set_cookie_header(&self, name: &str) -> Option<String> {
        self.last_set_cookies.iter().find(|c| c.starts_with(&format!("{name}="))).cloned()
    }

    async fn send(
        &mut self,
        method: Method,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<Body>,
    ) -> (StatusCode, Value) {
        let mut request = self.http.request(method, format!("{}{path}", self.base));
        let jar: Vec<String> = self.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect();
        if !jar.is_empty() {
            request = request.header("cookie", jar.join("; "));
        }
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        request = match body {
            Some(Body::Json(value)) => request.json(&value),
            Some(Body::Form(pairs)) => request.form(&pairs),
            None => request,
        };
        let response = request.send().await.unwrap();
        let status = response.status();
        self.absorb(response.headers());
        let text = response.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
    }

    fn absorb(&mut self, headers: &HeaderMap) {
        self.last_set_cookies = headers.get_all(SET_COOKIE).iter().map(|v| v.to_str().unwrap().to_string()).collect();
        for header in &self.last_set_cookies {
            let (pair, attrs) = header.split_once(';').unwrap_or((header, ""));
            let (name, value) = pair.split_once('=').unwrap();
            if attrs.contains("Max-Age=0") {
                self.cookies.remove(name);
            } else {
                self.cookies.insert(name.to_string(), value.to_string());
            }
        }
    }

    async fn get(&mut self, path: &str) -> (StatusCode, Value) {
        self.send(Method::GET, path, &[], None).await
    }

    async fn post(&mut self, path: &str, headers: &[(&str, &str)]) -> (StatusCode, Value) {
        self.send(Method::POST, path, headers, None).await
    }

    /// `GET /api/csrf/`: the masked token it hands out.
    async fn csrf_token(&mut self) -> String {
        let (status, body) = self.get("/api/csrf/").await;
        assert_eq!(status, StatusCode::OK);
        body["csrfToken"].as_str().unwrap().to_string()
    }

    async fn login(&mut self, username: &str, password: &str) -> (StatusCode, Value) {
        let token = self.csrf_token().await;
        let body = json!({"username": username, "password": password});
        self.send(Method::POST, "/api/auth/login/", &[("x-csrftoken", &token)], Some(Body::Json(body))).await
    }
}

enum Body {
    Json(Value),
    Form(Vec<(&'static str, String)>),
}

async fn server() -> TestServer {
    TestServer::start(&shop::app(), |_| {}).await
}

async fn alice(server: &TestServer) -> user::Model {
    let new = NewUser { username: "alice", email: "alice@example.com", password: Some(PASSWORD), ..Default::default() };
    auth::create_user(&server.db, new).await.unwrap()
}

fn reason(body: &Value) -> &str {
    body["detail"].as_str().unwrap_or_default()
}

#[tokio::test]
async fn csrf_cookie_and_token_rules() {
    let server = server().await;
    let mut b = Browser::new(&server);

    let (status, body) = b.post("/api/shop/plain-post/", &[]).await;
    assert_eq!((status, reason(&body)), (StatusCode::FORBIDDEN, "CSRF Failed: CSRF cookie not set."));

    let masked = b.csrf_token().await;
    let secret = b.cookie("csrftoken").unwrap();
    assert_eq!((masked.len(), secret.len()), (64, 32));

    let (status, body) = b.post("/api/shop/plain-post/", &[]).await;
    assert_eq!((status, reason(&body)), (StatusCode::FORBIDDEN, "CSRF Failed: CSRF token missing."));

    let wrong = mask_secret(&new_secret());
    let (_, body) = b.post("/api/shop/plain-post/", &[("x-csrftoken", &wrong)]).await;
    assert_eq!(reason(&body), "CSRF Failed: CSRF token from the 'X-Csrftoken' HTTP header incorrect.");

    let (_, body) = b.post("/api/shop/plain-post/", &[("x-csrftoken", &masked[..40])]).await;
    assert_eq!(reason(&body), "CSRF Failed: CSRF token from the 'X-Csrftoken' HTTP header has incorrect length.");

    let bad_chars = format!("{}-", &secret[..31]);
    let (_, body) = b.post("/api/shop/plain-post/", &[("x-csrftoken", &bad_chars)]).await;
    assert_eq!(reason(&body), "CSRF Failed: CSRF token from the 'X-Csrftoken' HTTP header has invalid characters.");

    // The masked token, the plain secret, and an older masked token all verify.
    let newer = b.csrf_token().await;
    assert_ne!(newer, masked);
    assert_eq!(b.cookie("csrftoken").unwrap(), secret, "handing out a token keeps the secret");
    for token in [&masked, &secret, &newer] {
        let (status, body) = b.post("/api/shop/plain-post/", &[("x-csrftoken", token)]).await;
        assert_eq!((status, body), (StatusCode::OK, json!({"ok": true})));
    }
    server.stop().await;
}

#[tokio::test]
async fn csrf_form_field_and_malformed_cookie() {
    let server = server().await;
    let mut b = Browser::new(&server);
    let masked = b.csrf_token().await;

    let form = |t: &str| Some(Body::Form(vec![("csrfmiddlewaretoken", t.to_string()), ("note", "x".into())]));
    let (status, _) = b.send(Method::POST, "/api/shop/plain-post/", &[], form(&masked)).await;
    assert_eq!(status, StatusCode::OK);

    let (_, body) = b.send(Method::POST, "/api/shop/plain-post/", &[], form(&mask_secret(&new_secret()))).await;
    assert_eq!(reason(&body), "CSRF Failed: CSRF token from POST incorrect.");
    let (_, body) = b.send(Method::POST, "/api/shop/plain-post/", &[], form("short")).await;
    assert_eq!(reason(&body), "CSRF Failed: CSRF token from POST has incorrect length.");

    // A form without the field falls back to the header.
    let no_field = Some(Body::Form(vec![("note", "x".to_string())]));
    let (status, _) = b.send(Method::POST, "/api/shop/plain-post/", &[("x-csrftoken", &masked)], no_field).await;
    assert_eq!(status, StatusCode::OK);

    b.cookies.insert("csrftoken".into(), "not-a-secret".into());
    let (status, body) = b.post("/api/shop/plain-post/", &[("x-csrftoken", &masked)]).await;
    assert_eq!((status, reason(&body)), (StatusCode::FORBIDDEN, "CSRF Failed: CSRF cookie has incorrect length."));
    let fresh = b.cookie("csrftoken").unwrap();
    assert_eq!(fresh.len(), 32, "a malformed cookie is replaced");
    server.stop().await;
}

#[tokio::test]
async fn csrf_origin_checks() {
    let server = TestServer::start(&shop::app(), |s| {
        s.backend.trusted_origins = vec!["https://*.example.com".into(), "https://partner.test".into()];
    })
    .await;
    let mut b = Browser::new(&server);
    let token = b.csrf_token().await;
    let own = server.base.clone();
    for (origin, ok) in [
        (own.as_str(), true),
        ("https://shop.example.com", true),
        ("https://example.com", true),
        ("https://partner.test", true),
        ("http://shop.example.com", false),
        ("https://shop.example.com:8443", false),
        ("http://evil.test", false),
        ("null", false),
    ] {
        let (status, body) = b.post("/api/shop/plain-post/", &[("x-csrftoken", &token), ("origin", origin)]).await;
        if ok {
            assert_eq!(status, StatusCode::OK, "{origin}: {body}");
        } else {
            assert_eq!(status, StatusCode::FORBIDDEN, "{origin}");
            assert_eq!(
                reason(&body),
                format!("CSRF Failed: Origin checking failed - {origin} does not match any trusted origins.")
            );
        }
    }
    server.stop().await;
}

#[tokio::test]
async fn csrf_referer_checks_over_https() {
    let server = TestServer::start(&shop::app(), |s| {
        s.backend.trust_forwarded_proto = true;
        s.backend.trusted_origins = vec!["https://*.example.com".into()];
    })
    .await;
    let mut b = Browser::new(&server);
    let (status, _) = b.send(Method::GET, "/api/csrf/", &[("x-forwarded-proto", "https")], None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(b.set_cookie_header("csrftoken").unwrap().contains("Secure"), "csrftoken is Secure over HTTPS");
    let token = b.cookie("csrftoken").unwrap();
    let host = server.base.trim_start_matches("http://").to_string();
    let own = format!("https://{host}/page");
    for (referer, expected) in [
        (None, Some("Referer checking failed - no Referer.")),
        (Some("garbage".to_string()), Some("Referer checking failed - Referer is malformed.")),
        (
            Some(format!("http://{host}/page")),
            Some("Referer checking failed - Referer is insecure while host is secure."),
        ),
        (
            Some("https://evil.test/x".to_string()),
            Some("Referer checking failed - https://evil.test/x does not match any trusted origins."),
        ),
        (Some(own.clone()), None),
        (Some("https://app.example.com/form".to_string()), None),
    ] {
        let mut headers = vec![("x-forwarded-proto", "https"), ("x-csrftoken", token.as_str())];
        if let Some(r) = referer.as_deref() {
            headers.push(("referer", r));
        }
        let (status, body) = b.post("/api/shop/plain-post/", &headers).await;
        match expected {
            Some(text) => {
                assert_eq!((status, reason(&body).to_string()), (StatusCode::FORBIDDEN, format!("CSRF Failed: {text}")))
            }
            None => assert_eq!(status, StatusCode::OK, "{referer:?}: {body}"),
        }
    }
    // Plain HTTP requests need no Referer.
    let (status, _) = b.post("/api/shop/plain-post/", &[("x-csrftoken", &token)]).await;
    assert_eq!(status, StatusCode::OK);
    server.stop().await;
}

#[tokio::test]
async fn exempt_webhook_and_safe_methods_need_no_token() {
    let server = server().await;
    let mut b = Browser::new(&server);
    let (status, body) = b.post("/webhooks/stripe/", &[("origin", "https://stripe.example")]).await;
    assert_eq!((status, body), (StatusCode::OK, json!({"received": 0})));
    let (status, _) = b.get("/api/whoami/").await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = b.send(Method::HEAD, "/api/whoami/", &[], None).await;
    assert_eq!(status, StatusCode::OK);
    // CSRF runs before the method check: an unsafe method on a GET-only view is 403 first.
    let (status, _) = b.send(Method::PUT, "/api/shop/active/", &[], None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    server.stop().await;
}

#[tokio::test]
async fn production_hides_the_reason() {
    let server = TestServer::start(&shop::app(), |s| s.environment = tandem::config::Environment::Production).await;
    let mut b = Browser::new(&server);
    let (status, body) = b.post("/api/shop/plain-post/", &[]).await;
    assert_eq!((status, body), (StatusCode::FORBIDDEN, json!({"detail": "CSRF Failed."})));
    server.stop().await;
}

#[tokio::test]
async fn login_sets_djangos_cookies_and_cycles_everything() {
    let server = server().await;
    alice(&server).await;
    let mut b = Browser::new(&server);
    let (_, body) = b.get("/api/whoami/").await;
    assert_eq!(body, json!({"authenticated": false, "username": null}));
    assert!(b.last_set_cookies.is_empty(), "an untouched session sends no cookie");

    let token_before = b.csrf_token().await;
    let secret_before = b.cookie("csrftoken").unwrap();
    let csrf_cookie = b.set_cookie_header("csrftoken").unwrap();
    assert!(
        csrf_cookie.contains("Max-Age=31449600")
            && csrf_cookie.contains("SameSite=Lax")
            && csrf_cookie.contains("Path=/")
    );
    assert!(!csrf_cookie.contains("HttpOnly"), "the SPA must read csrftoken");

    let (status, body) = b.login("alice", PASSWORD).await;
    assert_eq!((status, body.clone()), (StatusCode::OK, json!({"username": "alice"})));
    assert!(!body.to_string().contains(PASSWORD));
    let session_cookie = b.set_cookie_header("sessionid").unwrap();
    for attr in ["HttpOnly", "SameSite=Lax", "Max-Age=1209600", "Path=/"] {
        assert!(session_cookie.contains(attr), "{attr} missing from {session_cookie}");
    }
    assert!(!session_cookie.contains("Secure"), "plain HTTP: no Secure");
    let key = b.cookie("sessionid").unwrap();
    assert_eq!(key.len(), 32);
    assert!(key.bytes().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit()));
    assert_ne!(b.cookie("csrftoken").unwrap(), secret_before, "login rotates the CSRF secret");

    let (_, body) = b.get("/api/whoami/").await;
    assert_eq!(body, json!({"authenticated": true, "username": "alice"}));
    assert!(b.last_set_cookies.is_empty(), "an unchanged session is not re-sent");

    // The pre-login token belongs to the old secret.
    let (status, body) = b.post("/api/shop/plain-post/", &[("x-csrftoken", &token_before)]).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let user = user::Entity::find().one(&server.db).await.unwrap().unwrap();
    assert!(user.last_login.is_some());
    server.stop().await;
}

#[tokio::test]
async fn planted_session_ids_never_survive_login() {
    let server = server().await;
    alice(&server).await;
    // An attacker plants a session that exists in the store (e.g. their own anonymous one).
    let planted = store::new_key();
    let mut data = serde_json::Map::new();
    data.insert("cart".into(), json!([1, 2]));
    store::save(&server.db, &planted, &data, 3600).await.unwrap();

    let mut b = Browser::new(&server);
    b.cookies.insert("sessionid".into(), planted.clone());
    let (status, _) = b.login("alice", PASSWORD).await;
    assert_eq!(status, StatusCode::OK);
    let key = b.cookie("sessionid").unwrap();
    assert_ne!(key, planted);
    assert!(session_row::Entity::find_by_id(planted.clone()).one(&server.db).await.unwrap().is_none());
    let kept = store::load(&server.db, &key).await.unwrap().unwrap();
    assert_eq!(kept["cart"], json!([1, 2]), "anonymous data is kept across login, under the new key");

    // The planted id is anonymous now.
    let mut attacker = Browser::new(&server);
    attacker.cookies.insert("sessionid".into(), planted);
    let (_, body) = attacker.get("/api/whoami/").await;
    assert_eq!(body["authenticated"], json!(false));

    // A key that was never issued does not survive either.
    let mut c = Browser::new(&server);
    let invented = "a".repeat(32);
    c.cookies.insert("sessionid".into(), invented.clone());
    c.login("alice", PASSWORD).await;
    assert_ne!(c.cookie("sessionid").unwrap(), invented);
    server.stop().await;
}

#[tokio::test]
async fn logout_deletes_the_session() {
    let server = server().await;
    alice(&server).await;
    let mut b = Browser::new(&server);
    b.login("alice", PASSWORD).await;
    let old = b.cookie("sessionid").unwrap();
    let token = b.csrf_token().await;

    let (status, _) = b.post("/api/auth/logout/", &[]).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "logout needs CSRF");
    let (status, body) = b.post("/api/auth/logout/", &[("x-csrftoken", &token)]).await;
    assert_eq!((status, body), (StatusCode::OK, json!({"ok": true})));
    assert!(b.set_cookie_header("sessionid").unwrap().contains("Max-Age=0"), "the cookie is cleared");
    assert!(session_row::Entity::find_by_id(old.clone()).one(&server.db).await.unwrap().is_none());

    let mut replay = Browser::new(&server);
    replay.cookies.insert("sessionid".into(), old);
    let (_, body) = replay.get("/api/whoami/").await;
    assert_eq!(body, json!({"authenticated": false, "username": null}));
    server.stop().await;
}

#[tokio::test]
async fn forged_session_cookies_are_anonymous() {
    let server = server().await;
    for forged in
        ["", "garbage!!", "../../etc/passwd", "' OR 1=1 --", &"z".repeat(32), &"A".repeat(32), &"x".repeat(4000)]
    {
        let mut b = Browser::new(&server);
        b.cookies.insert("sessionid".into(), forged.to_string());
        let (status, body) = b.get("/api/whoami/").await;
        assert_eq!((status, body), (StatusCode::OK, json!({"authenticated": false, "username": null})), "{forged}");
        assert!(b.last_set_cookies.is_empty());
    }
    server.stop().await;
}

#[tokio::test]
async fn bad_credentials_and_inactive_users() {
    let server = server().await;
    let user = alice(&server).await;
    let mut b = Browser::new(&server);
    let expected = (StatusCode::BAD_REQUEST, json!({"detail": "Invalid username or password."}));
    assert_eq!(b.login("alice", "wrong").await, expected);
    assert_eq!(b.login("nobody", PASSWORD).await, expected);
    assert!(b.cookie("sessionid").is_none());

    let token = b.csrf_token().await;
    let (status, body) = b.send(Method::POST, "/api/auth/login/", &[("x-csrftoken", &token)], None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(reason(&body).starts_with("JSON parse error - "), "{body}");

    // Logged in, then deactivated: the session is no longer authenticated.
    assert_eq!(b.login("alice", PASSWORD).await.0, StatusCode::OK);
    let mut active = user.into_active_model();
    active.is_active = Set(false);
    active.update(&server.db).await.unwrap();
    let (_, body) = b.get("/api/whoami/").await;
    assert_eq!(body["authenticated"], json!(false));
    assert_eq!(b.login("alice", PASSWORD).await, expected);
    server.stop().await;
}

#[tokio::test]
async fn password_change_ends_other_sessions() {
    let server = server().await;
    let user = alice(&server).await;
    let mut b = Browser::new(&server);
    b.login("alice", PASSWORD).await;
    auth::set_password(&server.db, &user, "new-password-1").await.unwrap();
    let (_, body) = b.get("/api/whoami/").await;
    assert_eq!(body["authenticated"], json!(false));
    assert_eq!(b.login("alice", "new-password-1").await.0, StatusCode::OK);
    server.stop().await;
}

#[tokio::test]
async fn secure_session_cookie_over_https() {
    let server = TestServer::start(&shop::app(), |s| s.backend.trust_forwarded_proto = true).await;
    alice(&server).await;
    let mut b = Browser::new(&server);
    let https = [("x-forwarded-proto", "https")];
    b.send(Method::GET, "/api/csrf/", &https, None).await;
    let token = b.cookie("csrftoken").unwrap();
    let host = server.base.trim_start_matches("http://").to_string();
    let origin = format!("https://{host}");
    let body = json!({"username": "alice", "password": PASSWORD});
    let headers = [("x-forwarded-proto", "https"), ("x-csrftoken", token.as_str()), ("origin", origin.as_str())];
    let (status, _) = b.send(Method::POST, "/api/auth/login/", &headers, Some(Body::Json(body))).await;
    assert_eq!(status, StatusCode::OK);
    assert!(b.set_cookie_header("sessionid").unwrap().contains("Secure"));
    server.stop().await;
}

mod guarded {
    //! Routes guarded by the auth extractors, for the test below.
    use axum::Json;
    use serde_json::{Value, json};
    use tandem::auth::{LoginRequired, Permission, PermissionRequired};
    use tandem::urls::{UrlPattern, path};
    use tandem::views::get;

    pub struct AddProduct;
    impl Permission for AddProduct {
        const NAME: &'static str = "shop.add_product";
    }

    async fn me(LoginRequired(user): LoginRequired) -> Json<Value> {
        Json(json!({"me": user.username}))
    }

    async fn add(PermissionRequired(user, _): PermissionRequired<AddProduct>) -> Json<Value> {
        Json(json!({"may_add": user.username}))
    }

    pub fn urls() -> Vec<UrlPattern> {
        let mut all = shop::backend::urls::urlpatterns();
        all.push(path("api/me/", get(me)));
        all.push(path("api/add/", get(add)));
        all
    }
}

#[tokio::test]
async fn login_and_permission_extractors() {
    use sea_orm::{ColumnTrait, QueryFilter};
    use tandem::auth::models::{group, group_permission, permission, user_group};

    let app = shop::app().urls(guarded::urls);
    let server = TestServer::start(&app, |_| {}).await;
    let user = alice(&server).await;
    let mut b = Browser::new(&server);
    let not_authenticated = json!({"detail": "Authentication credentials were not provided."});
    assert_eq!(b.get("/api/me/").await, (StatusCode::FORBIDDEN, not_authenticated.clone()));
    assert_eq!(b.get("/api/add/").await, (StatusCode::FORBIDDEN, not_authenticated));

    b.login("alice", PASSWORD).await;
    assert_eq!(b.get("/api/me/").await, (StatusCode::OK, json!({"me": "alice"})));
    let denied = json!({"detail": "You do not have permission to perform this action."});
    assert_eq!(b.get("/api/add/").await, (StatusCode::FORBIDDEN, denied));

    // `migrate` created Django's four permissions for each registered model.
    let perms =
        permission::Entity::find().filter(permission::Column::AppLabel.eq("shop")).all(&server.db).await.unwrap();
    let mut codenames: Vec<_> = perms.iter().map(|p| p.codename.as_str()).collect();
    codenames.sort();
    assert_eq!(
        codenames,
        [
            "add_product",
            "add_review",
            "change_product",
            "change_review",
            "delete_product",
            "delete_review",
            "view_product",
            "view_review"
        ]
    );

    // Granted through a group.
    let add = perms.iter().find(|p| p.codename == "add_product").unwrap();
    let editors =
        group::ActiveModel { name: Set("editors".into()), ..Default::default() }.insert(&server.db).await.unwrap();
    group_permission::ActiveModel { group_id: Set(editors.id), permission_id: Set(add.id), ..Default::default() }
        .insert(&server.db)
        .await
        .unwrap();
    user_group::ActiveModel { user_id: Set(user.id), group_id: Set(editors.id), ..Default::default() }
        .insert(&server.db)
        .await
        .unwrap();
    assert_eq!(b.get("/api/add/").await, (StatusCode::OK, json!({"may_add": "alice"})));
    assert!(!auth::has_perm(&server.db, &user, "shop.delete_product").await.unwrap());
    server.stop().await;
}

#[tokio::test]
async fn users_of_a_django_database_log_in_and_their_hashes_are_upgraded() {
    // Written by Django 5.2.20 for "wonderland-42": its default PBKDF2 hasher
    // (1,000 iterations to keep the test fast) and bcrypt_sha256.
    let hashes = [
        ("pbkdf2", "pbkdf2_sha256$1000$YBvPyjSniDG65e1WxJGfHU$7WaOJShl455Uw2HBKzQxQz29ixjIs7EOQ6aASO/JZfo="),
        ("bcrypt", "bcrypt_sha256$$2b$04$VUazz7/JWgJqHQdJKohpqOc7rnXu3wPqNTsXq2c/044MqOnBOolpy"),
    ];
    let server = server().await;
    for (username, django_hash) in hashes {
        let created = auth::create_user(&server.db, NewUser { username, ..Default::default() }).await.unwrap();
        let mut row = created.into_active_model();
        row.password = Set(django_hash.to_string());
        row.update(&server.db).await.unwrap();

        let mut wrong = Browser::new(&server);
        assert_eq!(wrong.login(username, "wonderland-4").await.0, StatusCode::BAD_REQUEST);
        let stored = user::Entity::find_by_id(row_id(&server, username).await).one(&server.db).await.unwrap().unwrap();
        assert_eq!(stored.password, django_hash, "a failed login changes nothing");

        let mut b = Browser::new(&server);
        let (status, body) = b.login(username, PASSWORD).await;
        assert_eq!((status, body), (StatusCode::OK, json!({"username": username})));
        let stored = user::Entity::find_by_id(stored.id).one(&server.db).await.unwrap().unwrap();
        assert!(stored.password.starts_with("argon2$argon2id$"), "upgraded: {}", stored.password);
        assert_eq!(b.get("/api/whoami/").await.1, json!({"authenticated": true, "username": username}));
        // The new hash is the same password.
        let mut again = Browser::new(&server);
        assert_eq!(again.login(username, PASSWORD).await.0, StatusCode::OK);
    }
    server.stop().await;
}

async fn row_id(server: &TestServer, username: &str) -> i64 {
    use sea_orm::{ColumnTrait, QueryFilter};
    user::Entity::find().filter(user::Column::Username.eq(username)).one(&server.db).await.unwrap().unwrap().id
}
