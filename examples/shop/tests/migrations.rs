//! `makemigrations --check`, `showmigrations` and `migrate --plan` through
//! the real binary. (`.ci/makemigrations-check` changes the shop's models in
//! a copy of the repository and checks the written migration compiles and
//! applies.)

use std::path::Path;
use std::process::{Command, Output};

/// Runs the shop binary with its own config and SQLite file in `dir`.
fn shop(dir: &Path, args: &[&str]) -> Output {
    let config = dir.join("Tandem.toml");
    std::fs::write(&config, "[app]\nname = \"shop\"\n[database]\nurl = \"sqlite:db.sqlite3\"\n").unwrap();
    Command::new(env!("CARGO_BIN_EXE_shop"))
        .current_dir(dir)
        .arg("--config")
        .arg(&config)
        .args(args)
        .env_remove("DATABASE_URL")
        .output()
        .unwrap()
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn text(out: &Output) -> String {
    format!("{}{}", stdout(out), String::from_utf8_lossy(&out.stderr))
}

#[test]
fn the_shops_migrations_match_its_models() {
    let dir = tempfile::tempdir().unwrap();
    let migrations = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/shop/migrations");
    let before: Vec<_> = std::fs::read_dir(&migrations).unwrap().map(|e| e.unwrap().file_name()).collect();

    let out = shop(dir.path(), &["makemigrations", "--check"]);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(stdout(&out).trim(), "No changes detected");
    let out = shop(dir.path(), &["makemigrations", "--dry-run"]);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(stdout(&out).trim(), "No changes detected");

    let after: Vec<_> = std::fs::read_dir(&migrations).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(before, after, "nothing is written");
    assert!(!dir.path().join("db.sqlite3").exists(), "the comparison never touches the app's database");
}

#[test]
fn showmigrations_and_the_plan_follow_migrate() {
    let dir = tempfile::tempdir().unwrap();
    let names = ["tandem_0001_sessions", "m0001_create_product", "m0002_create_review"];

    let out = shop(dir.path(), &["showmigrations"]);
    assert!(out.status.success(), "{}", text(&out));
    for name in names {
        assert!(stdout(&out).contains(&format!(" [ ] {name}\n")), "{}", text(&out));
    }
    assert!(!stdout(&out).contains("[X]"), "{}", text(&out));

    let out = shop(dir.path(), &["migrate", "--plan"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(stdout(&out).starts_with("Planned operations:\n"), "{}", text(&out));
    let plan = stdout(&out);
    let planned: Vec<&str> = plan.lines().skip(1).map(str::trim).collect();
    assert_eq!(planned.last(), Some(&"m0002_create_review"), "{}", text(&out));
    assert!(planned.contains(&"tandem_0001_sessions"), "{}", text(&out));
    // The plan applied nothing.
    let out = shop(dir.path(), &["showmigrations"]);
    assert!(!stdout(&out).contains("[X]"), "{}", text(&out));

    let out = shop(dir.path(), &["migrate"]);
    assert!(out.status.success(), "{}", text(&out));
    let out = shop(dir.path(), &["showmigrations"]);
    for name in names {
        assert!(stdout(&out).contains(&format!(" [X] {name}\n")), "{}", text(&out));
    }
    assert!(!stdout(&out).contains("[ ]"), "{}", text(&out));
    let out = shop(dir.path(), &["migrate", "--plan"]);
    assert_eq!(stdout(&out), "Planned operations:\n  No planned migration operations.\n", "{}", text(&out));
}
