//! The running server's housekeeping: every `[ui] sweep_seconds` idle tabs
//! are forgotten, every `[sessions] sweep_seconds` expired sessions are
//! deleted (what `clearsessions` does by hand), so neither grows with
//! visitors who never come back.

use std::sync::Arc;

use crate::context::AppContext;
use crate::ui::Engine;

/// Starts both sweeps on the current runtime; each ends when its engine or
/// pool is gone.
pub fn start(ctx: &AppContext, ui: &Arc<Engine>) {
    let engine = Arc::downgrade(ui);
    let every = ctx.settings.ui.sweep();
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
        loop {
            ticks.tick().await;
            let Some(engine) = engine.upgrade() else { break };
            match engine.expire().await {
                Ok(0) => {}
                Ok(n) => tracing::info!("forgot {n} idle tab(s)"),
                Err(error) => tracing::warn!(%error, "cannot expire idle tabs"),
            }
        }
    });
    let db = ctx.db.clone();
    let every = ctx.settings.sessions.sweep();
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
        loop {
            ticks.tick().await;
            match crate::sessions::store::clear_expired(&db).await {
                Ok(0) => {}
                Ok(n) => tracing::info!("deleted {n} expired session(s)"),
                // A closed pool (the server stopped): the sweep ends with it.
                Err(sea_orm::DbErr::ConnectionAcquire(_)) => break,
                Err(error) => tracing::warn!(%error, "cannot delete expired sessions"),
            }
        }
    });
}
