//! The admin site's access rules over real HTTP: every admin URL sends an
//! anonymous visitor to the admin's login page (with a safe `next`) and
//! refuses a logged-in user who is not staff; each model's pages need
//! Django's model permissions; objects are addressed by primary key
//! without leaking others; pages answer only GET (every change goes
//! through the event socket, whose origin and session are checked).

mod support;

use std::collections::BTreeMap;

use reqwest::StatusCode;
use reqwest::header::{LOCATION, SET_COOKIE};
use serde_json::json;
use tandem::auth::{self, NewUser};
use tandem::sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};
use tandem::testing::TestServer;

const PASSWORD: &str = "wonderland-42";

/// A client keeping its cookies, never following redirects.
struct Client {
    http: reqwest::Client,
    base: String,
    cookies: BTreeMap<String, String>,
}

/// An answer: status, `Location`, body.
struct Reply {
    status: StatusCode,
    location: String,
    body: String,
}

impl Client {
    fn new(server: &TestServer) -> Self {
        let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
        Client { http, base: server.base.clone(), cookies: BTreeMap::new() }
    }

    async fn send(
        &mut self,
        method: reqwest::Method,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<String>,
    ) -> Reply {
        let mut request = self.http.request(method, format!("{}{path}", self.base));
        let jar: Vec<String> = self.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect();
        if !jar.is_empty() {
            request = request.header("cookie", jar.join("; "));
        }
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        if let Some(body) = body {
            request = request.header("content-type", "application/json").body(body);
        }
        let response = request.send().await.unwrap();
        for header in response.headers().get_all(SET_COOKIE) {
            let pair = header.to_str().unwrap().split(';').next().unwrap();
            let (name, value) = pair.split_once('=').unwrap();
            self.cookies.insert(name.to_string(), value.to_string());
        }
        let status = response.status();
        let location = response.headers().get(LOCATION).map(|l| l.to_str().unwrap().to_string()).unwrap_or_default();
        Reply { status, location, body: response.text().await.unwrap() }
    }

    async fn get(&mut self, path: &str) -> Reply {
        self.send(reqwest::Method::GET, path, &[], None).await
    }

    /// Logs in through the REST login view (the same session cookie the admin reads).
    async fn login(&mut self, username: &str) {
        let csrf: serde_json::Value = serde_json::from_str(&self.get("/api/csrf/").await.body).unwrap();
        let token = csrf["csrfToken"].as_str().unwrap().to_string();
        let body = json!({"username": username, "password": PASSWORD}).to_string();
        let reply = self.send(reqwest::Method::POST, "/api/auth/login/", &[("x-csrftoken", &token)], Some(body)).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    }
}

async fn user(server: &TestServer, username: &str, staff: bool, superuser: bool, perms: &[&str]) {
    let new =
        NewUser { username, password: Some(PASSWORD), is_staff: staff, is_superuser: superuser, ..Default::default() };
    let made = auth::create_user(&server.db, new).await.unwrap();
    for codename in perms {
        auth::grant_permission(&server.db, &made, &format!("shop.{codename}")).await.unwrap();
    }
}

/// Every admin page of the shop, for product 1, review 1 and user 1.
fn admin_urls() -> Vec<String> {
    let mut urls = vec!["/admin/".to_string()];
    for model in ["shop/product", "shop/review", "auth/user", "auth/group"] {
        urls.push(format!("/admin/{model}/"));
        urls.push(format!("/admin/{model}/?q=mug"));
        urls.push(format!("/admin/{model}/add/"));
        for tail in ["change", "delete", "history"] {
            urls.push(format!("/admin/{model}/1/{tail}/"));
        }
    }
    urls.push("/admin/auth/user/1/password/".into());
    urls
}

