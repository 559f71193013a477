//! The shop's pages in a real headless Chromium. Skipped, with a message,
//! where no Chromium is installed (`.ci/run` installs Debian's).

use serde_json::json;
use tandem::testing::TestServer;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn search_narrows_the_list_without_a_reload_and_survives_one() {
    let browser = tandem::browser_or_skip!();
    let server = TestServer::start(&shop::app(), |_| {}).await;
    let tab = browser.open(&server.url("/")).await;
    tab.wait_for("document.querySelectorAll('#products li').length === 4").await;
    tab.eval("window.__sameDocument = true").await;

    tab.type_text("#search", "kettle").await;
    tab.wait_for("document.documentElement.dataset.tandemPending === '0'").await;
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
    let browser = tandem::browser_or_skip!();
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
    let browser = tandem::browser_or_skip!();
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

/// The browser's cookies as a `Cookie` header.
fn cookie_header(cookies: &[serde_json::Value]) -> String {
    cookies
        .iter()
        .map(|c| format!("{}={}", c["name"].as_str().unwrap(), c["value"].as_str().unwrap()))
        .collect::<Vec<_>>()
        .join("; ")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logging_in_from_the_ui_keeps_the_cookie_httponly_and_lets_the_user_add_products() {
    let browser = tandem::browser_or_skip!();
    let server = TestServer::start(&shop::app(), |_| {}).await;
    let new = tandem::auth::NewUser { username: "alice", password: Some("wonderland-42"), ..Default::default() };
    tandem::auth::create_user(&server.db, new).await.unwrap();

    let tab = browser.open(&server.url("/")).await;
    tab.wait_for("document.querySelector('#login-link') !== null").await;
    assert_eq!(tab.eval("document.querySelector('#add-product') === null").await, json!(true), "visitors get no form");
    let before = tab.cookies().await;

    tab.click("#login-link").await;
    tab.wait_for("location.pathname === '/login' && document.querySelector('#login') !== null").await;
    tab.eval(
        "document.querySelector('[name=username]').value = 'alice'; \
         document.querySelector('[name=password]').value = 'wrong'; \
         document.querySelector('#login button').click()",
    )
    .await;
    tab.wait_for("document.querySelector('#login-error').textContent === 'Invalid username or password.'").await;
    tab.eval("document.querySelector('[name=password]').value = 'wonderland-42'; document.querySelector('#login button').click()")
        .await;
    tab.wait_for("location.pathname === '/' && document.querySelector('#who strong')?.textContent === 'alice'").await;

    // The HTTP side sees the same login through the browser's cookies.
    let cookies = tab.cookies().await;
    let session = cookies.iter().find(|c| c["name"] == "sessionid").unwrap();
    assert_eq!(session["httpOnly"], true, "the session cookie is still HttpOnly");
    let old_session = before.iter().find(|c| c["name"] == "sessionid").unwrap();
    assert_ne!(session["value"], old_session["value"], "login cycled the session key");
    let whoami = reqwest::Client::new()
        .get(server.url("/api/whoami/"))
        .header("cookie", cookie_header(&cookies))
        .send()
        .await
        .unwrap()
        .json::<serde_json::Value>()
        .await
        .unwrap();
    assert_eq!(whoami, json!({"authenticated": true, "username": "alice"}));

    // Add a product: inline errors first, then success, then it is in the API.
    tab.wait_for("document.querySelector('#add-product') !== null").await;
    tab.eval(
        "document.querySelector('#add-product [name=name]').value = 'Milk jug'; \
         document.querySelector('#add-product [name=price]').value = 'cheap'; \
         document.querySelector('#add-product [name=sku]').value = 'JUG'; \
         document.querySelector('#add-product button').click()",
    )
    .await;
    tab.wait_for("document.querySelector('[data-field=price]').textContent === 'A valid number is required.'").await;
    tab.eval("document.querySelector('#add-product [name=price]').value = '14.5'; document.querySelector('#add-product button').click()")
        .await;
    tab.wait_for("document.querySelector('#products li .name').textContent === 'Milk jug'").await;
    assert_eq!(tab.text("[data-field=price]").await, "");
    let products: serde_json::Value =
        reqwest::get(server.url("/api/shop/products/")).await.unwrap().json().await.unwrap();
    let jug = products.as_array().unwrap().iter().find(|p| p["sku"] == "JUG").expect("the API sees it");
    assert_eq!(jug["price"], "14.50");

    // Log out from the UI: the HTTP side sees a visitor again.
    tab.click("#logout").await;
    tab.wait_for("document.querySelector('#login-link') !== null").await;
    tab.wait_for("document.documentElement.dataset.tandemSeen !== undefined").await;
    let mut anonymous = false;
    for _ in 0..100 {
        let whoami = reqwest::Client::new()
            .get(server.url("/api/whoami/"))
            .header("cookie", cookie_header(&tab.cookies().await))
            .send()
            .await
            .unwrap()
            .json::<serde_json::Value>()
            .await
            .unwrap();
        if whoami["authenticated"] == false {
            anonymous = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(anonymous, "logout reached the HTTP session");
    browser.close().await;
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn product_pages_and_a_restart() {
    let browser = tandem::browser_or_skip!();
    let mut server = TestServer::start(&shop::app(), |_| {}).await;
    let tab = browser.open(&server.url("/")).await;
    tab.wait_for("document.querySelectorAll('#products li').length === 4").await;
    tab.eval("window.__sameDocument = true").await;
    tab.click("#products li a[href='/products/3']").await;
    tab.wait_for(
        "location.pathname === '/products/3' && document.querySelector('#product h1')?.textContent === 'Burr grinder' \
         && document.querySelector('#product .price')?.textContent !== ''",
    )
    .await;
    assert_eq!(tab.text("#product .price").await, "129.99");
    tab.click("#back").await;
    tab.wait_for("location.pathname === '/' && document.querySelectorAll('#products li').length === 4").await;
    assert_eq!(tab.eval("window.__sameDocument === true").await, json!(true));

    let missing = browser.open(&server.url("/products/999")).await;
    assert_eq!(missing.text("#not-found").await, "No such product");

    // A restart keeps the tab's state: the search text survives it.
    tab.type_text("#search", "grind").await;
    tab.wait_for(
        "document.documentElement.dataset.tandemPending === '0' && document.querySelector('#search').value === 'grind'",
    )
    .await;
    tab.wait_for("document.querySelectorAll('#products li').length === 1").await;
    server.restart(&shop::app()).await;
    tab.reload().await;
    tab.wait_for("document.querySelector('#search').value === 'grind'").await;
    tab.wait_for("document.querySelectorAll('#products li').length === 1").await;
    browser.close().await;
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_actions_and_event_options() {
    let browser = tandem::browser_or_skip!();
    let server = TestServer::start(&shop::app(), |_| {}).await;
    let tab = browser.open(&server.url("/playground")).await;
    tab.wait_for("document.documentElement.dataset.tandemSeen !== undefined").await;

    // Actions: title, focus, notice.
    tab.click("#add-five").await;
    tab.wait_for("document.querySelector('#count').textContent === '5'").await;
    assert_eq!(tab.text("#doubled").await, "10", "a computed value follows its field");
    tab.click("#reset").await;
    tab.wait_for("document.title === 'Playground (reset)'").await;
    tab.wait_for("document.activeElement && document.activeElement.id === 'increment'").await;
    tab.wait_for("document.querySelector('#tandem-notice')?.textContent.includes('Back to zero.')").await;
    assert_eq!(tab.text("#count").await, "0");

    // A download: the file the browser is handed.
    tab.eval(
        "window.__downloads = []; const blobs = new Map(); const make = URL.createObjectURL; \
         URL.createObjectURL = (blob) => { const url = make(blob); blobs.set(url, blob); return url; }; \
         const click = HTMLAnchorElement.prototype.click; \
         HTMLAnchorElement.prototype.click = function () { \
           if (this.download) { const name = this.download; \
             blobs.get(this.href).text().then(t => window.__downloads.push(name + ':' + t)); return; } \
           return click.call(this); }",
    )
    .await;
    tab.click("#increment").await;
    tab.wait_for("document.querySelector('#count').textContent === '1'").await;
    tab.click("#export").await;
    tab.wait_for("window.__downloads.length === 1").await;
    assert_eq!(tab.eval("window.__downloads[0]").await, json!("count.txt:1\n"));

    // Debounce: five keystrokes, one event.
    tab.type_text("#note", "hello").await;
    tab.wait_for("document.querySelector('#note-shown').textContent === 'hello'").await;
    assert_eq!(tab.text("#note-events").await, "1");

    // stopPropagation: the inner button's click does not reach the panel.
    tab.click("#inner").await;
    tab.wait_for("document.querySelector('#button-clicks').textContent === '1'").await;
    tab.click("#panel").await;
    tab.wait_for("document.querySelector('#panel-clicks').textContent === '1'").await;
    assert_eq!(tab.text("#button-clicks").await, "1");
    browser.close().await;
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn progress_moves_while_a_handler_runs_and_background_work_arrives_later() {
    let browser = tandem::browser_or_skip!();
    let server = TestServer::start(&shop::app(), |_| {}).await;
    let tab = browser.open(&server.url("/jobs")).await;
    tab.wait_for("document.documentElement.dataset.tandemSeen !== undefined").await;

    // Every value the progress bar shows, as the person would see it.
    tab.eval(
        "window.__progress = []; const bar = document.querySelector('#progress'); \
         new MutationObserver(() => window.__progress.push(bar.getAttribute('value'))) \
           .observe(bar, { attributes: true, attributeFilter: ['value'] })",
    )
    .await;
    tab.click("#process").await;
    tab.wait_for("document.querySelector('#stage').textContent === 'done'").await;
    let seen = tab.eval("window.__progress").await;
    let seen: Vec<String> = serde_json::from_value(seen).unwrap();
    assert!(seen.len() >= 5, "the bar moved step by step, not at once: {seen:?}");
    assert_eq!(seen.last().map(String::as_str), Some("100"));

    // A failure half-way: the bar goes back to where it was, with a notice.
    tab.click("#process-fail").await;
    tab.wait_for("document.querySelector('#tandem-notice')?.textContent.includes('failed half-way')").await;
    tab.wait_for("document.querySelector('#percent').textContent === '100'").await;
    assert_eq!(tab.text("#stage").await, "done");

    // Chained events show up in order.
    tab.click("#chain").await;
    tab.wait_for("document.querySelectorAll('#steps li').length === 3").await;
    assert_eq!(
        tab.eval("[...document.querySelectorAll('#steps li')].map(li => li.textContent).join(',')").await,
        json!("first,second,third")
    );

    // The background import: pings are answered while it runs.
    tab.click("#import").await;
    tab.wait_for("document.querySelector('#importing') !== null").await;
    tab.click("#ping").await;
    tab.wait_for("document.querySelector('#pings').textContent === '1'").await;
    assert_ne!(tab.text("#imported").await, "4", "the ping did not wait for the import");
    tab.wait_for("document.querySelector('#imported').textContent === '4' && !document.querySelector('#importing')")
        .await;
    // Its log is a stream: newest first, the browser keeping the last three
    // lines and the server none (a reload shows the count it stored, and
    // no line).
    let log = "[...document.querySelectorAll('#import-log .number')].map(n => n.textContent).join(',')";
    tab.wait_for(&format!("{log} === '4,3,2'")).await;
    tab.eval("window.__before_reload = true; location.reload()").await;
    tab.wait_for("!window.__before_reload && document.documentElement.dataset.tandemSeen !== undefined").await;
    assert_eq!(tab.text("#imported").await, "4");
    assert_eq!(tab.eval(log).await, json!(""));

    // The server throttle: a double click saves one draft.
    tab.eval("const b = document.querySelector('#save-draft'); b.click(); b.click();").await;
    tab.wait_for("document.querySelector('#tandem-notice')?.textContent.includes('limited to one every')").await;
    assert_eq!(tab.text("#drafts").await, "1");
    browser.close().await;
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_form_arrives_typed_shows_field_errors_and_resets_after_success() {
    let browser = tandem::browser_or_skip!();
    let server = TestServer::start(&shop::app(), |_| {}).await;
    let tab = browser.open(&server.url("/order")).await;
    tab.wait_for("document.documentElement.dataset.tandemSeen !== undefined").await;

    // The controlled input: the state follows each keystroke.
    tab.type_text("#name", "Ada").await;
    tab.wait_for("document.querySelector('#greeting').textContent === 'Hello, Ada'").await;

    // Wrong input: an error under each field at fault, nothing typed is lost.
    tab.type_text("#email", "ada-at-example").await;
    tab.click("#place").await;
    tab.wait_for("document.querySelector('[data-field=quantity]') !== null").await;
    assert_eq!(tab.text("[data-field=quantity]").await, "This field is required.");
    assert_eq!(tab.eval("document.querySelector('#email').value").await, json!("ada-at-example"));

    tab.type_text("#quantity", "12").await;
    tab.click("#place").await;
    tab.wait_for("document.querySelector('[data-field=email]') !== null").await;
    assert_eq!(tab.text("[data-field=email]").await, "Enter a valid email address.");
    assert_eq!(tab.text("[data-field=quantity]").await, "Order between 1 and 10.");
    assert_eq!(tab.eval("document.querySelectorAll('#placed li').length").await, json!(0));

    // Every kind of input, then a successful submit.
    tab.eval(
        "{ const f = document.querySelector('#order'); \
         f.email.value = 'ada@example.com'; f.quantity.value = '2'; \
         f.product.value = [...f.product.options].find(o => o.textContent === 'Pour-over kettle').value; \
         f.gift_wrap.checked = true; f.querySelector('[name=extras][value=sample]').checked = true; \
         f.querySelector('[name=delivery][value=express]').checked = true; f.notes.value = 'Ring twice'; }",
    )
    .await;
    tab.click("#place").await;
    tab.wait_for("document.querySelectorAll('#placed li').length === 1").await;
    assert_eq!(
        tab.text("#placed li").await,
        "2 × Pour-over kettle for Ada, Express, gift-wrapped, with sample",
        "the handler received each input typed"
    );
    assert_eq!(tab.eval("document.querySelectorAll('.t-field-error').length").await, json!(0), "errors cleared");
    // Reset after success: uncontrolled inputs back to their defaults, the
    // controlled one follows the state.
    let reset = tab
        .eval(
            "(() => { const f = document.querySelector('#order'); return [f.name.value, f.email.value, f.quantity.value, \
             f.gift_wrap.checked, f.querySelector('[name=extras][value=sample]').checked, \
             f.querySelector('[name=delivery][value=standard]').checked, f.notes.value]; })()",
        )
        .await;
    assert_eq!(reset, json!(["", "", "", false, false, true, ""]));
    assert_eq!(tab.text("#greeting").await, "Hello, ");
    browser.close().await;
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_storage_fields_survive_a_new_tab() {
    let browser = tandem::browser_or_skip!();
    let server = TestServer::start(&shop::app(), |_| {}).await;
    let tab = browser.open(&server.url("/playground")).await;
    tab.wait_for("document.documentElement.dataset.tandemSeen !== undefined").await;
    tab.click("#dark").await;
    tab.type_text("#favourite", "kettle").await;
    tab.wait_for("document.querySelector('#favourite-shown').textContent === 'kettle'").await;
    tab.wait_for("localStorage.getItem('tandem.playground.favourite') === '\"kettle\"'").await;
    assert!(tab.eval("document.cookie").await.as_str().unwrap().contains("t_playground_theme=%22dark%22"));

    // A new browser tab is a new Tandem tab with a fresh state, but the
    // kept fields come back: the cookie one already in the first paint.
    let second = browser.open(&server.url("/playground")).await;
    second.wait_for("document.documentElement.dataset.tandemSeen !== undefined").await;
    assert_eq!(
        second.eval("JSON.parse(document.getElementById('tandem-boot').textContent).data.theme").await,
        json!("dark")
    );
    second.wait_for("document.querySelector('#favourite-shown').textContent === 'kettle'").await;
    assert_eq!(second.eval("document.querySelector('#favourite').value").await, json!("kettle"));
    assert_ne!(
        second.eval("sessionStorage.getItem('tandem-token')").await,
        tab.eval("sessionStorage.getItem('tandem-token')").await,
        "two tabs, two states"
    );
    browser.close().await;
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn files_upload_with_progress_and_come_back_under_media() {
    let browser = tandem::browser_or_skip!();
    let server = TestServer::start(&shop::app(), |_| {}).await;
    let tab = browser.open(&server.url("/gallery")).await;
    tab.wait_for("document.documentElement.dataset.tandemSeen !== undefined").await;
    tab.eval(
        "window.__progress = []; const bar = document.querySelector('progress[data-upload-for=files]'); \
         new MutationObserver(() => window.__progress.push(Number(bar.getAttribute('value')))) \
           .observe(bar, { attributes: true, attributeFilter: ['value'] }); \
         { const input = document.querySelector('#files'); const files = new DataTransfer(); \
           files.items.add(new File(['x'.repeat(3 * 1024 * 1024)], 'big.txt', { type: 'text/plain' })); \
           files.items.add(new File(['hello'], 'hello.txt', { type: 'text/plain' })); \
           input.files = files.files; input.dispatchEvent(new Event('change', { bubbles: true })); }",
    )
    .await;
    tab.wait_for("document.querySelectorAll('#uploaded li').length === 2").await;
    tab.wait_for("document.querySelector('progress[data-upload-for=files]').value === 100").await;
    let seen: Vec<f64> = serde_json::from_value(tab.eval("window.__progress").await).unwrap();
    assert!(seen.len() >= 2 && seen.last() == Some(&100.0), "the bar moved to 100: {seen:?}");
    let names = tab.eval("[...document.querySelectorAll('#uploaded a.file')].map(a => a.textContent).join(',')").await;
    assert_eq!(names, json!("big.txt,hello.txt"));
    let fetched = tab.eval("fetch(document.querySelectorAll('#uploaded a.file')[1].href).then(r => r.text())").await;
    assert_eq!(fetched, json!("hello"), "served back under /media");
    browser.close().await;
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_control_shows_the_state_again_after_its_event_is_refused() {
    let browser = tandem::browser_or_skip!();
    let server = TestServer::start(&shop::app(), |_| {}).await;
    let tab = browser.open(&server.url("/playground")).await;
    tab.wait_for("document.documentElement.dataset.tandemSeen !== undefined").await;

    // Refused at a count of 0: the notice says why and the box is unticked,
    // as the state (and anything stored from it) says.
    tab.click("#subscribe").await;
    tab.wait_for("document.querySelector('#tandem-notice')?.textContent.includes('Count to 3 first.')").await;
    tab.wait_for("document.documentElement.dataset.tandemPending === '0'").await;
    assert_eq!(tab.eval("document.querySelector('#subscribe').checked").await, json!(false));

    // Allowed at 5: it stays ticked, because the state says so.
    tab.click("#add-five").await;
    tab.wait_for("document.querySelector('#count').textContent === '5'").await;
    let before = tab.eval("document.documentElement.dataset.tandemSeen").await;
    tab.click("#subscribe").await;
    // Answered (the last answered event moved on), and still ticked.
    tab.wait_for(&format!(
        "document.documentElement.dataset.tandemSeen !== {before} && \
         document.documentElement.dataset.tandemPending === '0' && document.querySelector('#subscribe').checked"
    ))
    .await;
    // The tab resumed after a reload shows it ticked too.
    tab.reload().await;
    tab.wait_for("document.querySelector('#subscribe')?.checked === true").await;
    browser.close().await;
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_guarded_page_sends_a_visitor_to_log_in_and_back() {
    let browser = tandem::browser_or_skip!();
    let server = TestServer::start(&shop::app(), |_| {}).await;
    let new = tandem::auth::NewUser { username: "alice", password: Some("wonderland-42"), ..Default::default() };
    tandem::auth::create_user(&server.db, new).await.unwrap();
    let next_is = |next: &str| {
        format!(
            "location.pathname === '/login' && new URLSearchParams(location.search).get('next') === '{next}' \
             && document.querySelector('#login') !== null && document.documentElement.dataset.tandemSeen !== undefined"
        )
    };

    // Opening the guarded page: the login page, with where to go back to.
    let tab = browser.open(&server.url("/account?tab=orders")).await;
    tab.wait_for(&next_is("/account?tab=orders")).await;
    tab.eval(
        "document.querySelector('[name=username]').value = 'alice'; \
         document.querySelector('[name=password]').value = 'wonderland-42'; \
         document.querySelector('#login button').click()",
    )
    .await;
    tab.wait_for(
        "location.pathname === '/account' && location.search === '?tab=orders' \
         && document.querySelector('#account-user')?.textContent === 'alice'",
    )
    .await;
    tab.wait_for("document.documentElement.dataset.tandemSeen !== undefined").await;
    tab.click("#visit").await;
    tab.wait_for("document.querySelector('#visits').textContent === '1'").await;
    // Not allowed to audit: a notice, nothing changed.
    tab.click("#audit").await;
    tab.wait_for(
        "document.querySelector('#tandem-notice')?.textContent.includes('You do not have permission to do this.')",
    )
    .await;
    assert_eq!(tab.eval("document.querySelector('#audited') === null").await, json!(true));

    // Logging out on the guarded page: back to the login page.
    tab.click("#account-logout").await;
    tab.wait_for(&next_is("/account?tab=orders")).await;

    // Client-side navigation to the guarded page follows the redirect.
    tab.eval("window.__sameDocument = true").await;
    tab.eval(
        "const link = document.createElement('a'); link.id = 'to-account'; link.href = '/account'; \
         link.textContent = 'Account'; document.body.append(link)",
    )
    .await;
    tab.click("#to-account").await;
    tab.wait_for(&next_is("/account")).await;
    assert_eq!(tab.eval("window.__sameDocument === true").await, json!(true), "client-side navigation");

    // A hostile next is ignored: after logging in, the shop.
    tab.eval("location.assign('/login?next=//evil.example/')").await;
    tab.wait_for(&next_is("//evil.example/")).await;
    tab.eval(
        "document.querySelector('[name=username]').value = 'alice'; \
         document.querySelector('[name=password]').value = 'wonderland-42'; \
         document.querySelector('#login button').click()",
    )
    .await;
    tab.wait_for("location.origin === window.origin && location.pathname === '/' && document.querySelector('#who strong')?.textContent === 'alice'")
        .await;
    browser.close().await;
    server.stop().await;
}
