//! The account commands through the real binary: `createsuperuser`,
//! `changepassword`, `clearsessions`.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use chrono::{Duration, Utc};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, Set};
use tandem::auth::{self, models::user};
use tandem::sessions::model as session_row;

/// Runs the shop binary with its own config and SQLite file in `dir`.
fn shop(dir: &Path, args: &[&str], env: &[(&str, &str)], stdin: &str) -> Output {
    let config = dir.join("Tandem.toml");
    std::fs::write(&config, "[app]\nname = \"shop\"\n[database]\nurl = \"sqlite:db.sqlite3\"\n").unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_shop"))
        .arg("--config")
        .arg(&config)
        .args(args)
        .env_remove("DATABASE_URL")
        .env_remove("TANDEM_SUPERUSER_PASSWORD")
        .envs(env.iter().copied())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

async fn db(dir: &Path) -> tandem::Db {
    tandem::db::connect(&format!("sqlite://{}", dir.join("db.sqlite3").display())).await.unwrap()
}

fn text(out: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}

#[tokio::test]
async fn createsuperuser_without_prompts() {
    let dir = tempfile::tempdir().unwrap();
    let out = shop(
        dir.path(),
        &["createsuperuser", "--noinput", "--username", "root", "--email", "r@x.io"],
        &[("TANDEM_SUPERUSER_PASSWORD", "s3cret-pass")],
        "",
    );
    assert!(out.status.success(), "{}", text(&out));
    assert!(!text(&out).contains("s3cret-pass"), "the password is never printed");
    let db = db(dir.path()).await;
    let root = user::Entity::find().filter(user::Column::Username.eq("root")).one(&db).await.unwrap().unwrap();
    assert!(root.is_superuser && root.is_staff && root.is_active);
    assert_eq!(root.email, "r@x.io");
    assert!(root.password.starts_with("argon2$argon2id$"));
    assert!(auth::authenticate(&db, "root", "s3cret-pass").await.unwrap().is_some());

    // From stdin when the variable is unset; a taken username is refused.
    let out = shop(dir.path(), &["createsuperuser", "--noinput", "--username", "second"], &[], "from-stdin\n");
    assert!(out.status.success(), "{}", text(&out));
    assert!(auth::authenticate(&db, "second", "from-stdin").await.unwrap().is_some());
    let out = shop(dir.path(), &["createsuperuser", "--noinput", "--username", "root"], &[], "x\n");
    assert!(!out.status.success());
    assert!(text(&out).contains("That username is already taken."), "{}", text(&out));
    let out = shop(dir.path(), &["createsuperuser", "--noinput", "--username", "blank"], &[], "\n");
    assert!(!out.status.success());
    assert!(text(&out).contains("Blank passwords aren't allowed."));
}

#[tokio::test]
async fn changepassword_from_stdin() {
    let dir = tempfile::tempdir().unwrap();
    let out = shop(dir.path(), &["createsuperuser", "--noinput", "--username", "bob"], &[], "old-pass\n");
    assert!(out.status.success(), "{}", text(&out));
    let out = shop(dir.path(), &["changepassword", "bob"], &[], "new-pass\n");
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("Password changed successfully for user 'bob'"));
    let db = db(dir.path()).await;
    assert!(auth::authenticate(&db, "bob", "old-pass").await.unwrap().is_none());
    assert!(auth::authenticate(&db, "bob", "new-pass").await.unwrap().is_some());
    let out = shop(dir.path(), &["changepassword", "nobody"], &[], "x\n");
    assert!(!out.status.success());
    assert!(text(&out).contains("user 'nobody' does not exist"));
}

#[tokio::test]
async fn clearsessions_removes_only_expired_rows() {
    let dir = tempfile::tempdir().unwrap();
    assert!(shop(dir.path(), &["migrate"], &[], "").status.success());
    let db = db(dir.path()).await;
    for (key, age) in [("expiredsession01", -1), ("livesession00001", 1)] {
        let row = session_row::ActiveModel {
            session_key: Set(key.to_string()),
            session_data: Set("{}".into()),
            expire_date: Set(Utc::now() + Duration::hours(age)),
        };
        session_row::Entity::insert(row).exec_without_returning(&db).await.unwrap();
    }
    let out = shop(dir.path(), &["clearsessions"], &[], "");
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("Removed 1 expired session(s)."), "{}", text(&out));
    let left: Vec<String> =
        session_row::Entity::find().all(&db).await.unwrap().into_iter().map(|r| r.session_key).collect();
    assert_eq!(left, ["livesession00001"]);
}

#[tokio::test]
async fn createtoken_prints_one_key_per_user() {
    let dir = tempfile::tempdir().unwrap();
    let out = shop(dir.path(), &["createsuperuser", "--noinput", "--username", "api"], &[], "api-pass\n");
    assert!(out.status.success(), "{}", text(&out));
    let key_of = |out: &Output| text(out).split_whitespace().nth(2).unwrap_or_default().to_string();

    let first = shop(dir.path(), &["createtoken", "api"], &[], "");
    assert!(first.status.success(), "{}", text(&first));
    let key = key_of(&first);
    assert_eq!(text(&first).trim(), format!("Generated token {key} for user api"));
    assert!(key.len() == 40 && key.chars().all(|c| c.is_ascii_hexdigit()), "{key}");
    assert_eq!(key_of(&shop(dir.path(), &["createtoken", "api"], &[], "")), key, "the same key again");

    let reset = shop(dir.path(), &["createtoken", "api", "--reset"], &[], "");
    let new_key = key_of(&reset);
    assert_ne!(new_key, key);
    let db = db(dir.path()).await;
    let rows = tandem::rest::token::model::Entity::find().all(&db).await.unwrap();
    assert_eq!(rows.iter().map(|r| r.key.as_str()).collect::<Vec<_>>(), [new_key.as_str()]);

    let out = shop(dir.path(), &["createtoken", "nobody"], &[], "");
    assert!(!out.status.success());
    assert!(text(&out).contains("user 'nobody' does not exist"));
}

#[tokio::test]
async fn the_apps_own_commands_run_beside_the_built_in_ones() {
    let dir = tempfile::tempdir().unwrap();
    let fixture = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/products.json");
    for args in [&["migrate"][..], &["loaddata", fixture]] {
        let out = shop(dir.path(), args, &[], "");
        assert!(out.status.success(), "{}", text(&out));
    }
    let out = shop(dir.path(), &["products"], &[], "");
    assert!(out.status.success(), "{}", text(&out));
    let listed = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(listed.lines().any(|line| line.split('\t').nth(3) == Some("Burr grinder")), "{listed}");
    let all = shop(dir.path(), &["products", "--all"], &[], "");
    let every = String::from_utf8_lossy(&all.stdout).lines().count();
    assert!(every > listed.lines().count(), "--all also lists inactive products:\n{}", text(&all));

    let refused = shop(dir.path(), &["products", "--everything"], &[], "");
    assert_eq!(refused.status.code(), Some(1));
    assert!(
        text(&refused).contains("unknown argument \"--everything\"; usage: products [--all]"),
        "{}",
        text(&refused)
    );
    let help = shop(dir.path(), &["--help"], &[], "");
    assert!(text(&help).contains("Application commands:\n  products  List the products"), "{}", text(&help));
}
