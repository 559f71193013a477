//! `run --reload`: serves the application in a child process, rebuilds it
//! when its sources change and restarts it when the build succeeds (the
//! old process serves until then), and tells the open pages
//! ([`crate::server::dev`]): they reload after a restart, keeping their
//! tabs' states, show a failed build's output over the page, and refresh
//! their stylesheets when only a static file changed (no build).

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

use tokio::process::{Child, Command};

use crate::app::Error;
use crate::server::dev::{BuildState, BuildStatus, STATUS_VAR};

/// How often the project's files are looked at, and how long they must stay
/// unchanged before a build starts (an editor saving several files).
const POLL: Duration = Duration::from_millis(200);

/// How long a stopped process may take to save its tabs and exit.
const STOP_TIMEOUT: Duration = Duration::from_secs(15);

/// What a change asks for.
#[derive(Debug, PartialEq, Eq)]
enum Change {
    /// Only static files: the pages refresh their stylesheets.
    Assets,
    /// The settings file: the same build is started again.
    Settings,
    /// Sources or the manifest: build, then restart.
    Sources,
}

/// The project being served, as the running binary tells it.
struct Project {
    root: PathBuf,
    config: PathBuf,
    /// The binary this process runs, which the build replaces.
    exe: PathBuf,
    /// `cargo build` arguments that rebuild that binary in place.
    build_args: Vec<OsString>,
    /// The command line given to each served process.
    serve_args: Vec<OsString>,
}

impl Project {
    fn new(root: &Path, config: &Path, explicit_config: bool) -> Result<Self, Error> {
        let io = |context: &str, source| Error::Io { context: context.to_string(), source };
        let exe = std::env::current_exe().map_err(|e| io("cannot find this program", e))?;
        let name = exe.file_stem().and_then(|n| n.to_str()).unwrap_or_default().to_string();
        // <target>/<profile>/<binary>, as `cargo run` leaves it.
        let profile_dir =
            exe.parent().ok_or_else(|| io("this program has no folder", std::io::ErrorKind::NotFound.into()))?;
        let target = profile_dir
            .parent()
            .ok_or_else(|| io("this program is not in a target folder", std::io::ErrorKind::NotFound.into()))?;
        let manifest = root.join("Cargo.toml");
        if !manifest.is_file() {
            return Err(io(
                &format!("--reload needs the project's sources; {} is missing", manifest.display()),
                std::io::ErrorKind::NotFound.into(),
            ));
        }
        let mut build_args: Vec<OsString> =
            ["build", "--quiet", "--color", "never", "--bin"].map(OsString::from).into();
        build_args.push(name.into());
        build_args.push("--manifest-path".into());
        build_args.push(manifest.into());
        build_args.push("--target-dir".into());
        build_args.push(target.into());
        match profile_dir.file_name().and_then(|n| n.to_str()) {
            Some("debug") | None => {}
            Some("release") => build_args.push("--release".into()),
            Some(other) => build_args.extend(["--profile".into(), other.into()]),
        }
        let mut serve_args: Vec<OsString> = Vec::new();
        if explicit_config {
            serve_args.extend(["--config".into(), config.as_os_str().to_owned()]);
        }
        serve_args.push("run".into());
        Ok(Self { root: root.to_path_buf(), config: config.to_path_buf(), exe, build_args, serve_args })
    }

    /// Every watched file and when it last changed: `src/`, `static/`,
    /// `templates/`, the manifest, `build.rs` and the settings file.
    fn snapshot(&self) -> BTreeMap<PathBuf, SystemTime> {
        let mut files = BTreeMap::new();
        for folder in ["src", "static", "templates"] {
            walk(&self.root.join(folder), &mut files);
        }
        for file in [self.root.join("Cargo.toml"), self.root.join("build.rs"), self.config.clone()] {
            if let Ok(modified) = std::fs::metadata(&file).and_then(|m| m.modified()) {
                files.insert(file, modified);
            }
        }
        files
    }

    /// What the difference between two snapshots asks for.
    fn change(&self, before: &BTreeMap<PathBuf, SystemTime>, after: &BTreeMap<PathBuf, SystemTime>) -> Option<Change> {
        let changed: Vec<&PathBuf> =
            before.keys().chain(after.keys()).filter(|path| before.get(*path) != after.get(*path)).collect();
        if changed.is_empty() {
            None
        } else if changed.iter().all(|path| path.starts_with(self.root.join("static"))) {
            Some(Change::Assets)
        } else if changed.iter().all(|path| **path == self.config) {
            Some(Change::Settings)
        } else {
            Some(Change::Sources)
        }
    }

    fn serve(&self, status_file: &Path) -> Result<Child, Error> {
        Command::new(&self.exe)
            .args(&self.serve_args)
            .env(STATUS_VAR, status_file)
            .kill_on_drop(true)
            .spawn()
            .map_err(|source| Error::Io { context: format!("cannot start {}", self.exe.display()), source })
    }

    /// Builds; the compiler's output when it failed.
    async fn build(&self) -> Result<(), String> {
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let output = Command::new(cargo)
            .args(&self.build_args)
            .output()
            .await
            .map_err(|error| format!("cannot run cargo: {error}"))?;
        if output.status.success() { Ok(()) } else { Err(String::from_utf8_lossy(&output.stderr).into_owned()) }
    }
}

