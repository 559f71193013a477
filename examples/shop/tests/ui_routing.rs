//! UI routing: optional and catch-all segments, query parameters in the
//! router data, the 404 page, titles and meta tags. Over HTTP on a real
//! socket, then in a real headless Chromium (skipped, with a message, where
//! none is installed).

use chrono::{TimeZone, Utc};
use reqwest::StatusCode;
use sea_orm::{ActiveModelTrait, Set};
use serde_json::json;
use shop::shop::models::{product, review};
use tandem::testing::TestServer;

/// `GET path`: the status, the headers and the body.
async fn get(server: &TestServer, path: &str) -> (StatusCode, reqwest::header::HeaderMap, String) {
    let response = reqwest::get(server.url(path)).await.unwrap();
    let (status, headers) = (response.status(), response.headers().clone());
    (status, headers, response.text().await.unwrap())
}

fn assert_page_headers(headers: &reqwest::header::HeaderMap, what: &str) {
    assert!(headers["content-type"].to_str().unwrap().starts_with("text/html"), "{what}");
    assert!(headers["content-security-policy"].to_str().unwrap().contains("script-src 'self'"), "{what}");
    for (name, value) in [("x-content-type-options", "nosniff"), ("x-frame-options", "DENY")] {
        assert_eq!(headers[name], value, "{name} on {what}");
    }
}

/// The text between `<title>` and `</title>`.
fn title(html: &str) -> &str {
    html.split("<title>").nth(1).and_then(|rest| rest.split("</title>").next()).unwrap_or("")
}

/// The rendered text of the element with id `id` (no nested tags expected).
fn text_of<'h>(html: &'h str, id: &str) -> &'h str {
    let marker = format!("id=\"{id}\">");
    html.split(&marker).nth(1).and_then(|rest| rest.split('<').next()).unwrap_or_else(|| panic!("no #{id} in {html}"))
}

/// Seven reviews of product 3, one minute apart, rated 2, 3, 4, 5, 1, 2, 3:
/// newest first they are 7…1; best rated first 4, 3, 7, 2, 6, 1, 5.
async fn seven_reviews(server: &TestServer) {
    for i in 1..=7i64 {
        review::ActiveModel {
            product_id: Set(3),
            rating: Set(i16::try_from(i % 5 + 1).unwrap()),
            comment: Set(format!("Review {i}")),
            created_at: Set(Utc.with_ymd_and_hms(2025, 1, 1, 12, i as u32, 0).unwrap()),
            ..Default::default()
        }
        .insert(&server.db)
        .await
        .unwrap();
    }
}

#[tokio::test]
async fn unknown_paths_answer_404_with_the_apps_page() {
    let server = TestServer::start(&shop::app(), |_| {}).await;
    for path in ["/no/such/page?x=1", "/counter/extra", "/products/abc", "/products/3/reviews/two", "/help/"] {
        let (status, headers, html) = get(&server, path).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        assert_page_headers(&headers, path);
        assert_eq!(title(&html), "Not found · Shop", "{path}");
        assert!(html.contains("<meta name=\"robots\" content=\"noindex\">"), "{path}: {html}");
        assert!(html.contains("id=\"tandem-boot\""), "{path}: the 404 page is a live page");
        let shown = path.split('?').next().unwrap();
        assert_eq!(text_of(&html, "missing-path"), shown, "{path}");
    }
    // It is a normal page: its on_load searched for the path's last segment.
    let (_, _, html) = get(&server, "/kettle").await;
    assert!(html.contains("<a href=\"/products/2\">Pour-over kettle</a>"), "{html}");

    // HEAD too; what is escaped stays escaped, in the body and the boot JSON.
    let head = reqwest::Client::new().head(server.url("/nowhere")).send().await.unwrap();
    assert_eq!(head.status(), StatusCode::NOT_FOUND);
    let (status, _, html) = get(&server, "/%3Cscript%3Ealert(1)%3C/script%3E").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"), "{html}");
    assert!(!html.contains("<script>alert(1)"), "{html}");

    // Framework paths and the backend keep their own answers.
    let (status, headers, body) = get(&server, "/_tandem/runtime.0000.js").await;
    assert_eq!((status, body.as_str()), (StatusCode::NOT_FOUND, ""));
    assert!(headers.get("content-security-policy").is_none());
    let (status, headers, body) = get(&server, "/api/nothing/").await;
    assert_eq!((status, headers["content-type"].to_str().unwrap()), (StatusCode::NOT_FOUND, "application/json"));
    assert_eq!(body, json!({"detail": "Not found."}).to_string());
    server.stop().await;
}

