//! Per-tab ordering inside one process: one async mutex per tab token, kept
//! in the table only while somebody holds it or waits for it. A token that
//! a client made up costs an entry for the length of one lookup, never for
//! the life of the process.
//!
//! ```
//! # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
//! let locks = tandem::ui::locks::TabLocks::default();
//! let held = locks.lock("a-token").await;
//! assert_eq!(locks.len(), 1);
//! drop(held);
//! assert_eq!(locks.len(), 0, "nobody holds or waits for it: gone");
//! # });
//! ```

use std::sync::{Arc, Mutex, MutexGuard};

use tokio::sync::OwnedMutexGuard;

type Entry = Arc<tokio::sync::Mutex<()>>;

/// The locks of the tabs that have work in progress.
#[derive(Default)]
pub struct TabLocks(Mutex<super::TokenMap<Entry>>);

/// A held tab lock; the table forgets the token when the last holder or
/// waiter lets go (a waiter whose future is dropped counts as letting go).
pub struct TabLock<'a> {
    locks: &'a TabLocks,
    token: String,
    entry: Option<Entry>,
    guard: Option<OwnedMutexGuard<()>>,
}

impl TabLocks {
    fn table(&self) -> MutexGuard<'_, super::TokenMap<Entry>> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Waits for the lock of `token`.
    pub async fn lock(&self, token: &str) -> TabLock<'_> {
        let entry = self.table().entry(token.to_string()).or_default().clone();
        let mut held = TabLock { locks: self, token: token.to_string(), entry: Some(entry.clone()), guard: None };
        held.guard = Some(entry.lock_owned().await);
        held
    }

    /// How many tokens have a holder or a waiter.
    pub fn len(&self) -> usize {
        self.table().len()
    }

    /// Whether no tab has work in progress.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl Drop for TabLock<'_> {
    fn drop(&mut self) {
        let mut table = self.locks.table();
        drop(self.guard.take());
        drop(self.entry.take());
        // Only the table's own reference left: nobody holds or waits.
        if table.get(&self.token).is_some_and(|entry| Arc::strong_count(entry) == 1) {
            table.remove(&self.token);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn waiters_keep_the_entry_and_cancelled_waiters_do_not_leak_it() {
        let locks = TabLocks::default();
        let first = locks.lock("t").await;
        let waiting = tokio::time::timeout(std::time::Duration::from_millis(20), locks.lock("t")).await;
        assert!(waiting.is_err(), "the second holder waits");
        assert_eq!(locks.len(), 1);
        drop(first);
        assert!(locks.is_empty(), "the cancelled waiter left nothing behind");
        for i in 0..1000 {
            drop(locks.lock(&format!("made-up-{i}")).await);
        }
        assert!(locks.is_empty());
    }
}
