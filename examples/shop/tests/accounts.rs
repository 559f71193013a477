//! The account pages (`tandem::accounts`) in Chromium: register, log out,
//! log in with `?next=`, change the password; a visitor sent to log in first.

use serde_json::{Value, json};
use tandem::testing::TestServer;

/// What `/api/whoami/` says of the tab's session, asked from the page
/// itself (its HttpOnly cookie goes along).
const WHOAMI: &str = "fetch('/api/whoami/').then((r) => r.json())";

/// Fills the form's fields (`[name=value]` pairs) and submits it.
fn submit(form: &str, fields: &[(&str, &str)]) -> String {
    let mut script: String = fields
        .iter()
        .map(|(name, value)| format!("document.querySelector('{form} [name={name}]').value = {};", json!(value)))
        .collect();
    script.push_str(&format!("document.querySelector('{form} button[type=submit]').click()"));
    script
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_visitor_registers_logs_out_logs_in_and_changes_the_password() {
    let browser = tandem::browser_or_skip!();
    // The account pages' login, as Django's default LOGIN_URL.
    let server = TestServer::start(&shop::app(), |settings| settings.auth.login_url = "/accounts/login/".into()).await;
    let tab = browser.open(&server.url("/accounts/register/")).await;
    tab.wait_for("document.querySelector('#account-register') !== null && document.documentElement.dataset.tandemSeen !== undefined").await;

    // Django's UserCreationForm errors, then a user.
    let form = "#account-register";
    tab.eval(&submit(
        form,
        &[("username", "grace"), ("email", "grace@example.com"), ("password1", "a"), ("password2", "b")],
    ))
    .await;
    tab.wait_for(
        "document.querySelector('[data-field=password2]').textContent === 'The two password fields didn’t match.'",
    )
    .await;
    tab.eval(&submit(form, &[("password1", "password"), ("password2", "password")])).await;
    tab.wait_for(
        "document.querySelector('[data-field=password2]').textContent.includes('This password is too common.')",
    )
    .await;
    tab.eval(&submit(form, &[("password1", "hopper-cobol-1906"), ("password2", "hopper-cobol-1906")])).await;
    tab.wait_for("location.pathname === '/'").await;
    assert_eq!(tab.eval(WHOAMI).await, json!({"authenticated": true, "username": "grace"}));
    let user = tandem::auth::authenticate(&server.db, "grace", "hopper-cobol-1906").await.unwrap().expect("stored");
    assert_eq!(user.email, "grace@example.com");

    // A taken name is refused.
    tab.goto(&server.url("/accounts/register/")).await;
    tab.wait_for("document.querySelector('#account-register') !== null && document.documentElement.dataset.tandemSeen !== undefined").await;
    tab.eval(&submit(form, &[("username", "grace"), ("password1", "x-unique-42!"), ("password2", "x-unique-42!")]))
        .await;
    tab.wait_for(
        "document.querySelector('[data-field=username]').textContent === 'A user with that username already exists.'",
    )
    .await;

    // Log out.
    tab.goto(&server.url("/accounts/logout/")).await;
    tab.wait_for("document.querySelector('#logout') !== null").await;
    tab.click("#logout").await;
    tab.wait_for("document.querySelector('#logged-out') !== null").await;
    let mut anonymous = false;
    for _ in 0..100 {
        if tab.eval(WHOAMI).await["authenticated"] == json!(false) {
            anonymous = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(anonymous, "the session is logged out");

    // The password change page sends a visitor to log in, and back.
    tab.goto(&server.url("/accounts/password_change/")).await;
    tab.wait_for("location.pathname === '/accounts/login/'").await;
    assert_eq!(tab.eval("location.search").await, json!("?next=/accounts/password_change/"));
    tab.wait_for("document.querySelector('#account-login') !== null && document.documentElement.dataset.tandemSeen !== undefined").await;
    tab.eval(&submit("#account-login", &[("username", "grace"), ("password", "wrong")])).await;
    tab.wait_for("document.querySelector('#login-error')?.textContent === 'Invalid username or password.'").await;
    tab.eval(&submit("#account-login", &[("password", "hopper-cobol-1906")])).await;
    tab.wait_for(
        "location.pathname === '/accounts/password_change/' && document.querySelector('#password-change') !== null",
    )
    .await;
    tab.wait_for("document.documentElement.dataset.tandemSeen !== undefined").await;

    let change = "#password-change";
    let fields = |old: &'static str| {
        [("old_password", old), ("new_password1", "navy-admiral-1985"), ("new_password2", "navy-admiral-1985")]
    };
    tab.eval(&submit(change, &fields("not-it"))).await;
    tab.wait_for("document.querySelector('[data-field=old_password]').textContent.startsWith('Your old password was entered incorrectly.')").await;
    tab.eval(&submit(change, &fields("hopper-cobol-1906"))).await;
    tab.wait_for("document.querySelector('#password-changed') !== null").await;
    let whoami: Value = tab.eval(WHOAMI).await;
    assert_eq!(whoami["username"], "grace", "this session stays logged in after the change");
    assert!(tandem::auth::authenticate(&server.db, "grace", "hopper-cobol-1906").await.unwrap().is_none());
    assert!(tandem::auth::authenticate(&server.db, "grace", "navy-admiral-1985").await.unwrap().is_some());

    // An unsafe next is not followed.
    tab.goto(&server.url("/accounts/logout/")).await;
    tab.wait_for("document.querySelector('#logout') !== null").await;
    tab.click("#logout").await;
    tab.wait_for("document.querySelector('#logged-out') !== null").await;
    tab.goto(&server.url("/accounts/login/?next=%2F%2Fevil.example%2F")).await;
    tab.wait_for("document.querySelector('#account-login') !== null && document.documentElement.dataset.tandemSeen !== undefined").await;
    tab.eval(&submit("#account-login", &[("username", "grace"), ("password", "navy-admiral-1985")])).await;
    tab.wait_for("location.pathname === '/'").await;
    assert_eq!(
        tab.eval("location.host").await,
        json!(server.url("/").trim_start_matches("http://").trim_end_matches('/'))
    );

    browser.close().await;
    server.stop().await;
}