#[tokio::test]
async fn anonymous_visitors_are_sent_to_the_admin_login_with_a_safe_next() {
    let server = TestServer::start(&shop::app(), |_| {}).await;
    let mut visitor = Client::new(&server);
    for url in admin_urls() {
        let reply = visitor.get(&url).await;
        assert_eq!(reply.status, StatusCode::FOUND, "{url}");
        assert!(reply.location.starts_with("/admin/login/?next=/admin/"), "{url}: {}", reply.location);
        assert!(!reply.body.contains("Mug"), "{url} shows nothing");
    }
    let login = visitor.get("/admin/login/?next=//evil.example").await;
    assert_eq!(login.status, StatusCode::OK);
    assert!(login.body.contains("Log in to the administration"));
    assert!(!login.body.contains("evil.example\""), "the next address is not echoed as a link");
    // A logged-in visitor who is not staff: 403 everywhere.
    user(&server, "bob", false, false, &[]).await;
    let mut bob = Client::new(&server);
    bob.login("bob").await;
    for url in admin_urls() {
        assert_eq!(bob.get(&url).await.status, StatusCode::FORBIDDEN, "{url}");
    }
    // A misspelt permission is not granted quietly.
    let found = auth::authenticate(&server.db, "bob", PASSWORD).await.unwrap().expect("bob exists");
    let refused = auth::grant_permission(&server.db, &found, "shop.chnage_product").await.unwrap_err();
    assert!(refused.to_string().contains("no permission `shop.chnage_product`"), "{refused}");
    assert!(!auth::has_perm(&server.db, &found, "shop.change_product").await.unwrap());
    server.stop().await;
}

#[tokio::test]
async fn model_pages_need_the_models_permissions() {
    let server = TestServer::start(&shop::app(), |_| {}).await;
    user(&server, "clerk", true, false, &[]).await;
    user(&server, "viewer", true, false, &["view_product"]).await;
    let mut clerk = Client::new(&server);
    clerk.login("clerk").await;
    let index = clerk.get("/admin/").await;
    assert_eq!(index.status, StatusCode::OK);
    assert!(index.body.contains("You don’t have permission to view or edit anything."), "{}", index.body);
    for url in admin_urls().into_iter().skip(1) {
        assert_eq!(clerk.get(&url).await.status, StatusCode::FORBIDDEN, "{url}");
    }

    let mut viewer = Client::new(&server);
    viewer.login("viewer").await;
    let index = viewer.get("/admin/").await;
    assert!(index.body.contains("/admin/shop/product/"), "the products are listed");
    assert!(!index.body.contains("/admin/shop/review/"), "reviews are not");
    assert!(!index.body.contains("/admin/shop/product/add/"), "no add link without add_product");
    let list = viewer.get("/admin/shop/product/").await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(list.body.contains("Select product to view"));
    assert!(!list.body.contains("id=\"admin-add\""), "no add button");
    assert!(!list.body.contains("delete_selected"), "no delete action");
    let change = viewer.get("/admin/shop/product/1/change/").await;
    assert_eq!(change.status, StatusCode::OK);
    assert!(change.body.contains("View product"));
    assert!(!change.body.contains("id=\"admin-save\""), "no save button without change_product");
    assert!(change.body.contains(" disabled"), "the inputs are read-only");
    for url in ["/admin/shop/product/add/", "/admin/shop/product/1/delete/", "/admin/shop/review/", "/admin/auth/user/"]
    {
        assert_eq!(viewer.get(url).await.status, StatusCode::FORBIDDEN, "{url}");
    }
    server.stop().await;
}

