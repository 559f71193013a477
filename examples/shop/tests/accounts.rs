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
    // The tab's session is logged in again with the new password's stamp
    // (a ticket the runtime redeems over HTTP right after the answer).
    let mut whoami = Value::Null;
    for _ in 0..100 {
        whoami = tab.eval(WHOAMI).await;
        if whoami["username"] == "grace" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forgotten_password_is_reset_through_the_mailed_link_once() {
    let browser = tandem::browser_or_skip!();
    let test = "a_forgotten_password_is_reset_through_the_mailed_link_once";
    let Some(smtp) = tandem::testing::smtp::SmtpServer::start(test, &[]) else { return };
    let server = TestServer::start(&shop::app(), |settings| settings.mail = smtp.settings()).await;
    for (username, email) in [("ada", "ada@example.com"), ("bob", "bob@example.com")] {
        let new = tandem::auth::NewUser { username, email, password: Some("old-pass-word-1"), ..Default::default() };
        tandem::auth::create_user(&server.db, new).await.unwrap();
    }
    let smtp = &smtp;
    let received = |count: usize| async move {
        for _ in 0..200 {
            if smtp.count() >= count {
                return true;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        false
    };

    // An unknown address gets the same answer, and no mail.
    let tab = browser.open(&server.url("/accounts/password_reset/")).await;
    let ready = "document.querySelector('#password-reset') !== null && document.documentElement.dataset.tandemSeen !== undefined";
    tab.wait_for(ready).await;
    tab.eval(&submit("#password-reset", &[("email", "nobody@example.com")])).await;
    tab.wait_for("document.querySelector('#reset-sent') !== null").await;
    let unknown = tab.text("#reset-sent").await;

    // Ada's address, in other letters (a new tab: this one resumes its
    // state on a reload): the mail arrives with a link.
    let tab = browser.open(&server.url("/accounts/password_reset/")).await;
    tab.wait_for(ready).await;
    tab.eval(&submit("#password-reset", &[("email", "ADA@example.com")])).await;
    tab.wait_for("document.querySelector('#reset-sent') !== null").await;
    assert_eq!(tab.text("#reset-sent").await, unknown, "the answer says nothing about the address");
    assert!(received(1).await, "the reset mail arrives");
    assert_eq!(smtp.count(), 1, "nothing was sent for the unknown address");
    let (mail, _) = smtp.received(1);
    assert_eq!(mail["to"], json!(["ada@example.com"]));
    let host = server.url("/").trim_start_matches("http://").trim_end_matches('/').to_string();
    assert_eq!(mail["subject"], format!("Password reset on {host}"));
    let text = mail["text"].as_str().unwrap();
    let link = text.split_whitespace().find(|word| word.contains("/accounts/reset/")).expect("a link").to_string();
    assert!(link.starts_with(&server.url("/accounts/reset/")), "{link}");
    assert!(text.contains("Your username, in case you've forgotten: ada"), "{text}");

    // Tampered, or for another user: refused.
    let (base, token) = link.trim_end_matches('/').rsplit_once('/').unwrap();
    let tampered = format!("{base}/{}x/", &token[..token.len() - 1]);
    let bobs = format!(
        "{}/accounts/reset/{}/{token}/",
        server.url("").trim_end_matches('/'),
        tandem::auth::tokens::uid_encode(2)
    );
    for refused in [tampered, bobs] {
        tab.goto(&refused).await;
        tab.wait_for("document.querySelector('#reset-invalid') !== null").await;
    }

    // The link sets a new password, once.
    tab.goto(&link).await;
    tab.wait_for("document.querySelector('#password-reset-confirm') !== null && document.documentElement.dataset.tandemSeen !== undefined").await;
    let form = "#password-reset-confirm";
    tab.eval(&submit(form, &[("new_password1", "short"), ("new_password2", "short")])).await;
    tab.wait_for(
        "document.querySelector('[data-field=new_password2]').textContent.startsWith('This password is too short.')",
    )
    .await;
    tab.eval(&submit(
        form,
        &[("new_password1", "analytical-engine-1843"), ("new_password2", "analytical-engine-1843")],
    ))
    .await;
    tab.wait_for("document.querySelector('#reset-done') !== null").await;
    assert!(tandem::auth::authenticate(&server.db, "ada", "analytical-engine-1843").await.unwrap().is_some());
    assert!(tandem::auth::authenticate(&server.db, "ada", "old-pass-word-1").await.unwrap().is_none());
    assert!(
        tandem::auth::authenticate(&server.db, "bob", "old-pass-word-1").await.unwrap().is_some(),
        "bob is untouched"
    );
    // A used link (in a new tab: this one would resume its own state).
    let again = browser.open(&link).await;
    again.wait_for("document.querySelector('#reset-invalid') !== null").await;

    browser.close().await;
    server.stop().await;
}