#[tokio::test]
async fn without_its_own_404_page_an_app_gets_tandems() {
    // The catalog is live on the products' table: the model is registered.
    let app = tandem::App::new(env!("CARGO_MANIFEST_DIR"))
        .model::<shop::shop::models::product::Entity>("shop.product")
        .pages(shop::pages::pages());
    let server = TestServer::start(&app, |_| {}).await;
    let (status, headers, html) = get(&server, "/nowhere").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_page_headers(&headers, "the default 404 page");
    assert_eq!(title(&html), "Page not found");
    assert_eq!(text_of(&html, "missing-path"), "/nowhere");
    assert!(html.contains("\"state\":\"tandem_not_found\""), "{html}");
    assert_eq!(get(&server, "/counter").await.0, StatusCode::OK);
    server.stop().await;
}

#[tokio::test]
async fn titles_and_meta_tags_are_filled_from_the_route_and_state_and_escaped() {
    let server = TestServer::start(&shop::app(), |_| {}).await;
    let (status, headers, html) = get(&server, "/").await;
    assert_eq!(status, StatusCode::OK);
    assert_page_headers(&headers, "/");
    assert_eq!(title(&html), "Shop");
    let description = "<meta name=\"description\" content=\"Coffee gear for the home barista: cups, kettles, grinders &amp; beans.\">";
    assert!(html.contains(description), "{html}");
    assert!(html.contains("<meta property=\"og:title\" content=\"Shop\">"), "{html}");
    assert!(!html.contains("rel=\"canonical\""), "only pages that ask for one");

    let (_, _, html) = get(&server, "/products/3").await;
    assert_eq!(title(&html), "Burr grinder · Product 3");
    assert!(html.contains("<meta property=\"og:title\" content=\"Burr grinder\">"), "{html}");
    assert!(html.contains("<link rel=\"canonical\" href=\"/products/3\">"), "{html}");
    let (status, _, html) = get(&server, "/products/999").await;
    assert_eq!((status, title(&html)), (StatusCode::OK, "No such product · Product 999"));

    // Text from the database is escaped in the title and in attributes.
    let hostile = product::ActiveModel {
        name: Set("Tom & \"Jerry\" <mug>".into()),
        price: Set("3.00".parse().unwrap()),
        sku: Set("TJ".into()),
        is_active: Set(true),
        ..Default::default()
    }
    .insert(&server.db)
    .await
    .unwrap();
    let (_, _, html) = get(&server, &format!("/products/{}", hostile.id)).await;
    assert_eq!(title(&html), format!("Tom &amp; &quot;Jerry&quot; &lt;mug&gt; · Product {}", hostile.id));
    assert!(html.contains("content=\"Tom &amp; &quot;Jerry&quot; &lt;mug&gt;\">"), "{html}");
    assert!(!html.contains("<mug>"), "{html}");
    server.stop().await;
}

