//! Where password hashes are computed: a few dedicated threads, as many as
//! the machine has cores by default, shared by the whole process (hashing is
//! CPU-bound; more threads only add memory). Every hash and verification of
//! the crate runs here: [`authenticate`](crate::auth::authenticate), the
//! [`LoginGuard`](crate::auth::LoginGuard), Basic authentication,
//! [`create_user`](crate::auth::create_user), [`set_password`](crate::auth::set_password)
//! and the dummy hash for unknown users.
//!
//! A hash that finds every thread busy waits its turn, at most
//! `[auth] hash_wait_seconds` (each application's own); then it is refused with [`HashError::Busy`]
//! (a login answers 429 with `Retry-After`). Argon2 takes ~19 MiB per hash,
//! so at most `concurrency × 19 MiB` is in use at once, and the memory stays
//! with the same few threads instead of one blocking-pool thread per request.
//!
//! ```
//! # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
//! use tandem::auth::{hashing, password};
//!
//! let encoded = hashing::run(|| password::make_password("correct horse")).await.unwrap();
//! let ok = hashing::run(move || password::check_password("correct horse", &encoded)).await.unwrap();
//! assert!(ok);
//! assert!(hashing::stats().peak_running <= hashing::stats().concurrency);
//! # });
//! ```

use std::num::NonZeroUsize;
use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc::{Receiver, Sender};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore, oneshot};

/// What a client is told to wait when every hashing thread stayed busy.
pub const BUSY_RETRY_AFTER: Duration = Duration::from_secs(1);

/// How many hashes run at once and how long one waits for its turn.
///
/// ```
/// let settings = tandem::auth::hashing::HashSettings::default();
/// assert!(settings.concurrency.get() >= 1);
/// assert_eq!(settings.wait.as_secs(), 5);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HashSettings {
    /// Hashing threads; the number of cores by default.
    pub concurrency: NonZeroUsize,
    /// How long a hash waits for a free thread before it is refused.
    pub wait: Duration,
}

impl Default for HashSettings {
    fn default() -> Self {
        Self { concurrency: default_concurrency(), wait: Duration::from_secs(5) }
    }
}

/// The number of cores this process may use (cgroup limits included).
///
/// ```
/// assert!(tandem::auth::hashing::default_concurrency().get() >= 1);
/// ```
pub fn default_concurrency() -> NonZeroUsize {
    std::thread::available_parallelism().unwrap_or(NonZeroUsize::MIN)
}

/// Why a hash was not computed.
///
/// ```
/// use std::time::Duration;
/// use tandem::auth::hashing::HashError;
///
/// let busy = HashError::Busy(Duration::from_secs(5));
/// assert_eq!(busy.to_string(), "every password-hashing thread stayed busy for 5s");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HashError {
    /// No hashing thread became free within the wait.
    #[error("every password-hashing thread stayed busy for {}s", .0.as_secs())]
    Busy(Duration),
    /// The hashing thread failed (a panic) or could not be started.
    #[error("password hashing failed: {0}")]
    Failed(String),
}

/// What the hashing threads have done since the process started.
///
/// ```
/// let stats = tandem::auth::hashing::stats();
/// assert!(stats.running <= stats.concurrency && stats.peak_running <= stats.concurrency);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HashStats {
    /// Hashing threads.
    pub concurrency: usize,
    /// Hashes running now.
    pub running: usize,
    /// The most hashes ever seen running at once.
    pub peak_running: usize,
    /// Hashes computed.
    pub completed: u64,
    /// Hashes refused because every thread stayed busy.
    pub refused: u64,
}

type Job = Box<dyn FnOnce() + Send>;

struct Pool {
    settings: HashSettings,
    permits: Arc<Semaphore>,
    jobs: Sender<Job>,
    counters: Arc<Counters>,
}

#[derive(Default)]
struct Counters {
    running: AtomicUsize,
    peak: AtomicUsize,
    completed: AtomicU64,
    refused: AtomicU64,
}

static POOL: OnceLock<Pool> = OnceLock::new();

/// Sets the process's hashing threads (and the wait of [`run`]) from the
/// first application's settings (`App::prepare` calls it); later calls
/// change nothing, and say so in the log when they asked for another number
/// of threads. Returns whether `settings` are the ones in force.
///
/// ```
/// use tandem::auth::hashing::{self, HashSettings};
///
/// let first = hashing::configure(HashSettings::default());
/// assert_eq!(hashing::stats().concurrency, HashSettings::default().concurrency.get());
/// # let _ = first;
/// ```
pub fn configure(settings: HashSettings) -> bool {
    let pool = POOL.get_or_init(|| Pool::start(settings));
    if pool.settings.concurrency != settings.concurrency {
        tracing::warn!(
            in_force = ?pool.settings,
            asked = ?settings,
            "password hashing is already configured for this process; keeping the first settings"
        );
    }
    pool.settings == settings
}

/// The wait [`run`] uses: the first configured application's.
pub(crate) fn configured_wait() -> Duration {
    pool().settings.wait
}

fn pool() -> &'static Pool {
    POOL.get_or_init(|| Pool::start(HashSettings::default()))
}

