//! The component library on the shop's `/components` page, in a real
//! headless Chromium: the stylesheet and the theme, the sortable table, the
//! modal dialog, tabs, the busy spinner and toasts. Skipped, with a message,
//! where no Chromium is installed (`.ci/run` installs Debian's).

use serde_json::json;
use tandem::testing::TestServer;
use tandem::testing::browser::{Browser, Tab};

/// Opens `/components` and waits until the runtime is connected.
async fn components_page(browser: &Browser, server: &TestServer) -> Tab {
    let tab = browser.open(&server.url("/components")).await;
    tab.wait_for("document.documentElement.dataset.tandemSeen !== undefined").await;
    tab
}

/// The table's product names, top to bottom.
async fn names(tab: &Tab) -> serde_json::Value {
    tab.eval("[...document.querySelectorAll('#product-table tbody tr td:first-child')].map(td => td.textContent)").await
}

/// Waits until every event sent has been answered.
async fn settled(tab: &Tab) {
    tab.wait_for("document.documentElement.dataset.tandemPending === '0'").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_stylesheet_is_served_from_the_binary_and_themed() {
    let server = TestServer::start(&shop::app(), |_| {}).await;
    // Server-rendered: the hashed stylesheet, then the theme, then a sorted first paint.
    let html = reqwest::get(server.url("/components")).await.unwrap().text().await.unwrap();
    let file = tandem::ui::document::stylesheet_file();
    let link = format!("<link rel=\"stylesheet\" href=\"/_tandem/{file}\">");
    assert!(html.contains(&format!("{link}<style>:root{{--t-accent:#0f766e}}")), "{html}");
    assert!(html.contains("<th scope=\"col\" aria-sort=\"ascending\"><button class=\"t-sort\""), "{html}");

    let css = reqwest::get(server.url(&format!("/_tandem/{file}"))).await.unwrap();
    assert_eq!(css.status(), 200);
    assert_eq!(css.headers()["content-type"], "text/css; charset=utf-8");
    assert_eq!(css.headers()["cache-control"], "public, max-age=31536000, immutable");
    assert_eq!(css.text().await.unwrap(), tandem::ui::document::STYLESHEET);
    assert_eq!(reqwest::get(server.url("/_tandem/tandem.css")).await.unwrap().status(), 404, "only the hashed name");

    let browser = tandem::browser_or_skip!();
    let tab = components_page(&browser, &server).await;
    let style = |js: &str| format!("getComputedStyle({js})");
    // The stylesheet's own variables apply, the theme's override wins.
    let root = style("document.documentElement");
    assert_eq!(tab.eval(&format!("{root}.getPropertyValue('--t-radius').trim()")).await, json!("6px"));
    assert_eq!(tab.eval(&format!("{root}.getPropertyValue('--t-accent').trim()")).await, json!("#0f766e"));
    let toast_button = style("document.querySelector('#toast')");
    assert_eq!(tab.eval(&format!("{toast_button}.backgroundColor")).await, json!("rgb(15, 118, 110)"));
    assert_eq!(tab.eval(&format!("{toast_button}.borderTopLeftRadius")).await, json!("6px"));
    // Components take their layout from it.
    assert_eq!(tab.eval(&format!("{}.display", style("document.querySelector('.t-grid')"))).await, json!("grid"));
    assert_eq!(tab.eval(&format!("{}.display", style("document.querySelector('.t-hstack')"))).await, json!("flex"));
    let success = style("document.querySelector('.t-badge[data-tone=success]')");
    assert_eq!(tab.eval(&format!("{success}.color")).await, json!("rgb(6, 118, 71)"));
    browser.close().await;
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sortable_headers_reorder_the_rows_and_flip_direction() {
    let browser = tandem::browser_or_skip!();
    let server = TestServer::start(&shop::app(), |_| {}).await;
    let tab = components_page(&browser, &server).await;
    let by_name =
        json!(["Burr grinder", "Espresso cup", "Green beans, 1 kg", "Paper filters (100)", "Pour-over kettle"]);
    assert_eq!(names(&tab).await, by_name);
    let sort_of = |column: &str| {
        format!("document.querySelector('.t-sort[data-column={column}]').parentElement.getAttribute('aria-sort')")
    };
    let arrow_of = |column: &str| {
        format!("getComputedStyle(document.querySelector('.t-sort[data-column={column}]'), '::after').content")
    };
    assert_eq!(tab.eval(&sort_of("name")).await, json!("ascending"));
    assert_eq!(tab.eval(&sort_of("price")).await, json!(null));

    // Prices sort as numbers (0.10 < 8.50 < 18.75 < 49.00 < 129.99), not as text.
    tab.click(".t-sort[data-column=price]").await;
    settled(&tab).await;
    tab.wait_for(&format!("{} === 'ascending'", sort_of("price"))).await;
    let by_price =
        json!(["Paper filters (100)", "Espresso cup", "Green beans, 1 kg", "Pour-over kettle", "Burr grinder"]);
    assert_eq!(names(&tab).await, by_price);
    assert_eq!(tab.eval(&sort_of("name")).await, json!(null), "only one column is sorted");
    assert!(tab.eval(&arrow_of("price")).await.as_str().unwrap_or("").contains('▲'));

    // A second click flips the direction.
    tab.click(".t-sort[data-column=price]").await;
    settled(&tab).await;
    tab.wait_for(&format!("{} === 'descending'", sort_of("price"))).await;
    let mut descending = by_price.as_array().unwrap().clone();
    descending.reverse();
    assert_eq!(names(&tab).await, json!(descending));
    assert!(tab.eval(&arrow_of("price")).await.as_str().unwrap_or("").contains('▼'));

    // The sort is the tab's state: a reload keeps it.
    tab.reload().await;
    tab.wait_for(&format!("{} === 'descending'", sort_of("price"))).await;
    assert_eq!(names(&tab).await, json!(descending));
    browser.close().await;
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tabs_switch_panels_and_the_modal_opens_and_closes() {
    let browser = tandem::browser_or_skip!();
    let server = TestServer::start(&shop::app(), |_| {}).await;
    let tab = components_page(&browser, &server).await;
    let selected = "[...document.querySelectorAll('[role=tab]')].map(t => t.getAttribute('aria-selected'))";
    let visible = "[...document.querySelectorAll('[role=tabpanel]')].map(p => getComputedStyle(p).display !== 'none')";
    assert_eq!(tab.eval(selected).await, json!(["true", "false"]));
    assert_eq!(tab.eval(visible).await, json!([true, false]));

    tab.click("#t-tabs-tab-dialog").await;
    tab.wait_for("document.querySelector('#t-tabs-tab-dialog').getAttribute('aria-selected') === 'true'").await;
    assert_eq!(tab.eval(selected).await, json!(["false", "true"]));
    assert_eq!(tab.eval(visible).await, json!([false, true]));
    assert_eq!(tab.eval("document.querySelector('#product-table').offsetParent === null").await, json!(true));

    // Open: a modal dialog that takes the focus; closed by its button.
    let open = "document.querySelector('[role=dialog][aria-modal=true]') !== null";
    let closed = "document.querySelector('[role=dialog]') === null";
    assert_eq!(tab.eval(closed).await, json!(true));
    tab.click("#open-dialog").await;
    tab.wait_for(open).await;
    tab.wait_for("document.activeElement === document.querySelector('[role=dialog]')").await;
    assert_eq!(tab.text("[role=dialog] h2").await, "A modal dialog");
    assert_eq!(tab.eval("getComputedStyle(document.querySelector('.t-modal-root')).position").await, json!("fixed"));
    tab.click(".t-modal-close").await;
    tab.wait_for(closed).await;

    // Escape, pressed for real: it reaches the dialog because it has the focus.
    tab.click("#open-dialog").await;
    tab.wait_for("document.activeElement === document.querySelector('[role=dialog]')").await;
    tab.press_key("Escape").await;
    tab.wait_for(closed).await;

    // A click on the backdrop closes it; a click inside does not.
    tab.click("#open-dialog").await;
    tab.wait_for(open).await;
    tab.click(".t-modal-body p").await;
    settled(&tab).await;
    assert_eq!(tab.eval(open).await, json!(true));
    tab.click(".t-modal-backdrop").await;
    tab.wait_for(closed).await;

    // The selected tab is state too.
    tab.reload().await;
    tab.wait_for("document.querySelector('#t-tabs-tab-dialog').getAttribute('aria-selected') === 'true'").await;
    browser.close().await;
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn toasts_and_the_busy_spinner_are_styled_by_the_stylesheet() {
    let browser = tandem::browser_or_skip!();
    let server = TestServer::start(&shop::app(), |_| {}).await;
    let tab = components_page(&browser, &server).await;

    tab.click("#toast").await;
    tab.wait_for("document.querySelector('#tandem-notice .t-notice.t-notice-success') !== null").await;
    assert_eq!(tab.text("#tandem-notice .t-notice-success").await, "Saved. This is a toast.");
    assert_eq!(tab.eval("getComputedStyle(document.querySelector('#tandem-notice')).position").await, json!("fixed"));
    let toast = "document.querySelector('.t-notice-success')";
    assert_eq!(tab.eval(&format!("getComputedStyle({toast}).backgroundColor")).await, json!("rgb(6, 118, 71)"));
    assert_eq!(tab.eval(&format!("{toast}.getAttribute('style')")).await, json!(null), "no inline styles");

    // The busy spinner shows only while an event is unanswered.
    let display = "getComputedStyle(document.querySelector('#busy')).display";
    assert_eq!(tab.eval(display).await, json!("none"));
    tab.click("#slow").await;
    tab.wait_for(&format!("{display} !== 'none' && document.querySelector('#busy').offsetWidth > 0")).await;
    tab.wait_for("document.querySelector('#slow-runs').textContent === '1'").await;
    tab.wait_for(&format!("{display} === 'none'")).await;
    browser.close().await;
    server.stop().await;
}

#[tokio::test]
async fn a_theme_value_that_could_leave_its_rule_stops_the_app() {
    let app = shop::app().theme(tandem::ui::Theme::new().set("accent", "red}</style><script>"));
    let file = app.config_path();
    let text = std::fs::read_to_string(&file).unwrap();
    let mut settings = tandem::config::Settings::from_toml_str(&text, &file).unwrap();
    settings.database.url = "sqlite::memory:".into();
    let Err(error) = app.prepare(settings).await else { panic!("a hostile theme value was accepted") };
    assert!(error.to_string().starts_with("theme variable `accent`: the value `red}</style><script>`"), "{error}");
}