#[tokio::test]
async fn objects_are_addressed_by_primary_key_without_leaking_others_and_output_is_escaped() {
    let server = TestServer::start(&shop::app(), |_| {}).await;
    user(&server, "root", true, true, &[]).await;
    shop::shop::models::product::ActiveModel {
        name: Set("<script>alert(1)</script>".into()),
        price: Set("1.00".parse().unwrap()),
        sku: Set("XSS".into()),
        is_active: Set(true),
        ..Default::default()
    }
    .insert(&server.db)
    .await
    .unwrap();
    let mut root = Client::new(&server);
    root.login("root").await;
    for url in admin_urls() {
        assert_eq!(root.get(&url).await.status, StatusCode::OK, "{url}");
    }
    let list = root.get("/admin/shop/product/?q=script").await;
    assert!(list.body.contains("&lt;script&gt;alert(1)&lt;/script&gt;"), "escaped");
    assert!(!list.body.contains("<script>alert(1)"), "never raw");

    for pk in ["999999", "1%20OR%201=1", "abc", "-1"] {
        let reply = root.get(&format!("/admin/shop/product/{pk}/change/")).await;
        assert_eq!(reply.status, StatusCode::OK, "{pk}");
        assert!(reply.body.contains("doesn’t exist. Perhaps it was deleted?"), "{pk}");
        assert!(!reply.body.contains("id=\"admin-form\""), "{pk}: no form");
        assert!(!reply.body.contains("Espresso"), "{pk}: no other product's data");
    }
    let missing = root.get("/admin/shop/secret/").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND, "an unregistered model");

    // An unsafe request without the CSRF token is refused (403); with it, the
    // pages answer GET only (405). Neither changes anything.
    let before = shop::shop::models::product::Entity::find().all(&server.db).await.unwrap().len();
    let csrf: serde_json::Value = serde_json::from_str(&root.get("/api/csrf/").await.body).unwrap();
    let token = csrf["csrfToken"].as_str().unwrap().to_string();
    for method in [reqwest::Method::POST, reqwest::Method::PUT, reqwest::Method::DELETE] {
        for url in ["/admin/shop/product/add/", "/admin/shop/product/1/delete/", "/admin/shop/product/1/change/"] {
            let body = Some("{\"name\": \"x\"}".to_string());
            let reply = root.send(method.clone(), url, &[], body.clone()).await;
            assert_eq!(reply.status, StatusCode::FORBIDDEN, "{method} {url} without CSRF");
            let reply = root.send(method.clone(), url, &[("x-csrftoken", &token)], body).await;
            assert_eq!(reply.status, StatusCode::METHOD_NOT_ALLOWED, "{method} {url}");
        }
    }
    let after = shop::shop::models::product::Entity::find().all(&server.db).await.unwrap().len();
    assert_eq!(before, after);
    server.stop().await;
}

/// The pages' events are checked again on the socket: a view-only staff
/// user's crafted "save", "delete" and "run_action" are refused with the
/// rows untouched, and a foreign origin cannot open the socket at all.
#[tokio::test]
async fn events_sent_by_hand_are_checked_again() {
    use support::{connect, event, hello, http_login, load};
    let server = TestServer::start(&shop::app(), |_| {}).await;
    user(&server, "viewer", true, false, &["view_product"]).await;
    let (cookies, _) = http_login(&server.base, "viewer", PASSWORD).await;
    let before = shop::shop::models::product::Entity::find_by_id(1).one(&server.db).await.unwrap().unwrap();

    let page = load(&server.base, "/admin/shop/product/1/change/", Some(&cookies)).await;
    let mut socket = connect(&server.base, &page.cookies, &server.base).await.unwrap();
    hello(&mut socket, Some(&page.token), "/admin/shop/product/1/change/").await;
    let form = json!({"name": "Hacked", "price": "0.01", "sku": before.sku, "is_active": true});
    let answer = event(&mut socket, 1, "save", json!([form])).await;
    assert_eq!(answer["t"], "error", "{answer}");
    assert_eq!(answer["message"], "You do not have permission to change products.", "{answer}");

    let page = load(&server.base, "/admin/shop/product/", Some(&cookies)).await;
    let mut socket = connect(&server.base, &page.cookies, &server.base).await.unwrap();
    hello(&mut socket, Some(&page.token), "/admin/shop/product/").await;
    let answer = event(&mut socket, 1, "toggle", json!(["1"])).await;
    assert_ne!(answer["t"], "error", "ticking a row is fine: {answer}");
    for (id, action) in [(2, "delete_selected"), (3, "deactivate")] {
        let answer = event(&mut socket, id, "run_action", json!([{"action": action}])).await;
        assert_eq!(
            (answer["t"].as_str(), answer["message"].as_str()),
            (Some("error"), Some("Choose an action.")),
            "{answer}"
        );
    }
    let answer = event(&mut socket, 4, "confirm_action", json!([])).await;
    assert_eq!(answer["t"], "error", "{answer}");
    let answer = event(&mut socket, 5, "sort", json!(["password"])).await;
    assert_eq!(answer["message"], "Cannot sort by `password`.", "{answer}");
    let after = shop::shop::models::product::Entity::find_by_id(1).one(&server.db).await.unwrap().unwrap();
    assert_eq!(before, after, "untouched");

    let refused = connect(&server.base, &page.cookies, "https://evil.example").await;
    assert!(refused.is_err(), "a foreign origin is refused");
    server.stop().await;
}