/// The hashing threads' counters.
///
/// ```
/// let stats = tandem::auth::hashing::stats();
/// assert!(stats.concurrency >= 1);
/// ```
pub fn stats() -> HashStats {
    let pool = pool();
    let counters = &pool.counters;
    HashStats {
        concurrency: pool.settings.concurrency.get(),
        running: counters.running.load(Ordering::Relaxed),
        peak_running: counters.peak.load(Ordering::Relaxed),
        completed: counters.completed.load(Ordering::Relaxed),
        refused: counters.refused.load(Ordering::Relaxed),
    }
}

/// Runs `job` (a hash or a verification) on a hashing thread, once one is
/// free within the configured wait.
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// let answer = tandem::auth::hashing::run(|| 6 * 7).await;
/// assert_eq!(answer, Ok(42));
/// # });
/// ```
pub async fn run<T, F>(job: F) -> Result<T, HashError>
where
    T: Send + 'static,
    F: FnOnce() -> T + Send + 'static,
{
    run_waiting(pool().settings.wait, job).await
}

/// [`run`], waiting at most `wait` for a free thread (an application's
/// `[auth] hash_wait_seconds`; the threads are the process's).
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// use std::time::Duration;
/// let answer = tandem::auth::hashing::run_waiting(Duration::from_secs(1), || 6 * 7).await;
/// assert_eq!(answer, Ok(42));
/// # });
/// ```
pub async fn run_waiting<T, F>(wait: Duration, job: F) -> Result<T, HashError>
where
    T: Send + 'static,
    F: FnOnce() -> T + Send + 'static,
{
    let pool = pool();
    // A free thread is taken at once, even with no wait at all.
    let permit = match tokio::time::timeout(wait, pool.permits.clone().acquire_owned()).await {
        Ok(Ok(permit)) => permit,
        Ok(Err(closed)) => return Err(HashError::Failed(closed.to_string())),
        Err(_) => {
            pool.counters.refused.fetch_add(1, Ordering::Relaxed);
            tracing::warn!(?wait, "every password-hashing thread stayed busy; refusing");
            return Err(HashError::Busy(wait));
        }
    };
    let (reply, answer) = oneshot::channel();
    let counters = pool.counters.clone();
    let task: Job = Box::new(move || {
        let result = measured(&counters, permit, job);
        let _ = reply.send(result);
    });
    pool.jobs.send(task).map_err(|_| HashError::Failed("no hashing thread is running".into()))?;
    match answer.await {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(message)) => Err(HashError::Failed(message)),
        Err(_) => Err(HashError::Failed("the hashing thread stopped".into())),
    }
}

/// Runs `job`, counted, catching a panic; the permit is given back when the
/// job is done, even if the request that asked for it has gone.
fn measured<T>(counters: &Counters, permit: OwnedSemaphorePermit, job: impl FnOnce() -> T) -> Result<T, String> {
    let running = counters.running.fetch_add(1, Ordering::Relaxed) + 1;
    counters.peak.fetch_max(running, Ordering::Relaxed);
    let result = std::panic::catch_unwind(AssertUnwindSafe(job)).map_err(|panic| {
        let message =
            panic.downcast_ref::<&str>().map(|s| s.to_string()).or_else(|| panic.downcast_ref::<String>().cloned());
        message.unwrap_or_else(|| "a panic".into())
    });
    counters.running.fetch_sub(1, Ordering::Relaxed);
    counters.completed.fetch_add(1, Ordering::Relaxed);
    drop(permit);
    result
}

impl Pool {
    fn start(settings: HashSettings) -> Self {
        let (jobs, queue) = std::sync::mpsc::channel::<Job>();
        let queue = Arc::new(Mutex::new(queue));
        for i in 0..settings.concurrency.get() {
            let queue = queue.clone();
            let spawned = std::thread::Builder::new().name(format!("tandem-hash-{i}")).spawn(move || work(&queue));
            if let Err(error) = spawned {
                tracing::error!(%error, "cannot start a password-hashing thread");
            }
        }
        Self { settings, permits: Arc::new(Semaphore::new(settings.concurrency.get())), jobs, counters: Arc::default() }
    }
}

/// A hashing thread: takes the next job, runs it, until the process ends.
fn work(queue: &Mutex<Receiver<Job>>) {
    loop {
        let next = queue.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).recv();
        match next {
            Ok(job) => job(),
            Err(_) => return,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn no_more_than_the_threads_run_at_once_and_a_panic_is_an_error() {
        let jobs: Vec<_> = (0..16)
            .map(|i| {
                tokio::spawn(run(move || {
                    std::thread::sleep(Duration::from_millis(5));
                    i
                }))
            })
            .collect();
        for (i, job) in jobs.into_iter().enumerate() {
            assert_eq!(job.await.unwrap(), Ok(i));
        }
        let stats = stats();
        assert!(stats.peak_running <= stats.concurrency, "{stats:?}");
        assert!(stats.completed >= 16);
        let failed = run(|| -> u8 { panic!("boom") }).await;
        assert_eq!(failed, Err(HashError::Failed("boom".into())));
        assert_eq!(run(|| 1).await, Ok(1), "the thread survived the panic");
    }
}
