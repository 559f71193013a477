//! `run --reload` on a project made by `tandem new`, driven in Chromium: a
//! one-line change in a page reaches the open page without losing its tab's
//! state, a compile error is shown over the page while the last good build
//! serves, and fixing it brings the page back.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use tandem::tokio;

/// The workspace's target folder, where the project is built too, so its
/// dependencies are the ones already compiled.
fn target_dir() -> PathBuf {
    let exe = Path::new(env!("CARGO_BIN_EXE_tandem"));
    exe.parent().and_then(Path::parent).expect("target/<profile>/tandem").to_path_buf()
}

fn cargo() -> Command {
    Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// The reloader, interrupted (as Ctrl-C does) when the test ends.
struct Reloader(Child);

impl Drop for Reloader {
    fn drop(&mut self) {
        let _ = Command::new("kill").args(["-INT", &self.0.id().to_string()]).status();
        let _ = self.0.wait();
    }
}

fn edit(file: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(file).unwrap();
    assert!(text.contains(from), "{from:?} not in {}", file.display());
    std::fs::write(file, text.replacen(from, to, 1)).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_saved_change_reaches_the_open_page_and_a_build_error_is_shown_over_it() {
    let browser = tandem::browser_or_skip!();
    let dir = tempfile::tempdir().unwrap();
    let project = dir.path().join("reload-site");
    let created = Command::new(env!("CARGO_BIN_EXE_tandem")).arg("new").arg(&project).output().unwrap();
    assert!(created.status.success(), "{}", String::from_utf8_lossy(&created.stderr));
    let target = target_dir();
    let built = cargo()
        .args(["build", "--quiet", "--manifest-path"])
        .arg(project.join("Cargo.toml"))
        .arg("--target-dir")
        .arg(&target)
        .status()
        .unwrap();
    assert!(built.success(), "the new project builds");

    let port = free_port();
    let log = std::fs::File::create(dir.path().join("reload.log")).unwrap();
    let _reloader = Reloader(
        Command::new(target.join("debug/reload-site"))
            .args(["run", "--reload"])
            .env("TANDEM_ADDR", format!("127.0.0.1:{port}"))
            // The project's own SQLite file in the temporary folder, whatever
            // the test run is pointed at.
            .env_remove("DATABASE_URL")
            .env_remove("REDIS_URL")
            .current_dir(&project)
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .unwrap(),
    );
    let base = format!("http://127.0.0.1:{port}");
    let deadline = Instant::now() + Duration::from_secs(60);
    while tandem::testing::reqwest::get(format!("{base}/ping")).await.is_err() {
        assert!(Instant::now() < deadline, "the project never answered");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    let tab = browser.open(&format!("{base}/")).await;
    tab.wait_for("document.querySelector('#count').textContent === '0 notes'").await;
    // State the tab alone holds: the error of a refused note.
    tab.click("#add-note button").await;
    tab.wait_for("document.querySelector('#error').textContent.includes('needs a title')").await;

    let page = project.join("src/pages/home.rs");
    let saved = Instant::now();
    edit(&page, "text(\" notes\")", "text(\" notes kept\")");
    let rebuild = Duration::from_secs(240);
    tab.wait_for_within("document.querySelector('#count').textContent === '0 notes kept'", rebuild).await;
    eprintln!("save to updated page: {:.1} s", saved.elapsed().as_secs_f64());
    tab.wait_for("document.querySelector('#error').textContent.includes('needs a title')").await;

    // A stylesheet reaches the page without a build.
    let css = project.join("static/css/site.css");
    edit(&css, "padding: 0.25rem 0;", "padding: 0.25rem 0;\n}\n#count {\n  color: rgb(1, 2, 3);");
    tab.wait_for("getComputedStyle(document.querySelector('#count')).color === 'rgb(1, 2, 3)'").await;

    edit(&page, "pub fn view(", "fn broken( {\npub fn view(");
    tab.wait_for_within(
        "(document.querySelector('#tandem-dev-overlay pre') || {}).textContent.includes('unclosed delimiter')",
        rebuild,
    )
    .await;
    assert_eq!(tab.text("#count").await, "0 notes kept", "the last good build still serves the page");

    edit(&page, "fn broken( {\n", "");
    edit(&page, "text(\" notes kept\")", "text(\" notes again\")");
    tab.wait_for_within("document.querySelector('#count').textContent === '0 notes again'", rebuild).await;
    tab.wait_for("!document.querySelector('#tandem-dev-overlay')").await;
    tab.wait_for("document.querySelector('#error').textContent.includes('needs a title')").await;
    browser.close().await;
    let log = std::fs::read_to_string(dir.path().join("reload.log")).unwrap_or_default();
    let steps: Vec<&str> = log.lines().filter(|line| line.starts_with("live reload")).collect();
    eprintln!("{}", steps.join("\n"));
    let builds = steps.iter().filter(|line| line.contains("building")).count();
    assert_eq!(builds, 3, "the page twice and the error: the stylesheet needed no build");
}