#[tokio::test]
async fn optional_and_catch_all_segments_and_the_query_reach_on_load() {
    let server = TestServer::start(&shop::app(), |_| {}).await;
    seven_reviews(&server).await;

    // No page segment: the first page, newest first.
    let (status, _, html) = get(&server, "/products/3/reviews").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(title(&html), "Reviews of product 3, page 1", "absent parameter: the state's field");
    assert_eq!((text_of(&html, "page"), text_of(&html, "pages"), text_of(&html, "sort")), ("1", "2", "newest"));
    assert_eq!(comments(&html), ["Review 7", "Review 6", "Review 5", "Review 4", "Review 3"]);
    assert!(html.contains("id=\"next\" href=\"/products/3/reviews/2\""), "{html}");
    assert!(!html.contains("id=\"previous\""), "{html}");

    // The optional segment and the query.
    let (status, _, html) = get(&server, "/products/3/reviews/2?sort=rating").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(title(&html), "Reviews of product 3, page 2");
    assert_eq!((text_of(&html, "page"), text_of(&html, "sort")), ("2", "rating"));
    assert_eq!(comments(&html), ["Review 1", "Review 5"]);
    assert!(html.contains("id=\"previous\" href=\"/products/3/reviews?sort=rating\""), "{html}");
    let (_, _, html) = get(&server, "/products/3/reviews?sort=rating").await;
    assert_eq!(comments(&html), ["Review 4", "Review 3", "Review 7", "Review 2", "Review 6"]);

    // Converters still decide, and a route has no trailing slash it does not declare.
    for path in
        ["/products/3/reviews/0x2", "/products/3/reviews/2/3", "/products/three/reviews", "/products/3/reviews/2/"]
    {
        assert_eq!(get(&server, path).await.0, StatusCode::NOT_FOUND, "{path}");
    }

    // The catch-all takes the rest of the path, slashes and escapes included.
    let (status, _, html) = get(&server, "/help").await;
    assert_eq!((status, text_of(&html, "topic")), (StatusCode::OK, "Help"));
    let (_, _, html) = get(&server, "/help/shipping/returns").await;
    assert_eq!(text_of(&html, "topic"), "shipping/returns");
    assert_eq!(text_of(&html, "answer"), "Unused items can be returned within 30 days.");
    assert!(html.contains("<a href=\"/help/shipping\">shipping</a>"), "{html}");
    assert!(html.contains("<a href=\"/help/shipping/returns\">returns</a>"), "{html}");
    let (_, _, html) = get(&server, "/help/caf%C3%A9/a%20b").await;
    assert_eq!(text_of(&html, "topic"), "café/a b");
    server.stop().await;
}

