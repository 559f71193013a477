//! The admin site in a real headless Chromium: a staff user without
//! `change_product` only views; a superuser logs in through the admin's
//! login page, searches, filters, sorts and pages the products, adds one
//! with a bad price and sees the field's error, fixes it, edits it,
//! bulk-deletes two and reads the history, while the REST API and the
//! catalog page see each change. The guide's screenshots are taken here
//! (written to `docs/images/` when `TANDEM_SCREENSHOTS=1`).

use serde_json::{Value, json};
use tandem::sea_orm::{ColumnTrait, EntityTrait, QueryFilter, Set};
use tandem::testing::TestServer;
use tandem::testing::browser::Tab;

use shop::shop::models::product;

const PASSWORD: &str = "wonderland-42";

/// The change list's names (its second column: the first holds the checkboxes).
const NAMES: &str = "[...document.querySelectorAll('#admin-results tbody tr')].map(tr => tr.children[1].textContent)";

async fn user(server: &TestServer, username: &str, is_superuser: bool, perms: &[&str]) {
    let new = tandem::auth::NewUser {
        username,
        password: Some(PASSWORD),
        is_staff: true,
        is_superuser,
        ..Default::default()
    };
    let made = tandem::auth::create_user(&server.db, new).await.unwrap();
    for codename in perms {
        tandem::auth::grant_permission(&server.db, &made, &format!("shop.{codename}")).await.unwrap();
    }
}

/// Waits until the runtime is connected and every event answered.
async fn settled(tab: &Tab) {
    tab.wait_for("document.documentElement.dataset.tandemSeen !== undefined").await;
    tab.wait_for("document.documentElement.dataset.tandemPending === '0'").await;
}

/// The page's screenshot, written to `docs/images/{name}.png` when
/// `TANDEM_SCREENSHOTS` is set.
async fn screenshot(tab: &Tab, name: &str, width: u32, min_height: u32) {
    settled(tab).await;
    tab.set_viewport(width, min_height).await;
    let height = tab.eval("document.documentElement.scrollHeight").await.as_u64().unwrap_or(0);
    tab.set_viewport(width, u32::try_from(height).unwrap_or(min_height).clamp(min_height, 2400)).await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let png = tab.screenshot().await;
    assert!(png.len() > 1000 && png.starts_with(b"\x89PNG\r\n\x1a\n"), "{name}: not a PNG");
    if std::env::var_os("TANDEM_SCREENSHOTS").is_some_and(|v| v != "0") {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/images");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(format!("{name}.png")), &png).unwrap();
    }
}

/// Logs in on the admin's login page the browser was sent to.
async fn admin_login(tab: &Tab, username: &str) {
    tab.wait_for("document.querySelector('#admin-login button') !== null").await;
    settled(tab).await;
    tab.eval(&format!(
        "document.querySelector('#admin-login [name=username]').value = '{username}'; \
         document.querySelector('#admin-login [name=password]').value = '{PASSWORD}'; \
         document.querySelector('#admin-login button').click()"
    ))
    .await;
    tab.wait_for(&format!("document.querySelector('#admin-user')?.textContent === '{username}'")).await;
    settled(tab).await;
}

async fn names(tab: &Tab) -> Vec<String> {
    serde_json::from_value(tab.eval(NAMES).await).unwrap()
}

async fn count_is(tab: &Tab, label: &str) {
    tab.wait_for(&format!("document.querySelector('#admin-count')?.textContent === {}", json!(label))).await;
}

/// Types `text` into the search box (sent as one `input` event).
async fn search(tab: &Tab, text: &str) {
    tab.eval(&format!(
        "(() => {{ const el = document.querySelector('#admin-search'); el.value = {}; \
         el.dispatchEvent(new Event('input', {{bubbles: true}})); }})()",
        json!(text)
    ))
    .await;
}

