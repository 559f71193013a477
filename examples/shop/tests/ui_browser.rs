//! The shop's pages in a real headless Chromium. Skipped, with a message,
//! where no Chromium is installed (`.ci/run` installs Debian's).

use serde_json::json;
use tandem::testing::TestServer;
use tandem::testing::browser::Browser;

macro_rules! browser_or_skip {
    () => {
        match Browser::launch().await {
            Some(browser) => browser,
            None => {
                eprintln!("skipped: no Chromium found (install Debian's `chromium` or set CHROMIUM)");
                return;
            }
        }
    };
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn search_narrows_the_list_without_a_reload_and_survives_one() {
    let browser = browser_or_skip!();
    let server = TestServer::start(&shop::app(), |_| {}).await;
    let tab = browser.open(&server.url("/")).await;
    tab.wait_for("document.querySelectorAll('#products li').length === 4").await;
    tab.eval("window.__sameDocument = true").await;

    tab.type_text("#search", "kettle").await;
    tab.wait_for("document.querySelectorAll('#products li').length === 1").await;
    assert_eq!(tab.text("#products li .name").await, "Pour-over kettle");
    assert_eq!(tab.eval("window.__sameDocument === true").await, json!(true), "no reload happened");

    // A reload keeps the tab's state: the search text and the narrowed list.
    tab.reload().await;
    tab.wait_for("document.querySelector('#search').value === 'kettle'").await;
    tab.wait_for("document.querySelectorAll('#products li').length === 1").await;

    // The session cookie stays HttpOnly; the CSRF cookie is readable, as in Django.
    let cookies = tab.cookies().await;
    let session = cookies.iter().find(|c| c["name"] == "sessionid").expect("a session cookie");
    assert_eq!(session["httpOnly"], true);
    assert_eq!(cookies.iter().find(|c| c["name"] == "csrftoken").map(|c| c["httpOnly"].clone()), Some(json!(false)));
    browser.close().await;
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clicks_update_the_counter_and_links_navigate_client_side() {
    let browser = browser_or_skip!();
    let server = TestServer::start(&shop::app(), |_| {}).await;
    let tab = browser.open(&server.url("/counter")).await;
    tab.wait_for("document.documentElement.dataset.tandemSeen !== undefined").await;
    tab.eval("window.__sameDocument = true").await;
    tab.click("#increment").await;
    tab.click("#add-five").await;
    tab.wait_for("document.querySelector('#count').textContent === '6'").await;

    // To the shop and back, without a page load.
    tab.click("a[href='/']").await;
    tab.wait_for("location.pathname === '/' && document.querySelectorAll('#products li').length === 4").await;
    assert_eq!(tab.eval("document.title").await, json!("Shop"));
    tab.eval("history.back()").await;
    tab.wait_for("location.pathname === '/counter' && document.querySelector('#count').textContent === '6'").await;
    assert_eq!(tab.eval("window.__sameDocument === true").await, json!(true), "client-side navigation");
    browser.close().await;
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_product_created_through_the_api_shows_after_on_load() {
    let browser = browser_or_skip!();
    let server = TestServer::start(&shop::app(), |_| {}).await;
    let tab = browser.open(&server.url("/")).await;
    tab.wait_for("document.querySelectorAll('#products li').length === 4").await;
    let created = reqwest::Client::new()
        .post(server.url("/api/shop/products/"))
        .json(&json!({"name": "Milk jug", "price": "14.00", "sku": "JUG"}))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    // A new tab runs on_load again and sees it first (newest first).
    let fresh = browser.open(&server.url("/")).await;
    fresh.wait_for("document.querySelectorAll('#products li').length === 5").await;
    assert_eq!(fresh.text("#products li .name").await, "Milk jug");
    browser.close().await;
    server.stop().await;
}