/// The review comments a rendered reviews page lists, in order.
fn comments(html: &str) -> Vec<&str> {
    html.split("<span class=\"comment\">").skip(1).filter_map(|rest| rest.split('<').next()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_side_navigation_follows_routes_queries_and_the_404_page() {
    let browser = tandem::browser_or_skip!();
    let server = TestServer::start(&shop::app(), |_| {}).await;
    seven_reviews(&server).await;
    let tab = browser.open(&server.url("/products/3")).await;
    tab.wait_for("document.documentElement.dataset.tandemSeen !== undefined").await;
    tab.eval("window.__sameDocument = true").await;
    assert_eq!(tab.eval("document.title").await, json!("Burr grinder · Product 3"));

    // To the reviews: no page segment, then the query, then the optional segment.
    tab.click("#reviews-link").await;
    tab.wait_for(
        "location.pathname === '/products/3/reviews' && document.querySelector('#page')?.textContent === '1' \
         && document.querySelectorAll('#reviews li').length === 5",
    )
    .await;
    assert_eq!(tab.eval("document.title").await, json!("Reviews of product 3, page 1"));
    assert_eq!(
        tab.eval("document.querySelector('link[rel=canonical]') === null && document.querySelector('meta[property]') === null").await,
        json!(true),
        "the product's head tags left with it"
    );
    tab.click("#by-rating").await;
    tab.wait_for("location.search === '?sort=rating' && document.querySelector('#sort').textContent === 'rating'")
        .await;
    assert_eq!(tab.text("#reviews li .comment").await, "Review 4");
    tab.click("#next").await;
    tab.wait_for(
        "location.pathname === '/products/3/reviews/2' && location.search === '?sort=rating' \
         && document.querySelector('#page').textContent === '2' && document.querySelectorAll('#reviews li').length === 2",
    )
    .await;
    assert_eq!(
        tab.eval("[...document.querySelectorAll('#reviews .comment')].map(e => e.textContent)").await,
        json!(["Review 1", "Review 5"])
    );
    assert_eq!(tab.eval("document.title").await, json!("Reviews of product 3, page 2"));

    // A link to a path no page serves: the 404 page, live (its search runs).
    tab.eval(
        "const a = document.createElement('a'); a.id = 'nowhere'; a.href = '/no/such/page?x=1'; \
         a.textContent = 'nowhere'; document.body.append(a)",
    )
    .await;
    tab.click("#nowhere").await;
    tab.wait_for("document.querySelector('#missing-path')?.textContent === '/no/such/page'").await;
    assert_eq!(tab.eval("location.pathname + location.search").await, json!("/no/such/page?x=1"));
    assert_eq!(tab.eval("document.title").await, json!("Not found · Shop"));
    assert_eq!(tab.eval("document.querySelector('meta[name=robots]')?.content").await, json!("noindex"));
    assert_eq!(tab.eval("document.querySelector('#suggest-search').value").await, json!("page"), "from on_load");
    tab.eval("document.querySelector('#suggest-search').value = ''").await;
    tab.type_text("#suggest-search", "kettle").await;
    tab.wait_for("document.querySelector('#suggestions li a')?.textContent === 'Pour-over kettle'").await;
    assert_eq!(tab.eval("document.querySelector('#tandem-notice') === null").await, json!(true), "no error");

    // The back button walks the same history.
    tab.eval("history.back()").await;
    tab.wait_for(
        "location.pathname === '/products/3/reviews/2' && document.querySelector('#page')?.textContent === '2' \
         && document.querySelector('#sort').textContent === 'rating'",
    )
    .await;
    tab.eval("history.back()").await;
    tab.wait_for(
        "location.pathname === '/products/3/reviews' && location.search === '?sort=rating' \
         && document.querySelector('#page')?.textContent === '1' && document.querySelector('#reviews .comment')?.textContent === 'Review 4'",
    )
    .await;
    // The second step starts before the first one's page has arrived: the
    // later navigation wins even when the earlier answer comes last.
    tab.eval("history.forward()").await;
    tab.wait_for("location.pathname === '/products/3/reviews/2'").await;
    tab.eval("history.forward()").await;
    tab.wait_for("document.querySelector('#missing-path')?.textContent === '/no/such/page'").await;

    // From the 404 page to the catch-all help topics.
    tab.click("#help").await;
    tab.wait_for("location.pathname === '/help' && document.querySelector('#topic')?.textContent === 'Help'").await;
    tab.click("a[href='/help/shipping/returns']").await;
    tab.wait_for("document.querySelector('#topic')?.textContent === 'shipping/returns'").await;
    assert_eq!(tab.eval("document.querySelectorAll('#trail a').length").await, json!(3));
    assert_eq!(tab.eval("window.__sameDocument === true").await, json!(true), "all client-side");
    browser.close().await;
    server.stop().await;
}

#[tokio::test]
async fn an_app_whose_page_misspells_a_binding_refuses_to_start() {
    use tandem::ui::node::*;
    fn typo() -> Node {
        main().children([p().child(bind("cuont")), button().on_click(event("increment"))])
    }
    let app = shop::app().page(tandem::ui::Page::dynamic::<shop::pages::counter::Counter>("typo", "Typo", typo));
    let database = tandem::testing::TestDatabase::sqlite();
    let file = app.config_path();
    let mut settings =
        tandem::config::Settings::from_toml_str(&std::fs::read_to_string(&file).unwrap(), &file).unwrap();
    settings.database.url = database.url.clone();
    let refused = app.prepare(settings).await.err().expect("the app refuses to start").to_string();
    assert_eq!(
        refused,
        "page `/typo` (state `counter`): bind(\"cuont\") names no field of `counter`; did you mean `count`?"
    );
}

#[tokio::test]
async fn an_app_whose_page_is_live_on_an_unknown_topic_refuses_to_start() {
    use shop::pages::catalog::{CatalogView, view};
    let live_on = |topic: &str| tandem::ui::Page::new("typo", "Typo", view).live(topic, CatalogView::load);
    let prepare = |app: tandem::App| async move {
        let database = tandem::testing::TestDatabase::sqlite();
        let file = app.config_path();
        let mut settings =
            tandem::config::Settings::from_toml_str(&std::fs::read_to_string(&file).unwrap(), &file).unwrap();
        settings.database.url = database.url.clone();
        app.prepare(settings).await.map(|_| ()).map_err(|e| e.to_string())
    };
    let refused = prepare(shop::app().page(live_on("shop_prodcut"))).await.expect_err("the app refuses to start");
    assert_eq!(
        refused,
        "page `/typo` (state `catalog`): live(\"shop_prodcut\", \"load\") names no model's table (`App::model`) \
         or declared topic (`App::topic`); did you mean `shop_product`?"
    );
    // A model's table, or a topic the app declares, is known.
    prepare(shop::app().page(live_on("shop_review"))).await.unwrap();
    prepare(shop::app().topic("prices").page(live_on("prices"))).await.unwrap();
}