/// The change list's filters over real HTTP: choices, a foreign key and a
/// date, each with its count, and the address's filters applied on arrival.
#[tokio::test]
async fn filters_count_choices_foreign_keys_and_dates() {
    use shop::shop::models::review;
    let server = TestServer::start(&shop::app(), |_| {}).await;
    user(&server, "root", true, true, &[]).await;
    let products = shop::shop::models::product::Entity::find().all(&server.db).await.unwrap();
    let (first, second) = (&products[0], &products[1]);
    let old = tandem::chrono::DateTime::parse_from_rfc3339("2020-01-01T12:00:00Z").unwrap().to_utc();
    for (product, rating, at) in
        [(first.id, 5, tandem::chrono::Utc::now()), (first.id, 4, tandem::chrono::Utc::now()), (second.id, 5, old)]
    {
        review::ActiveModel {
            product_id: Set(product),
            rating: Set(rating),
            comment: Set(format!("{rating} stars")),
            created_at: Set(at),
            ..Default::default()
        }
        .insert(&server.db)
        .await
        .unwrap();
    }
    let mut root = Client::new(&server);
    root.login("root").await;
    let list = root.get("/admin/shop/review/").await;
    assert!(list.body.contains("<span id=\"admin-count\">3 reviews</span>"), "{}", list.body);
    for label in
        ["5 stars (2)", "4 stars (1)", "1 star (0)", "Today (2)", "This year (2)", &format!("{} (2)", first.name)]
    {
        assert!(list.body.contains(&format!(">{label}</button>")), "{label}");
    }
    let cases = [
        ("?created_at=today", "2 reviews"),
        ("?created_at=this_year&rating=5", "1 review"),
        (&format!("?product_id={}", second.id), "1 review"),
        ("?rating=3", "0 reviews"),
    ];
    for (query, count) in cases {
        let reply = root.get(&format!("/admin/shop/review/{query}")).await;
        assert_eq!(reply.status, StatusCode::OK, "{query}");
        assert!(reply.body.contains(&format!("<span id=\"admin-count\">{count}</span>")), "{query}: {count}");
    }
    // What the address asks for and cannot be shown is said, and every row shown.
    let bad = root.get("/admin/shop/review/?created_at=yesterday&rating=x").await;
    assert_eq!(bad.status, StatusCode::OK);
    assert!(bad.body.contains("The address’s search or filters were not applied"), "{}", bad.body);
    assert!(bad.body.contains("<span id=\"admin-count\">3 reviews</span>"));
    server.stop().await;
}