/// Sets the form's input `name` to `value`.
async fn fill(tab: &Tab, name: &str, value: &str) {
    tab.eval(&format!("document.querySelector('#admin-form [name={name}]').value = {}", json!(value))).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_staff_user_without_change_product_only_views() {
    let browser = tandem::browser_or_skip!();
    let server = TestServer::start(&shop::app(), |_| {}).await;
    user(&server, "viewer", false, &["view_product"]).await;
    let tab = browser.open(&server.url("/admin/")).await;
    tab.wait_for("location.pathname === '/admin/login/'").await;
    admin_login(&tab, "viewer").await;
    assert_eq!(tab.eval("location.pathname").await, json!("/admin/"));
    assert_eq!(
        tab.eval("[...document.querySelectorAll('#admin-apps [data-model]')].map(r => r.dataset.model)").await,
        json!(["shop.product"]),
        "only the products"
    );
    assert_eq!(tab.eval("document.querySelector('.admin-addlink') === null").await, json!(true), "no Add");
    tab.click("#admin-apps [data-model='shop.product'] th a").await;
    tab.wait_for("document.querySelector('#admin-title')?.textContent === 'Select product to view'").await;
    count_is(&tab, "5 products").await;
    assert_eq!(tab.eval("document.querySelector('#admin-add') === null").await, json!(true));
    tab.click("#admin-results tbody tr .admin-change-link").await;
    tab.wait_for("document.querySelector('#admin-title')?.textContent === 'View product'").await;
    settled(&tab).await;
    assert_eq!(tab.eval("document.querySelector('#admin-save') === null").await, json!(true), "no save button");
    assert_eq!(tab.eval("document.querySelector('#admin-form [name=name]').disabled").await, json!(true));
    // The add page is refused outright.
    let status = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(server.url("/admin/shop/product/add/"))
        .header("cookie", cookie_header(&tab).await)
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(status, 403);
    browser.close().await;
    server.stop().await;
}

/// The tab's cookies as a `Cookie` header.
async fn cookie_header(tab: &Tab) -> String {
    tab.cookies()
        .await
        .iter()
        .map(|c| format!("{}={}", c["name"].as_str().unwrap(), c["value"].as_str().unwrap()))
        .collect::<Vec<_>>()
        .join("; ")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_superuser_searches_filters_sorts_pages_adds_edits_bulk_deletes_and_reads_the_history() {
    let browser = tandem::browser_or_skip!();
    let server = TestServer::start(&shop::app(), |_| {}).await;
    user(&server, "root", true, &[]).await;
    // 5 seeded products (one inactive) + 230: three pages of 100.
    let bulk = (1..=230).map(|i| product::ActiveModel {
        name: Set(format!("Bulk item {i:03}")),
        price: Set("3.00".parse().unwrap()),
        sku: Set(format!("BULK{i:03}")),
        is_active: Set(i % 2 == 0),
        ..Default::default()
    });
    product::Entity::insert_many(bulk).exec(&server.db).await.unwrap();

    // The catalog, in another tab, follows every change live.
    let catalog = browser.open(&server.url("/")).await;
    settled(&catalog).await;

    let tab = browser.open(&server.url("/admin/shop/product/")).await;
    tab.wait_for("location.pathname === '/admin/login/' && location.search === '?next=/admin/shop/product/'").await;
    screenshot(&tab, "admin-login", 1280, 700).await;
    admin_login(&tab, "root").await;
    assert_eq!(tab.eval("location.pathname").await, json!("/admin/shop/product/"), "back to `next`");
    count_is(&tab, "235 products").await;
    assert_eq!(tab.text("#admin-page").await, "Page 1 of 3");
    assert_eq!(names(&tab).await.len(), 100);
    assert_eq!(names(&tab).await[0], "Bulk item 230", "newest first (ordering = -id)");

    // Search on the database, case-insensitive: the SKUs BULK200 to BULK230.
    search(&tab, "no such thing").await;
    count_is(&tab, "0 products").await;
    search(&tab, "bulk2").await;
    count_is(&tab, "31 products").await;
    assert_eq!(tab.text("#admin-page").await, "Page 1 of 1");
    search(&tab, "").await;
    count_is(&tab, "235 products").await;

    // Filter with counts: 115 odd bulk items and one seeded product are inactive.
    let no = "#admin-filters [data-filter=is_active] button[data-value=false]";
    assert_eq!(tab.text(no).await, "No (116)");
    tab.click(no).await;
    count_is(&tab, "116 products").await;
    assert_eq!(tab.eval(&format!("document.querySelector('{no}').getAttribute('aria-pressed')")).await, json!("true"));
    screenshot(&tab, "admin-changelist", 1280, 900).await;
    tab.click("#admin-filters [data-filter=is_active] button[data-value='']").await;
    count_is(&tab, "235 products").await;

    // Pages.
    tab.click("#admin-next").await;
    tab.wait_for("document.querySelector('#admin-page').textContent === 'Page 2 of 3'").await;
    tab.click("#admin-next").await;
    tab.wait_for("document.querySelector('#admin-page').textContent === 'Page 3 of 3'").await;
    assert_eq!(names(&tab).await.len(), 35);
    assert_eq!(tab.eval("document.querySelector('#admin-next').disabled").await, json!(true));

    // Sort by name, ascending then descending: back to the first page.
    let mut all: Vec<String> =
        product::Entity::find().all(&server.db).await.unwrap().into_iter().map(|p| p.name).collect();
    all.sort();
    tab.click("#admin-results th button[data-column=name]").await;
    tab.wait_for(&format!("{NAMES}[0] === {}", json!(all[0]))).await;
    assert_eq!(tab.text("#admin-page").await, "Page 1 of 3");
    assert_eq!(names(&tab).await, all[..100].to_vec());
    tab.click("#admin-results th button[data-column=name]").await;
    tab.wait_for(&format!("{NAMES}[0] === {}", json!(all[all.len() - 1]))).await;
    assert_eq!(
        tab.eval("document.querySelector('#admin-results th[aria-sort=descending] button').dataset.column").await,
        json!("name")
    );

    // Add: a price that is not a number first, the field's error beside it.
    tab.click("#admin-add").await;
    tab.wait_for("location.pathname === '/admin/shop/product/add/' && document.querySelector('#admin-form') !== null")
        .await;
    settled(&tab).await;
    assert_eq!(tab.eval("document.querySelector('#admin-form [name=is_active]').checked").await, json!(true));
    fill(&tab, "name", "Milk frother").await;
    fill(&tab, "price", "cheap").await;
    fill(&tab, "sku", "FROTH").await;
    tab.click("#admin-save").await;
    tab.wait_for("document.querySelector('#admin-field-price-error')?.textContent === 'A valid number is required.'")
        .await;
    assert_eq!(
        tab.eval("document.querySelector('#admin-field-price').getAttribute('aria-invalid')").await,
        json!("true")
    );
    assert_eq!(tab.eval("document.querySelector('#admin-form [name=name]').value").await, json!("Milk frother"));
    screenshot(&tab, "admin-add-error", 1280, 800).await;
    fill(&tab, "price", "29.50").await;
    tab.click("#admin-save-continue").await;
    tab.wait_for("/^\\/admin\\/shop\\/product\\/\\d+\\/change\\/$/.test(location.pathname)").await;
    tab.wait_for("document.querySelector('#admin-form [name=name]')?.value === 'Milk frother'").await;
    assert_eq!(tab.eval("document.querySelector('#admin-form [name=price]').value").await, json!("29.50"));
    let added =
        product::Entity::find().filter(product::Column::Sku.eq("FROTH")).one(&server.db).await.unwrap().unwrap();
    catalog.wait_for("document.querySelector('#products').textContent.includes('Milk frother')").await;

    // Edit: the change goes to the database, the REST API and the catalog.
    settled(&tab).await;
    fill(&tab, "name", "Milk frother XL").await;
    tab.click("#admin-save").await;
    tab.wait_for("location.pathname === '/admin/shop/product/'").await;
    tab.wait_for(&format!("{NAMES}.includes('Milk frother XL')")).await;
    let stored = product::Entity::find_by_id(added.id).one(&server.db).await.unwrap().unwrap();
    assert_eq!((stored.name.as_str(), stored.price.to_string().as_str()), ("Milk frother XL", "29.50"));
    let api: Value =
        reqwest::get(server.url(&format!("/api/shop/products/{}/", added.id))).await.unwrap().json().await.unwrap();
    assert_eq!((api["name"].clone(), api["price"].clone()), (json!("Milk frother XL"), json!("29.50")));
    catalog.wait_for("document.querySelector('#products').textContent.includes('Milk frother XL')").await;

    // Bulk delete two, after the confirmation listing them.
    search(&tab, "BULK00").await;
    count_is(&tab, "9 products").await;
    let doomed: Vec<String> = serde_json::from_value(
        tab.eval("[...document.querySelectorAll('#admin-results tbody tr')].slice(0, 2).map(tr => tr.dataset.pk)")
            .await,
    )
    .unwrap();
    for pk in &doomed {
        tab.click(&format!("#admin-results tr[data-pk='{pk}'] .admin-row-check")).await;
    }
    tab.wait_for("document.querySelector('#admin-selected').textContent === '2 of 9 selected'").await;
    tab.eval("document.querySelector('#admin-action').value = 'delete_selected'").await;
    tab.click("#admin-go").await;
    tab.wait_for("document.querySelectorAll('#admin-objects li').length === 2").await;
    assert_eq!(sorted_objects(&tab).await, json!(["Product: Bulk item 008", "Product: Bulk item 009"]));
    screenshot(&tab, "admin-delete-selected", 1280, 800).await;
    tab.click("#admin-confirm-action").await;
    count_is(&tab, "7 products").await;
    for pk in &doomed {
        let id: i64 = pk.parse().unwrap();
        assert!(product::Entity::find_by_id(id).one(&server.db).await.unwrap().is_none(), "{pk} deleted");
        let gone = reqwest::get(server.url(&format!("/api/shop/products/{pk}/"))).await.unwrap().status();
        assert_eq!(gone, 404, "the API no longer has {pk}");
    }

    // The history of the added product: added, then its name changed, by root.
    tab.goto(&server.url(&format!("/admin/shop/product/{}/history/", added.id))).await;
    tab.wait_for("document.querySelectorAll('#admin-history-table tbody tr').length === 2").await;
    let rows = tab
        .eval(
            "[...document.querySelectorAll('#admin-history-table tbody tr')]\
             .map(tr => [...tr.children].slice(1).map(td => td.textContent))",
        )
        .await;
    assert_eq!(rows, json!([["root", "Added."], ["root", "Changed Name."]]));
    screenshot(&tab, "admin-history", 1280, 600).await;

    // The index: apps, models and the recent actions; dark and narrow too.
    tab.goto(&server.url("/admin/")).await;
    tab.wait_for("document.querySelectorAll('#admin-recent li').length === 4").await;
    screenshot(&tab, "admin-index", 1280, 800).await;
    tab.set_color_scheme("dark").await;
    tab.goto(&server.url("/admin/shop/product/")).await;
    count_is(&tab, "234 products").await;
    screenshot(&tab, "admin-changelist-dark", 1280, 900).await;
    tab.set_viewport(390, 800).await;
    screenshot(&tab, "admin-changelist-narrow", 390, 800).await;
    browser.close().await;
    server.stop().await;
}

/// The confirmation's objects, sorted (the page lists them by primary key).
async fn sorted_objects(tab: &Tab) -> Value {
    let mut shown: Vec<String> = serde_json::from_value(
        tab.eval("[...document.querySelectorAll('#admin-objects li')].map(li => li.textContent)").await,
    )
    .unwrap();
    shown.sort();
    json!(shown)
}

/// Selects, in the form's multiple select `name`, the options whose text is in `labels`.
async fn choose(tab: &Tab, name: &str, labels: &[&str]) {
    tab.eval(&format!(
        "[...document.querySelector('#admin-form [name={name}]').options].forEach(o => o.selected = {}.includes(o.textContent))",
        json!(labels)
    ))
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_superuser_edits_groups_permissions_and_a_users_password() {
    let browser = tandem::browser_or_skip!();
    let server = TestServer::start(&shop::app(), |_| {}).await;
    user(&server, "root", true, &[]).await;
    user(&server, "bob", false, &[]).await;
    let bob = tandem::auth::models::user::Entity::find()
        .filter(tandem::auth::models::user::Column::Username.eq("bob"))
        .one(&server.db)
        .await
        .unwrap()
        .unwrap();

    // A group that may change products.
    let tab = browser.open(&server.url("/admin/auth/group/add/")).await;
    admin_login(&tab, "root").await;
    tab.wait_for("document.querySelector('#admin-form [name=permissions]') !== null").await;
    fill(&tab, "name", "Editors").await;
    choose(&tab, "permissions", &["shop | product | Can change product"]).await;
    tab.click("#admin-save-another").await;
    tab.wait_for(
        "[...document.querySelectorAll('.t-notice-success')].some(n => \
         n.textContent === 'The group “Editors” was added successfully. You may add another group below.')",
    )
    .await;
    settled(&tab).await;
    assert_eq!(tab.eval("location.pathname").await, json!("/admin/auth/group/add/"));
    assert_eq!(tab.eval("document.querySelector('#admin-form [name=name]').value").await, json!(""), "a fresh form");
    tab.goto(&server.url("/admin/auth/group/")).await;
    tab.wait_for(&format!("{NAMES}.includes('Editors')")).await;

    // Bob joins it: he may now change products.
    let db_user = tandem::auth::models::user::Entity::find_by_id(bob.id).one(&server.db).await.unwrap().unwrap();
    assert!(!tandem::auth::has_perm(&server.db, &db_user, "shop.change_product").await.unwrap());
    tab.goto(&server.url(&format!("/admin/auth/user/{}/change/", bob.id))).await;
    tab.wait_for("document.querySelector('#admin-form [name=groups]') !== null").await;
    settled(&tab).await;
    choose(&tab, "groups", &["Editors"]).await;
    tab.click("#admin-save-continue").await;
    tab.wait_for(
        "[...document.querySelectorAll('.t-notice-success')].some(n => n.textContent.includes('“bob” was changed'))",
    )
    .await;
    settled(&tab).await;
    assert_eq!(
        tab.eval("[...document.querySelector('#admin-form [name=groups]').selectedOptions].map(o => o.textContent)")
            .await,
        json!(["Editors"])
    );
    assert!(tandem::auth::has_perm(&server.db, &db_user, "shop.change_product").await.unwrap());
    screenshot(&tab, "admin-user", 1280, 900).await;

    // A new password: typed twice, checked, hashed.
    tab.click("#admin-password").await;
    tab.wait_for("document.querySelector('#admin-password-form') !== null").await;
    settled(&tab).await;
    tab.eval(
        "document.querySelector('[name=password1]').value = 'correct-horse-9'; \
         document.querySelector('[name=password2]').value = 'correct-horse-8'",
    )
    .await;
    tab.click("#admin-password-save").await;
    tab.wait_for(
        "document.querySelector('#admin-password2-error')?.textContent === 'The two password fields didn’t match.'",
    )
    .await;
    tab.eval("document.querySelector('[name=password2]').value = 'correct-horse-9'").await;
    tab.click("#admin-password-save").await;
    tab.wait_for(&format!("location.pathname === '/admin/auth/user/{}/change/'", bob.id)).await;
    let stored = tandem::auth::models::user::Entity::find_by_id(bob.id).one(&server.db).await.unwrap().unwrap();
    assert_ne!(stored.password, bob.password, "a new hash");
    assert!(!stored.password.contains("correct-horse"), "never the password itself");
    assert!(tandem::auth::authenticate(&server.db, "bob", "correct-horse-9").await.unwrap().is_some());

    tab.goto(&server.url(&format!("/admin/auth/user/{}/history/", bob.id))).await;
    tab.wait_for("document.querySelectorAll('#admin-history-table tbody tr').length === 2").await;
    let actions = tab
        .eval("[...document.querySelectorAll('#admin-history-table tbody tr')].map(tr => tr.children[2].textContent)")
        .await;
    assert_eq!(actions, json!(["Changed Groups.", "Changed Password."]));
    browser.close().await;
    server.stop().await;
}