fn walk(folder: &Path, files: &mut BTreeMap<PathBuf, SystemTime>) {
    let Ok(entries) = std::fs::read_dir(folder) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        let hidden = entry.file_name().to_string_lossy().starts_with('.');
        match entry.file_type() {
            Ok(kind) if kind.is_dir() && !hidden => walk(&path, files),
            Ok(kind) if kind.is_file() && !hidden => {
                if let Ok(modified) = entry.metadata().and_then(|m| m.modified()) {
                    files.insert(path, modified);
                }
            }
            _ => {}
        }
    }
}

/// Stops the served process as a deploy does (SIGTERM: it saves its tabs
/// and tells them to reconnect), killing it if it takes too long.
async fn stop(child: &mut Child) {
    if let Some(pid) = child.id().and_then(|pid| i32::try_from(pid).ok()) {
        // SAFETY: a plain signal to our own child process.
        unsafe { libc::kill(pid, libc::SIGTERM) };
        if tokio::time::timeout(STOP_TIMEOUT, child.wait()).await.is_ok() {
            return;
        }
    }
    let _ = child.kill().await;
}

/// Serves with live reload until interrupted.
pub(super) async fn run(root: &Path, config: &Path, explicit_config: bool) -> Result<(), Error> {
    let project = Project::new(root, config, explicit_config)?;
    let folder = tempfile_dir()?;
    let status_file = folder.join("status.json");
    let mut status = BuildStatus::default();
    let write = |status: &BuildStatus| {
        status
            .write(&status_file)
            .map_err(|source| Error::Io { context: format!("cannot write {}", status_file.display()), source })
    };
    write(&status)?;
    let mut child = project.serve(&status_file)?;
    let mut seen = project.snapshot();
    eprintln!("live reload: watching {} (Ctrl-C stops)", project.root.display());
    let interrupted = crate::server::shutdown_signal();
    tokio::pin!(interrupted);
    loop {
        tokio::select! {
            _ = &mut interrupted => break,
            _ = tokio::time::sleep(POLL) => {}
        }
        let mut now = project.snapshot();
        if project.change(&seen, &now).is_none() {
            continue;
        }
        // Let a burst of saves settle before acting on it.
        loop {
            tokio::time::sleep(POLL).await;
            let later = project.snapshot();
            if later == now {
                break;
            }
            now = later;
        }
        let change = project.change(&seen, &now);
        seen = now;
        let started = Instant::now();
        match change {
            None => continue,
            Some(Change::Assets) => {
                status.assets += 1;
                write(&status)?;
                eprintln!("live reload: static files changed");
                continue;
            }
            Some(Change::Settings) => {}
            Some(Change::Sources) => {
                status.state = BuildState::Building;
                write(&status)?;
                eprintln!("live reload: building…");
                if let Err(output) = project.build().await {
                    eprintln!("{output}\nlive reload: the build failed; the last good build still serves");
                    status = BuildStatus { state: BuildState::Failed, output, ..status };
                    write(&status)?;
                    continue;
                }
            }
        }
        stop(&mut child).await;
        status = BuildStatus { state: BuildState::Ready, output: String::new(), ..status };
        write(&status)?;
        child = project.serve(&status_file)?;
        eprintln!("live reload: restarted in {:.1} s", started.elapsed().as_secs_f64());
    }
    stop(&mut child).await;
    let _ = std::fs::remove_dir_all(&folder);
    Ok(())
}

/// A folder of this reloader's own for the status file.
fn tempfile_dir() -> Result<PathBuf, Error> {
    let folder = std::env::temp_dir().join(format!("tandem-reload-{}", std::process::id()));
    std::fs::create_dir_all(&folder)
        .map_err(|source| Error::Io { context: format!("cannot create {}", folder.display()), source })?;
    Ok(folder)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn project(root: &Path) -> Project {
        Project {
            root: root.to_path_buf(),
            config: root.join("Tandem.toml"),
            exe: root.join("app"),
            build_args: Vec::new(),
            serve_args: Vec::new(),
        }
    }

    #[test]
    fn changes_are_told_apart() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        for folder in ["src/pages", "static/css", "src/.hidden"] {
            std::fs::create_dir_all(root.join(folder)).unwrap();
        }
        for file in
            ["src/lib.rs", "src/pages/home.rs", "static/css/app.css", "Tandem.toml", "Cargo.toml", "src/.hidden/x"]
        {
            std::fs::write(root.join(file), "v1").unwrap();
        }
        let project = project(root);
        let before = project.snapshot();
        assert!(
            before.contains_key(&root.join("src/pages/home.rs")) && !before.contains_key(&root.join("src/.hidden/x"))
        );
        assert_eq!(project.change(&before, &before), None);
        let touch = |file: &str| {
            let mut after = before.clone();
            after.insert(root.join(file), SystemTime::UNIX_EPOCH);
            project.change(&before, &after)
        };
        assert_eq!(touch("static/css/app.css"), Some(Change::Assets));
        assert_eq!(touch("Tandem.toml"), Some(Change::Settings));
        assert_eq!(touch("src/pages/home.rs"), Some(Change::Sources));
        assert_eq!(touch("src/pages/new.rs"), Some(Change::Sources), "a new file counts");
        let mut gone = before.clone();
        gone.remove(&root.join("src/lib.rs"));
        assert_eq!(project.change(&before, &gone), Some(Change::Sources), "a removed file counts");
    }
}