/// The delete page lists what goes with the object (its reviews, `ON
/// DELETE CASCADE`); confirmed over the socket, the product and its reviews
/// are gone, and the deletion is in the history.
#[tokio::test]
async fn the_delete_page_lists_related_rows_and_deletes_with_them() {
    use shop::shop::models::{product, review};
    use support::{connect, event, hello, http_login, load};
    let server = TestServer::start(&shop::app(), |_| {}).await;
    user(&server, "root", true, true, &[]).await;
    let target = product::Entity::find().one(&server.db).await.unwrap().unwrap();
    review::ActiveModel {
        product_id: Set(target.id),
        rating: Set(5),
        comment: Set("Lovely".into()),
        created_at: Set(tandem::chrono::Utc::now()),
        ..Default::default()
    }
    .insert(&server.db)
    .await
    .unwrap();
    let (cookies, _) = http_login(&server.base, "root", PASSWORD).await;
    let path = format!("/admin/shop/product/{}/delete/", target.id);
    let page = load(&server.base, &path, Some(&cookies)).await;
    assert!(page.html.contains(&format!("<li>Product: {}</li>", target.name)), "{}", page.html);
    assert!(page.html.contains("<li>Review: 5 stars: Lovely</li>"), "the review goes with it");
    let mut socket = connect(&server.base, &page.cookies, &server.base).await.unwrap();
    hello(&mut socket, Some(&page.token), &path).await;
    let answer = event(&mut socket, 1, "confirm", json!([])).await;
    assert_ne!(answer["t"], "error", "{answer}");
    assert!(product::Entity::find_by_id(target.id).one(&server.db).await.unwrap().is_none());
    let left = review::Entity::find().filter(review::Column::ProductId.eq(target.id)).all(&server.db).await.unwrap();
    assert!(left.is_empty(), "its reviews went with it");
    let logged = tandem::admin::log::entry::Entity::find().all(&server.db).await.unwrap();
    assert_eq!(logged.len(), 1);
    assert_eq!((logged[0].action_flag, logged[0].object_repr.as_str()), (3, target.name.as_str()));
    // Deleting it again: it no longer exists.
    let answer = event(&mut socket, 2, "confirm", json!([])).await;
    assert_eq!(answer["t"], "error", "{answer}");
    server.stop().await;
}

/// A registered bulk action (the shop's "deactivate") runs on the ticked
/// rows only, for a user who may change products.
#[tokio::test]
async fn a_custom_action_runs_on_the_ticked_rows() {
    use shop::shop::models::product;
    use support::{connect, event, hello, http_login, load};
    let server = TestServer::start(&shop::app(), |_| {}).await;
    user(&server, "editor", true, false, &["view_product", "change_product"]).await;
    let active: Vec<product::Model> =
        product::Entity::find().filter(product::Column::IsActive.eq(true)).all(&server.db).await.unwrap();
    assert!(active.len() >= 3);
    let (cookies, _) = http_login(&server.base, "editor", PASSWORD).await;
    let page = load(&server.base, "/admin/shop/product/", Some(&cookies)).await;
    let mut socket = connect(&server.base, &page.cookies, &server.base).await.unwrap();
    hello(&mut socket, Some(&page.token), "/admin/shop/product/").await;
    for (id, chosen) in active[..2].iter().enumerate() {
        let answer = event(&mut socket, id as u64 + 1, "toggle", json!([chosen.id.to_string()])).await;
        assert_ne!(answer["t"], "error", "{answer}");
    }
    // Without the delete permission, "delete_selected" is not offered.
    let answer = event(&mut socket, 3, "run_action", json!([{"action": "delete_selected"}])).await;
    assert_eq!(answer["message"], "Choose an action.", "{answer}");
    let answer = event(&mut socket, 4, "run_action", json!([{"action": "deactivate"}])).await;
    assert_ne!(answer["t"], "error", "{answer}");
    let text = answer.to_string();
    assert!(text.contains("2 products were marked as inactive."), "{text}");
    for (i, product) in active.iter().enumerate() {
        let now = product::Entity::find_by_id(product.id).one(&server.db).await.unwrap().unwrap();
        assert_eq!(now.is_active, i >= 2, "{}", product.name);
    }
    server.stop().await;
}
