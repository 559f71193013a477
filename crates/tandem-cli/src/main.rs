//! `tandem`: creates a Tandem project (`tandem new`) or adds an app to one
//! (`tandem startapp`), Django's `startproject` and `startapp`.
//!
//! ```text
//! cargo run -p tandem-cli -- new ~/mysite       # from a checkout of Tandem
//! cd ~/mysite && cargo run -- run --reload      # serves http://127.0.0.1:8000
//! tandem startapp blog                          # in the project's folder
//! ```

mod names;
mod project;
mod templates;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "tandem", about = "Creates Tandem projects and apps")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Creates a project in a new folder: settings, root URLs, one app with a
    /// model, a REST API and its migration, one reactive page, a test.
    New {
        /// The project's folder; its last part names the package.
        path: PathBuf,
        /// The first app's name.
        #[arg(long, default_value = "notes")]
        app: String,
        /// Depend on Tandem at this path (default: the checkout this command
        /// was built from).
        #[arg(long, conflicts_with = "tandem_git")]
        tandem_path: Option<PathBuf>,
        /// Depend on Tandem from this git repository instead.
        #[arg(long)]
        tandem_git: Option<String>,
        /// With `--tandem-git`: the branch, tag or commit.
        #[arg(long, requires = "tandem_git")]
        tandem_rev: Option<String>,
    },
    /// Adds an app (models, serializers, views, URLs, migrations) to the
    /// project in the current folder, or in `--project`.
    Startapp {
        /// The app's name, a Rust identifier such as `blog`.
        name: String,
        /// The project's folder.
        #[arg(long, default_value = ".")]
        project: PathBuf,
    },
}

fn main() -> ExitCode {
    let result = match Cli::parse().command {
        Command::New { path, app, tandem_path, tandem_git, tandem_rev } => {
            let source = match (tandem_git, tandem_path) {
                (Some(url), _) => project::Source::Git { url, rev: tandem_rev },
                (None, Some(path)) => project::Source::Path(path),
                (None, None) => project::Source::Path(project::built_from()),
            };
            project::new(&path, &app, &source)
        }
        Command::Startapp { name, project } => project::startapp(&project, &name),
    };
    match result {
        Ok(report) => {
            println!("{report}");
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::from(2)
        }
    }
}
