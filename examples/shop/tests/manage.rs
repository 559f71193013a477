//! `/manage`, the products' `ModelState` page, in a real headless Chromium:
//! add (a validation error first), edit, search, pages, sort, delete with
//! confirmation, a product created through the REST API appearing live, and
//! users without a permission refused with the state untouched.

use base64::Engine;
use serde_json::{Value, json};
use tandem::sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};
use tandem::testing::TestServer;
use tandem::testing::browser::Tab;

const PASSWORD: &str = "wonderland-42";

/// The names in the table, in order.
const NAMES: &str = "[...document.querySelectorAll('#model-rows tbody tr')].map(tr => tr.children[1].textContent)";

async fn user(server: &TestServer, username: &str, is_superuser: bool, perms: &[&str]) {
    let new = tandem::auth::NewUser { username, password: Some(PASSWORD), is_superuser, ..Default::default() };
    let user = tandem::auth::create_user(&server.db, new).await.unwrap();
    for codename in perms {
        tandem::auth::grant_permission(&server.db, &user, &format!("shop.{codename}")).await.unwrap();
    }
}

/// Logs `username` in through `/login`, then opens `/manage`.
async fn login_and_manage(tab: &Tab, server: &TestServer, username: &str) {
    tab.wait_for("document.querySelector('#login button') !== null").await;
    tab.eval(&format!(
        "document.querySelector('[name=username]').value = '{username}'; \
         document.querySelector('[name=password]').value = '{PASSWORD}'; \
         document.querySelector('#login button').click()"
    ))
    .await;
    // The catalog greets the user once the session's new cookie is set.
    tab.wait_for(&format!(
        "location.pathname === '/' && document.querySelector('#who strong')?.textContent === '{username}'"
    ))
    .await;
    tab.goto(&server.url("/manage")).await;
    tab.wait_for("document.documentElement.dataset.tandemSeen !== undefined").await;
}

async fn names(tab: &Tab) -> Vec<String> {
    serde_json::from_value(tab.eval(NAMES).await).unwrap()
}

/// Sets the form's input `name` to `value`.
async fn fill(tab: &Tab, name: &str, value: &str) {
    tab.eval(&format!("document.querySelector('#model-form [name={name}]').value = {}", json!(value))).await;
}

/// Replaces the search box's text and sends it.
async fn search(tab: &Tab, text: &str) {
    tab.eval(&format!(
        "(() => {{ const el = document.querySelector('#model-search'); el.value = {}; \
         el.dispatchEvent(new Event('input', {{bubbles: true}})); }})()",
        json!(text)
    ))
    .await;
}

