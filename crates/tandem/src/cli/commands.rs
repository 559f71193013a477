//! Commands an application adds beside the built-in ones (Django's custom
//! management commands).
//!
//! ```no_run
//! use tandem::App;
//! use tandem::cli::{AppCommand, CommandContext};
//!
//! async fn hello(ctx: CommandContext) -> Result<(), tandem::Error> {
//!     println!("hello from {:?}, with {:?}", ctx.settings.database.url, ctx.args);
//!     Ok(())
//! }
//!
//! fn main() -> std::process::ExitCode {
//!     App::new(env!("CARGO_MANIFEST_DIR"))
//!         .command(AppCommand::new("hello", "Say hello", hello))
//!         .main()
//! }
//! ```
//!
//! `cargo run -- hello a b` runs it with `args == ["a", "b"]`; `--help`
//! lists it under "Application commands".

use std::future::Future;
use std::sync::Arc;

use futures_util::future::BoxFuture;

use crate::app::Error;
use crate::config::Settings;
use crate::db::Db;

/// What an application command gets.
pub struct CommandContext {
    /// The resolved settings (`--config`, `Tandem.toml`, environment).
    pub settings: Settings,
    /// The application's database, connected (not migrated: run `migrate`).
    pub db: Db,
    /// The words after the command's name, as typed.
    pub args: Vec<String>,
}

type Runner = Arc<dyn Fn(CommandContext) -> BoxFuture<'static, Result<(), Error>> + Send + Sync>;

/// A named command of the application's binary.
#[derive(Clone)]
pub struct AppCommand {
    pub(crate) name: &'static str,
    pub(crate) about: &'static str,
    run: Runner,
}

/// The built-in commands' names, which an application command cannot take.
pub(crate) const BUILT_IN: [&str; 11] = [
    "run",
    "migrate",
    "makemigrations",
    "showmigrations",
    "routes",
    "loaddata",
    "createsuperuser",
    "changepassword",
    "clearsessions",
    "createtoken",
    "help",
];

impl AppCommand {
    /// A command `name` (a word such as `seed` or `export-orders`), described
    /// by `about` in `--help`, running `run`.
    pub fn new<F, Fut>(name: &'static str, about: &'static str, run: F) -> Self
    where
        F: Fn(CommandContext) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<(), Error>> + Send + 'static,
    {
        AppCommand { name, about, run: Arc::new(move |ctx| Box::pin(run(ctx))) }
    }

    pub(crate) async fn run(&self, settings: Settings, args: Vec<String>) -> Result<(), Error> {
        let db = crate::db::connect(&settings.database.url).await?;
        (self.run)(CommandContext { settings, db, args }).await
    }
}

/// Why `commands` cannot be added to the binary, if they cannot.
pub(crate) fn check(commands: &[AppCommand]) -> Result<(), String> {
    for (i, command) in commands.iter().enumerate() {
        let word = !command.name.is_empty()
            && !command.name.starts_with('-')
            && command.name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        if !word {
            return Err(format!("command name {:?}: use letters, digits, `-` and `_`", command.name));
        }
        if BUILT_IN.contains(&command.name) {
            return Err(format!("command `{}` is built in; choose another name", command.name));
        }
        if commands[..i].iter().any(|other| other.name == command.name) {
            return Err(format!("command `{}` is added twice", command.name));
        }
    }
    Ok(())
}

/// The `--help` section listing `commands`.
pub(crate) fn help(commands: &[AppCommand]) -> String {
    let width = commands.iter().map(|c| c.name.len()).max().unwrap_or(0);
    let lines: Vec<String> = commands.iter().map(|c| format!("  {:width$}  {}", c.name, c.about)).collect();
    format!("Application commands:\n{}", lines.join("\n"))
}

/// Where `args` (the process's, program name first) name an application
/// command: the `--config` value given before it, the command, and the
/// words after it.
pub(crate) fn find<'c>(
    commands: &'c [AppCommand],
    args: &[String],
) -> Option<(Option<std::path::PathBuf>, &'c AppCommand, Vec<String>)> {
    let mut config = None;
    let mut at = 1;
    while at < args.len() {
        let arg = &args[at];
        if arg == "--config" {
            config = args.get(at + 1).map(std::path::PathBuf::from);
            at += 2;
        } else if let Some(value) = arg.strip_prefix("--config=") {
            config = Some(value.into());
            at += 1;
        } else if arg.starts_with('-') {
            return None;
        } else {
            let command = commands.iter().find(|c| c.name == arg)?;
            return Some((config, command, args[at + 1..].to_vec()));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn noop(_: CommandContext) -> std::future::Ready<Result<(), Error>> {
        std::future::ready(Ok(()))
    }

    fn args(words: &[&str]) -> Vec<String> {
        std::iter::once("app").chain(words.iter().copied()).map(String::from).collect()
    }

    #[test]
    fn the_first_word_names_the_command_and_the_rest_are_its_arguments() {
        let commands = [AppCommand::new("seed", "Adds demo data", noop)];
        let (config, command, rest) = find(&commands, &args(&["--config", "x.toml", "seed", "--count", "3"])).unwrap();
        assert_eq!((config, command.name, rest), (Some("x.toml".into()), "seed", vec!["--count".into(), "3".into()]));
        assert!(find(&commands, &args(&["migrate"])).is_none(), "built-ins are clap's");
        assert!(find(&commands, &args(&["--help"])).is_none());
        assert!(find(&commands, &args(&[])).is_none());
        assert_eq!(help(&commands), "Application commands:\n  seed  Adds demo data");
    }

    #[test]
    fn names_are_words_of_their_own() {
        let clash = [AppCommand::new("migrate", "", noop)];
        assert_eq!(check(&clash).unwrap_err(), "command `migrate` is built in; choose another name");
        let twice = [AppCommand::new("seed", "", noop), AppCommand::new("seed", "", noop)];
        assert_eq!(check(&twice).unwrap_err(), "command `seed` is added twice");
        assert!(check(&[AppCommand::new("--seed", "", noop)]).is_err());
        assert!(check(&[AppCommand::new("export-orders", "", noop)]).is_ok());
    }
}
