//! The application's command line, Django's `manage.py` in one binary.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};

mod accounts;
mod commands;
mod migrations;
mod reload;

pub use commands::{AppCommand, CommandContext};

use crate::app::{App, Error};
use crate::config::Settings;

#[derive(Parser)]
#[command(about = "A Tandem application")]
struct Cli {
    /// The settings file (default: `TANDEM_CONFIG`, else `Tandem.toml` next to the app).
    #[arg(long, global = true)]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the application (the default).
    Run {
        /// Development: rebuild and restart when the sources change, and
        /// reload the open pages (their tabs' states are kept); a failed
        /// build is shown over the page while the last good one serves.
        #[arg(long)]
        reload: bool,
    },
    /// Apply pending database migrations.
    Migrate {
        /// Print the migrations that would be applied, without applying them.
        #[arg(long)]
        plan: bool,
    },
    /// Write a migration for the model changes the migrations do not make yet.
    Makemigrations {
        /// Write nothing; exit non-zero, naming the changes, when a migration is missing.
        #[arg(long)]
        check: bool,
        /// Print the migration instead of writing it.
        #[arg(long)]
        dry_run: bool,
        /// The migration's name (`m0003_<name>`) instead of one derived from the changes.
        #[arg(long)]
        name: Option<String>,
    },
    /// List every migration: `[X]` applied, `[ ]` pending.
    Showmigrations,
    /// Print every route: path, methods, handler and which side serves it.
    Routes,
    /// Load Django-format JSON fixtures.
    Loaddata {
        /// Fixture files.
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Create a superuser. Without `--noinput` it prompts; with it, the
    /// password comes from `TANDEM_SUPERUSER_PASSWORD` or the first line of stdin.
    Createsuperuser {
        /// Login name.
        #[arg(long)]
        username: Option<String>,
        /// E-mail address.
        #[arg(long, default_value = "")]
        email: String,
        /// Never prompt.
        #[arg(long)]
        noinput: bool,
    },
    /// Change a user's password (prompted twice, or read from stdin when it is not a terminal).
    Changepassword {
        /// The user.
        username: String,
    },
    /// Delete expired sessions.
    Clearsessions,
    /// Print a user's API token for `Authorization: Token <key>`, creating it if needed.
    Createtoken {
        /// The user.
        username: String,
        /// Replace the existing token.
        #[arg(short, long)]
        reset: bool,
    },
}

pub(crate) fn main(app: App) -> ExitCode {
    init_tracing();
    let commands = app.commands();
    if let Err(error) = commands::check(commands) {
        eprintln!("error: {error}");
        return ExitCode::from(2);
    }
    let words: Vec<String> = std::env::args().collect();
    let (config, invocation) = match commands::find(commands, &words) {
        Some((config, command, args)) => (config, Invocation::App(command.clone(), args)),
        None => {
            let mut parser = Cli::command();
            if !commands.is_empty() {
                parser = parser.after_help(commands::help(commands));
            }
            let cli = match Cli::from_arg_matches(&parser.get_matches()) {
                Ok(cli) => cli,
                Err(error) => error.exit(),
            };
            (cli.config, Invocation::BuiltIn(cli.command.unwrap_or(Command::Run { reload: false })))
        }
    };
    let explicit_config = config.is_some();
    let file = config.unwrap_or_else(|| app.config_path());
    let settings = match app.settings(&file) {
        Ok(settings) => settings,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: cannot start the runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async {
        let command = match invocation {
            Invocation::App(command, args) => return command.run(settings, args).await,
            Invocation::BuiltIn(command) => command,
        };
        match command {
            Command::Run { reload: false } => app.run(settings).await,
            Command::Run { reload: true } => reload::run(app.root(), &file, explicit_config).await,
            Command::Migrate { plan: false } => migrate(&app, &settings).await,
            Command::Migrate { plan: true } => migrations::plan(&app, &settings).await,
            Command::Makemigrations { check, dry_run, name } => {
                migrations::makemigrations(&app, migrations::MakeOptions { check, dry_run, name }).await
            }
            Command::Showmigrations => migrations::showmigrations(&app, &settings).await,
            Command::Routes => routes(&app, &settings),
            Command::Loaddata { files } => loaddata(&app, &settings, &files).await,
            Command::Createsuperuser { username, email, noinput } => {
                accounts::createsuperuser(&app, &settings, username, email, noinput).await
            }
            Command::Changepassword { username } => accounts::changepassword(&settings, &username).await,
            Command::Clearsessions => accounts::clearsessions(&settings).await,
            Command::Createtoken { username, reset } => accounts::createtoken(&settings, &username, reset).await,
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

/// What the command line asks for.
enum Invocation {
    /// One of Tandem's commands.
    BuiltIn(Command),
    /// One the application added, with the words after its name.
    App(AppCommand, Vec<String>),
}

fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn,sea_orm=warn"));
    let _ = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).try_init();
}

async fn migrate(app: &App, settings: &Settings) -> Result<(), Error> {
    let db = crate::db::connect(&settings.database.url).await?;
    let applied = app.migrate(&db).await?;
    if applied.is_empty() {
        println!("No migrations to apply.");
    }
    for name in applied {
        println!("Applied {name}");
    }
    Ok(())
}

async fn loaddata(app: &App, settings: &Settings, files: &[PathBuf]) -> Result<(), Error> {
    let db = crate::db::connect(&settings.database.url).await?;
    let mut total = 0;
    for file in files {
        let text = std::fs::read_to_string(file)
            .map_err(|source| Error::Io { context: format!("cannot read {}", file.display()), source })?;
        total += app.load_fixture(&db, &text).await?;
    }
    println!("Installed {total} object(s) from {} fixture(s)", files.len());
    Ok(())
}

fn routes(app: &App, settings: &Settings) -> Result<(), Error> {
    let mut rows: Vec<[String; 4]> = Vec::new();
    for route in app.url_conf()?.routes() {
        let path = format!("/{}", route.route());
        let side = if settings.is_backend_path(&path) {
            if route.is_csrf_exempt() { "backend (csrf exempt)" } else { "backend" }
        } else {
            "unreachable: not under a backend prefix"
        };
        for (method, handler) in route.view().handlers() {
            rows.push([path.clone(), method.to_string(), handler.to_string(), side.to_string()]);
        }
    }
    for page in app.page_list() {
        let path = format!("/{}", page.route);
        let handler = format!("page `{}` (state `{}`)", page.title, page.state_name());
        rows.push([path, "GET".into(), handler, "ui".into()]);
    }
    for (path, method, handler) in crate::server::ui_routes() {
        rows.push([path.to_string(), method.to_string(), handler.to_string(), "ui".to_string()]);
    }
    let header = ["PATH", "METHOD", "HANDLER", "SIDE"].map(String::from);
    let widths: Vec<usize> =
        (0..4).map(|i| rows.iter().chain([&header]).map(|r| r[i].len()).max().unwrap_or(0)).collect();
    for row in std::iter::once(&header).chain(rows.iter()) {
        let line: Vec<String> = row.iter().zip(&widths).map(|(cell, w)| format!("{cell:<w$}")).collect();
        println!("{}", line.join("  ").trim_end());
    }
    Ok(())
}
