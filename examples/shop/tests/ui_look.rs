//! The default look on the shop's pages, in a real headless Chromium: the
//! shell's navigation, the fields' links to their errors, the favicon, the
//! narrow and dark variants, and the screenshots in `docs/images/`
//! (written when `TANDEM_SCREENSHOTS=1`; taken and checked either way).
//! Skipped, with a message, where no Chromium is installed.

use serde_json::json;
use tandem::testing::TestServer;
use tandem::testing::browser::Tab;

/// Waits until the runtime is connected and every event answered.
async fn settled(tab: &Tab) {
    tab.wait_for("document.documentElement.dataset.tandemSeen !== undefined").await;
    tab.wait_for("document.documentElement.dataset.tandemPending === '0'").await;
}

/// Sizes the viewport to the whole page at `width` (at least `min_height`
/// tall) and takes its screenshot: a PNG, written to `docs/images/{name}.png`
/// when `TANDEM_SCREENSHOTS` is set.
async fn screenshot(tab: &Tab, name: &str, width: u32, min_height: u32) {
    tab.set_viewport(width, min_height).await;
    let height = tab.eval("document.documentElement.scrollHeight").await.as_u64().unwrap_or(0);
    tab.set_viewport(width, u32::try_from(height).unwrap_or(min_height).clamp(min_height, 2400)).await;
    // Let the layout settle at the new size (and the progress bar's transition end).
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let png = tab.screenshot().await;
    assert!(png.len() > 1000 && png.starts_with(b"\x89PNG\r\n\x1a\n"), "{name}: not a PNG ({} bytes)", png.len());
    if std::env::var_os("TANDEM_SCREENSHOTS").is_some_and(|v| v != "0") {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/images");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(format!("{name}.png")), &png).unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn screenshots_of_the_shops_pages() {
    let browser = tandem::browser_or_skip!();
    let server = TestServer::start(&shop::app(), |_| {}).await;

    let tab = browser.open(&server.url("/")).await;
    tab.wait_for("document.querySelectorAll('#products li').length === 4").await;
    settled(&tab).await;
    screenshot(&tab, "catalog", 1280, 800).await;

    // The order form after a submit with mistakes: errors under their fields.
    let tab = browser.open(&server.url("/order")).await;
    settled(&tab).await;
    tab.type_text("#name", "Ada").await;
    tab.type_text("#email", "ada-at-example").await;
    tab.type_text("#quantity", "12").await;
    tab.click("#place").await;
    tab.wait_for("document.querySelector('[data-field=email]') && document.querySelector('[data-field=quantity]')")
        .await;
    tab.eval("document.activeElement.blur()").await;
    screenshot(&tab, "order", 1280, 800).await;

    // Jobs after a run and a chain: the progress bar full, three steps.
    let tab = browser.open(&server.url("/jobs")).await;
    settled(&tab).await;
    tab.click("#process").await;
    tab.wait_for("document.querySelector('#stage').textContent === 'done'").await;
    tab.click("#chain").await;
    tab.wait_for("document.querySelectorAll('#steps li').length === 3").await;
    tab.eval("document.activeElement.blur()").await;
    screenshot(&tab, "jobs", 1280, 800).await;

    // A failed log-in: the notice above the form.
    let tab = browser.open(&server.url("/login")).await;
    settled(&tab).await;
    tab.type_text("[name=username]", "alice").await;
    tab.type_text("[name=password]", "not-her-password").await;
    tab.click("#login button[type=submit]").await;
    tab.wait_for("document.querySelector('#login-error') !== null").await;
    tab.eval("document.activeElement.blur()").await;
    screenshot(&tab, "login", 1280, 700).await;

    // The same look, dark and narrow.
    let tab = browser.open(&server.url("/order")).await;
    tab.set_color_scheme("dark").await;
    settled(&tab).await;
    screenshot(&tab, "order-dark", 1280, 800).await;
    let tab = browser.open(&server.url("/")).await;
    tab.wait_for("document.querySelectorAll('#products li').length === 4").await;
    settled(&tab).await;
    screenshot(&tab, "catalog-narrow", 390, 800).await;
    browser.close().await;
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fields_error_is_linked_to_its_input() {
    let browser = tandem::browser_or_skip!();
    let server = TestServer::start(&shop::app(), |_| {}).await;
    let tab = browser.open(&server.url("/order")).await;
    settled(&tab).await;
    // Before any submit: the help text only, and the label names the input.
    assert_eq!(
        tab.eval("document.querySelector('#email').getAttribute('aria-describedby')").await,
        json!("email-help email-error")
    );
    assert_eq!(tab.eval("document.querySelector('#email').labels[0].textContent").await, json!("Email*"));
    assert_eq!(tab.eval("document.querySelector('#email').required").await, json!(true));
    assert_eq!(tab.eval("document.querySelector('#email').hasAttribute('aria-invalid')").await, json!(false));

    tab.type_text("#name", "Ada").await;
    tab.type_text("#email", "ada-at-example").await;
    tab.type_text("#quantity", "2").await;
    tab.click("#place").await;
    tab.wait_for("document.querySelector('[data-field=email]') !== null").await;
    // Every id the input is described by: its help, then its error.
    let described = tab
        .eval(
            "document.querySelector('#email').getAttribute('aria-describedby').split(' ') \
             .map(id => document.getElementById(id)?.textContent)",
        )
        .await;
    assert_eq!(described, json!(["The confirmation goes here.", "Enter a valid email address."]));
    assert_eq!(tab.eval("document.querySelector('[data-field=email]').id").await, json!("email-error"));
    assert_eq!(tab.eval("document.querySelector('#email').getAttribute('aria-invalid')").await, json!("true"));
    let red = "getComputedStyle(document.querySelector('#email')).borderTopColor";
    assert_eq!(tab.eval(red).await, json!("rgb(180, 35, 24)"), "the danger colour");

    // A checkbox's label sits beside it and names it.
    assert_eq!(tab.eval("document.querySelector('#gift-wrap').labels[0].textContent").await, json!("Gift wrap"));
    let beside = "(() => { const box = document.querySelector('#gift-wrap').getBoundingClientRect(); \
                  const label = document.querySelector('#gift-wrap').labels[0].getBoundingClientRect(); \
                  return label.left > box.right && Math.abs(label.top - box.top) < 12; })()";
    assert_eq!(tab.eval(beside).await, json!(true));
    assert_eq!(
        tab.eval("getComputedStyle(document.querySelector('#gift-wrap')).accentColor").await,
        json!("rgb(15, 118, 110)"),
        "checkboxes take the theme's accent"
    );
    browser.close().await;
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_shell_marks_the_current_page_and_wraps_when_narrow() {
    let browser = tandem::browser_or_skip!();
    let server = TestServer::start(&shop::app(), |_| {}).await;
    let tab = browser.open(&server.url("/order")).await;
    settled(&tab).await;
    let current = "[...document.querySelectorAll('[aria-current]')].map(a => a.getAttribute('aria-current') + ' ' + a.getAttribute('href'))";
    assert_eq!(tab.eval(current).await, json!(["page /order"]));
    assert_eq!(
        tab.eval("document.querySelector('nav[aria-label=Main]').closest('header') !== null").await,
        json!(true)
    );
    assert_eq!(tab.eval("document.querySelector('main#t-main') !== null").await, json!(true));
    assert_eq!(tab.eval("document.querySelector('footer.t-footer') !== null").await, json!(true));

    // Client-side navigation through the shell: the next page marks its own link.
    tab.eval("window.__sameDocument = true").await;
    tab.click(".t-nav a[href='/jobs']").await;
    tab.wait_for("location.pathname === '/jobs' && document.querySelector('#process') !== null").await;
    assert_eq!(tab.eval(current).await, json!(["page /jobs"]));
    assert_eq!(tab.eval("window.__sameDocument === true").await, json!(true));

    // The main column keeps a readable width on a wide screen.
    tab.set_viewport(1600, 900).await;
    let width = tab.eval("document.querySelector('.t-main').getBoundingClientRect().width").await;
    assert!(width.as_f64().unwrap() <= 1024.5, "{width}");

    // Narrow: nothing scrolls sideways; the navigation moves under the name and wraps.
    for path in ["/", "/order", "/jobs", "/login"] {
        let tab = browser.open(&server.url(path)).await;
        tab.set_viewport(360, 740).await;
        settled(&tab).await;
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        assert_eq!(tab.eval("document.documentElement.scrollWidth <= 360").await, json!(true), "{path} overflows");
        let below = "document.querySelector('.t-nav').getBoundingClientRect().top \
                     >= document.querySelector('.t-brand').getBoundingClientRect().bottom";
        assert_eq!(tab.eval(below).await, json!(true), "{path}: the navigation goes under the name");
        let rows =
            "new Set([...document.querySelectorAll('.t-nav li')].map(li => li.getBoundingClientRect().top)).size";
        assert!(tab.eval(rows).await.as_u64().unwrap() >= 2, "{path}: the links wrap");
    }

    // Dark: the shell follows the colour scheme.
    let tab = browser.open(&server.url("/jobs")).await;
    let page = "getComputedStyle(document.querySelector('.t-shell')).backgroundColor";
    assert_eq!(tab.eval(page).await, json!("rgb(244, 245, 248)"));
    tab.set_color_scheme("dark").await;
    assert_eq!(tab.eval(page).await, json!("rgb(12, 14, 17)"));
    let bar = "getComputedStyle(document.querySelector('#progress')).accentColor";
    assert_eq!(tab.eval(bar).await, json!("rgb(45, 212, 191)"), "the theme's dark accent");
    browser.close().await;
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_page_links_the_default_favicon_which_answers_svg() {
    let browser = tandem::browser_or_skip!();
    let server = TestServer::start(&shop::app(), |_| {}).await;
    let tab = browser.open(&server.url("/login")).await;
    settled(&tab).await;
    let href = tab.eval("document.head.querySelector('link[rel=icon]').href").await;
    let href = href.as_str().expect("a favicon link in the head").to_string();
    assert_eq!(href, server.url("/_tandem/favicon.svg"));
    assert_eq!(tab.eval("document.head.querySelector('link[rel=icon]').type").await, json!("image/svg+xml"));

    let icon = reqwest::get(&href).await.unwrap();
    assert_eq!(icon.status(), 200);
    assert_eq!(icon.headers()["content-type"], "image/svg+xml");
    assert_eq!(icon.headers()["cache-control"], "public, max-age=86400");
    assert_eq!(icon.text().await.unwrap(), tandem::ui::document::FAVICON);
    // The browser loads it as an image (the page's CSP allows it).
    let loads = "new Promise(done => { const img = new Image(); img.onload = () => done(img.naturalWidth > 0); \
                 img.onerror = () => done(false); img.src = document.head.querySelector('link[rel=icon]').href; })";
    assert_eq!(tab.eval(loads).await, json!(true));
    // Every page, the 404 page too.
    for path in ["/", "/order", "/jobs", "/no/such/page"] {
        let html = reqwest::get(server.url(path)).await.unwrap().text().await.unwrap();
        assert!(html.contains("<link rel=\"icon\" type=\"image/svg+xml\" href=\"/_tandem/favicon.svg\">"), "{path}");
    }
    browser.close().await;
    server.stop().await;
}
