//! `createsuperuser`, `changepassword` and `clearsessions`.

use std::io::{BufRead, IsTerminal, Write};

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use crate::app::{App, Error};
use crate::auth::{self, NewUser, models::user};
use crate::config::Settings;

fn failure(message: impl Into<String>) -> Error {
    Error::Command(message.into())
}

fn read_line(prompt: &str) -> Result<String, Error> {
    print!("{prompt}");
    let _ = std::io::stdout().flush();
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|source| Error::Io { context: "cannot read stdin".into(), source })?;
    Ok(line.trim_end_matches(['\r', '\n']).to_string())
}

/// A new password: prompted twice without echo on a terminal, else the first
/// line of stdin. Never echoed or logged.
fn read_new_password() -> Result<String, Error> {
    let password = if std::io::stdin().is_terminal() {
        let read = |prompt: &str| {
            rpassword::prompt_password(prompt)
                .map_err(|source| Error::Io { context: "cannot read the password".into(), source })
        };
        let first = read("Password: ")?;
        if first != read("Password (again): ")? {
            return Err(failure("Your passwords didn't match."));
        }
        first
    } else {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .map_err(|source| Error::Io { context: "cannot read stdin".into(), source })?;
        line.trim_end_matches(['\r', '\n']).to_string()
    };
    if password.is_empty() {
        return Err(failure("Blank passwords aren't allowed."));
    }
    Ok(password)
}

pub(super) async fn createsuperuser(
    app: &App,
    settings: &Settings,
    username: Option<String>,
    email: String,
    noinput: bool,
) -> Result<(), Error> {
    let db = crate::db::connect(&settings.database.url).await?;
    app.migrate(&db).await?;
    let username = match username {
        Some(u) => u,
        None if noinput => return Err(failure("--username is required with --noinput")),
        None => read_line("Username: ")?,
    };
    if username.is_empty() || username.len() > 150 {
        return Err(failure("the username must have 1 to 150 characters"));
    }
    if user::Entity::find().filter(user::Column::Username.eq(&username)).one(&db).await?.is_some() {
        return Err(failure("That username is already taken."));
    }
    let password = match std::env::var("TANDEM_SUPERUSER_PASSWORD").ok().filter(|p| !p.is_empty()) {
        Some(p) => p,
        None => read_new_password()?,
    };
    let new =
        NewUser { username: &username, email: &email, password: Some(&password), is_staff: true, is_superuser: true };
    auth::create_user(&db, new).await?;
    println!("Superuser created successfully.");
    Ok(())
}

pub(super) async fn changepassword(settings: &Settings, username: &str) -> Result<(), Error> {
    let db = crate::db::connect(&settings.database.url).await?;
    let Some(found) = user::Entity::find().filter(user::Column::Username.eq(username)).one(&db).await? else {
        return Err(failure(format!("user '{username}' does not exist")));
    };
    println!("Changing password for user '{username}'");
    let password = read_new_password()?;
    auth::set_password(&db, &found, &password).await?;
    println!("Password changed successfully for user '{username}'");
    Ok(())
}

/// DRF's `drf_create_token`.
pub(super) async fn createtoken(settings: &Settings, username: &str, reset: bool) -> Result<(), Error> {
    let db = crate::db::connect(&settings.database.url).await?;
    let Some(found) = user::Entity::find().filter(user::Column::Username.eq(username)).one(&db).await? else {
        return Err(failure(format!("user '{username}' does not exist")));
    };
    let key = crate::rest::token::token_for(&db, &found, reset).await?;
    println!("Generated token {key} for user {username}");
    Ok(())
}

pub(super) async fn clearsessions(settings: &Settings) -> Result<(), Error> {
    let db = crate::db::connect(&settings.database.url).await?;
    let removed = crate::sessions::store::clear_expired(&db).await?;
    println!("Removed {removed} expired session(s).");
    Ok(())
}