/// Clicks button `.{class}` in the row whose SKU is `sku`.
async fn click_in_row(tab: &Tab, sku: &str, class: &str) {
    tab.eval(&format!(
        "[...document.querySelectorAll('#model-rows tbody tr')].find(tr => tr.children[3].textContent === '{sku}')\
         .querySelector('.{class}').click()"
    ))
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_superuser_adds_edits_searches_pages_sorts_and_deletes_and_sees_api_writes_live() {
    let browser = tandem::browser_or_skip!();
    let server = TestServer::start(&shop::app(), |_| {}).await;
    user(&server, "root", true, &[]).await;
    // 5 seeded products + 20: three pages of 10.
    for i in 1..=20 {
        shop::shop::models::product::ActiveModel {
            name: Set(format!("Bulk item {i:02}")),
            price: Set("3.00".parse().unwrap()),
            sku: Set(format!("BULK{i:02}")),
            is_active: Set(i % 2 == 0),
            ..Default::default()
        }
        .insert(&server.db)
        .await
        .unwrap();
    }
    let tab = browser.open(&server.url("/login")).await;
    login_and_manage(&tab, &server, "root").await;
    tab.wait_for("document.querySelector('#model-page').textContent === 'Page 1 of 3'").await;
    assert_eq!(names(&tab).await.len(), 10);
    assert_eq!(names(&tab).await[0], "Bulk item 20", "newest first");
    tab.eval("window.__sameDocument = true").await;

    // Add: a price that is not a number first, then a valid one.
    tab.click("#model-add").await;
    tab.wait_for("document.querySelector('#model-form') !== null").await;
    assert_eq!(tab.eval("document.querySelector('#model-form [name=is_active]').checked").await, json!(true));
    fill(&tab, "name", "Milk frother").await;
    fill(&tab, "price", "cheap").await;
    fill(&tab, "sku", "FROTH").await;
    tab.click("#model-save").await;
    tab.wait_for("document.querySelector('#model-field-price-error')?.textContent === 'A valid number is required.'")
        .await;
    assert_eq!(tab.eval("document.querySelector('#model-form [name=name]').value").await, json!("Milk frother"));
    fill(&tab, "price", "29.50").await;
    tab.click("#model-save").await;
    tab.wait_for("document.querySelector('#model-form') === null").await;
    tab.wait_for("document.querySelector('#model-count').textContent === '26 products'").await;
    assert_eq!(names(&tab).await[0], "Milk frother");

    // Edit: the form opens with the row's values.
    click_in_row(&tab, "FROTH", "model-edit").await;
    tab.wait_for("document.querySelector('#model-form [name=name]')?.value === 'Milk frother'").await;
    assert_eq!(tab.eval("document.querySelector('#model-form [name=price]').value").await, json!("29.50"));
    fill(&tab, "name", "Milk frother XL").await;
    tab.click("#model-save").await;
    tab.wait_for("document.querySelector('#model-form') === null").await;
    tab.wait_for(&format!("{NAMES}[0] === 'Milk frother XL'")).await;
    let stored = shop::shop::models::product::Entity::find()
        .filter(shop::shop::models::product::Column::Sku.eq("FROTH"))
        .one(&server.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((stored.name.as_str(), stored.price.to_string().as_str()), ("Milk frother XL", "29.50"));

    // Search, case-insensitive, on the database.
    search(&tab, "FROTHER").await;
    tab.wait_for(&format!("{NAMES}.length === 1 && {NAMES}[0] === 'Milk frother XL'")).await;
    search(&tab, "").await;
    tab.wait_for("document.querySelector('#model-count').textContent === '26 products'").await;

    // Filter: the inactive ones (10 bulk items and the seeded filters).
    tab.eval(
        "(() => { const el = document.querySelector('#model-filter-is_active'); el.value = 'false'; \
         el.dispatchEvent(new Event('change', {bubbles: true})); })()",
    )
    .await;
    tab.wait_for("document.querySelector('#model-count').textContent === '11 products'").await;
    tab.eval(
        "(() => { const el = document.querySelector('#model-filter-is_active'); el.value = ''; \
         el.dispatchEvent(new Event('change', {bubbles: true})); })()",
    )
    .await;
    tab.wait_for("document.querySelector('#model-count').textContent === '26 products'").await;

    // Pages.
    assert_eq!(tab.eval("document.querySelector('#model-prev').disabled").await, json!(true));
    tab.click("#model-next").await;
    tab.wait_for("document.querySelector('#model-page').textContent === 'Page 2 of 3'").await;
    tab.click("#model-next").await;
    tab.wait_for("document.querySelector('#model-page').textContent === 'Page 3 of 3'").await;
    assert_eq!(names(&tab).await.len(), 6);
    assert_eq!(tab.eval("document.querySelector('#model-next').disabled").await, json!(true));
    tab.click("#model-prev").await;
    tab.click("#model-prev").await;
    tab.wait_for("document.querySelector('#model-page').textContent === 'Page 1 of 3'").await;

    // Sort by name, then the other way.
    let mut all: Vec<String> = shop::shop::models::product::Entity::find()
        .all(&server.db)
        .await
        .unwrap()
        .into_iter()
        .map(|p| p.name)
        .collect();
    all.sort();
    tab.click("#model-rows th button[data-column=name]").await;
    tab.wait_for(&format!("{NAMES}[0] === {}", json!(all[0]))).await;
    assert_eq!(names(&tab).await, all[..10].to_vec());
    tab.click("#model-rows th button[data-column=name]").await;
    tab.wait_for(&format!("{NAMES}[0] === {}", json!(all[all.len() - 1]))).await;
    assert_eq!(
        tab.eval("document.querySelector('th[aria-sort]').getAttribute('aria-sort')").await,
        json!("descending")
    );

    // Delete: the first click asks; cancel keeps the row; confirm deletes it.
    search(&tab, "frother").await;
    tab.wait_for(&format!("{NAMES}.length === 1")).await;
    click_in_row(&tab, "FROTH", "model-delete").await;
    tab.wait_for("document.querySelector('#model-confirm p')?.textContent === 'Delete product “Milk frother XL”?'")
        .await;
    tab.click("#model-confirm-no").await;
    tab.wait_for("document.querySelector('#model-confirm') === null").await;
    assert_eq!(names(&tab).await.len(), 1, "cancelled: still there");
    click_in_row(&tab, "FROTH", "model-delete").await;
    tab.wait_for("document.querySelector('#model-confirm') !== null").await;
    tab.click("#model-confirm-yes").await;
    tab.wait_for(&format!("{NAMES}.length === 0")).await;
    let left = shop::shop::models::product::Entity::find()
        .filter(shop::shop::models::product::Column::Sku.eq("FROTH"))
        .one(&server.db)
        .await
        .unwrap();
    assert!(left.is_none(), "deleted in the database");

    // A product created through the REST API appears without a reload.
    search(&tab, "").await;
    tab.wait_for("document.querySelector('#model-count').textContent === '25 products'").await;
    search(&tab, "jug").await;
    tab.wait_for("document.querySelector('#model-count').textContent === '0 products'").await;
    let basic = base64::engine::general_purpose::STANDARD.encode(format!("root:{PASSWORD}"));
    let created = reqwest::Client::new()
        .post(server.url("/api/shop/products/"))
        .header("authorization", format!("Basic {basic}"))
        .json(&json!({"name": "Live jug", "price": "14.00", "sku": "JUG"}))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    tab.wait_for(&format!("{NAMES}.length === 1 && {NAMES}[0] === 'Live jug'")).await;
    assert_eq!(tab.eval("window.__sameDocument === true").await, json!(true), "no reload happened");
    browser.close().await;
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn users_without_a_permission_are_refused_and_the_state_is_untouched() {
    let browser = tandem::browser_or_skip!();
    let server = TestServer::start(&shop::app(), |_| {}).await;
    user(&server, "viewer", false, &["view_product"]).await;

    let tab = browser.open(&server.url("/login")).await;
    login_and_manage(&tab, &server, "viewer").await;
    tab.wait_for("document.querySelector('#model-count')?.textContent === '5 products'").await;
    let before = names(&tab).await;
    tab.click("#model-add").await;
    tab.wait_for(
        "[...document.querySelectorAll('.t-notice-error')].some(n => \
         n.textContent === 'You do not have permission to add products.')",
    )
    .await;
    assert_eq!(tab.eval("document.querySelector('#model-form') === null").await, json!(true), "no form opened");
    let first_sku: Value = tab.eval("document.querySelector('#model-rows tbody tr').children[3].textContent").await;
    click_in_row(&tab, first_sku.as_str().unwrap(), "model-delete").await;
    tab.wait_for(
        "[...document.querySelectorAll('.t-notice-error')].some(n => \
         n.textContent === 'You do not have permission to delete products.')",
    )
    .await;
    assert_eq!(tab.eval("document.querySelector('#model-confirm') === null").await, json!(true));
    assert_eq!(names(&tab).await, before, "the rows are untouched");

    // No `view` (a visitor): the first paint holds nothing but the reason.
    let html = reqwest::get(server.url("/manage")).await.unwrap().text().await.unwrap();
    assert!(html.contains("<p id=\"model-denied\">You do not have permission to view products.</p>"), "{html}");
    assert!(!html.contains("Burr grinder"), "no rows: {html}");
    browser.close().await;
    server.stop().await;
}
