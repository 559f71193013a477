//! The scale-out run: the shop on PostgreSQL, first as one process keeping
//! tabs in its embedded store, then as two processes sharing Redis (tab
//! states with leases, the bus), `/counter` increments from the same number
//! of tabs (split over the two). Reports events/s and the CPU each costs —
//! the shop processes', and Redis's own — so the difference is what Redis
//! costs per event. Runs when `DATABASE_URL` names a PostgreSQL server and
//! `REDIS_URL` is set; otherwise the results say why it was skipped.

use std::time::Duration;

use sea_orm::{ConnectionTrait, Database};
use serde_json::{Value, json};

use crate::server::{Server, fill};
use crate::{events, procfs};

/// Both services, or why the run is skipped.
fn services() -> Result<(String, String), &'static str> {
    let database = std::env::var("DATABASE_URL").ok().filter(|u| u.starts_with("postgres"));
    let redis = std::env::var("REDIS_URL").ok().filter(|u| !u.is_empty());
    match (database, redis) {
        (Some(database), Some(redis)) => Ok((database, redis)),
        _ => Err("set DATABASE_URL=postgres://… and REDIS_URL=redis://… to run it"),
    }
}

/// The `redis-server` process on this machine, if there is one.
fn redis_pid() -> Option<u32> {
    let out = std::process::Command::new("pidof").arg("redis-server").output().ok()?;
    String::from_utf8_lossy(&out.stdout).split_whitespace().next()?.parse().ok()
}

/// A fresh database on the server of `admin`, filled with the data set.
async fn fresh_database(admin: &str) -> (String, String) {
    let name = format!("tandem_bench_{}", std::process::id());
    let server = Database::connect(admin).await.expect("cannot reach PostgreSQL");
    let _ = server.execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\"")).await;
    server.execute_unprepared(&format!("CREATE DATABASE \"{name}\"")).await.expect("cannot create a database");
    let base = admin.rsplit_once('/').map(|(base, _)| base).unwrap_or(admin);
    let url = format!("{base}/{name}");
    let db = tandem::db::connect(&url).await.expect("cannot open the new database");
    fill(&db).await;
    let _ = db.close().await;
    (url, name)
}

async fn drop_database(admin: &str, name: &str) {
    if let Ok(server) = Database::connect(admin).await {
        let _ = server.execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)")).await;
    }
}

/// `search("")` on `/` (the 100 active products reloaded into the state)
/// from 1 and 20 tabs on a shop over PostgreSQL, to set beside the same
/// event on SQLite; no rows without `DATABASE_URL=postgres://…`.
pub async fn search_on_postgres(duration: Duration) -> Vec<Value> {
    let Some(admin) = std::env::var("DATABASE_URL").ok().filter(|u| u.starts_with("postgres")) else {
        return Vec::new();
    };
    let (url, name) = fresh_database(&admin).await;
    let db = tandem::db::connect(&url).await.expect("cannot open the new database");
    crate::server::keep_active(&db, crate::CATALOG_ROWS).await;
    let _ = db.close().await;
    let dir = tempfile::tempdir().expect("cannot create a temporary folder");
    let config = dir.path().join("Tandem.toml");
    std::fs::write(
        &config,
        "[app]\nname = \"shop\"\n[database]\nurl = \"sqlite:unused.sqlite3\"\n[ui]\nburst = 1000000\nevents_per_second = 1000000\n",
    )
    .expect("cannot write Tandem.toml");
    let shop = Server::start("serve-shop", &[&config], "/", &[("DATABASE_URL", &url)]).await;
    let mut rows = Vec::new();
    for tabs in [1usize, 20] {
        let opened = events::open_tabs(&shop.addr, "/", tabs).await;
        let before = procfs::cpu_time(shop.pid()).unwrap_or_default();
        let (mut run, _tabs) = events::drive(opened, "search", json!([""]), duration).await;
        let cpu = procfs::cpu_time(shop.pid()).unwrap_or_default().saturating_sub(before);
        let mut row = json!({"event": "/ search (PostgreSQL)", "tabs": tabs});
        if let (Some(map), Value::Object(stats)) = (row.as_object_mut(), crate::event_stats(&mut run, cpu)) {
            map.extend(stats);
        }
        rows.push(row);
    }
    drop(shop);
    drop_database(&admin, &name).await;
    rows
}

/// One measurement: `tabs` tabs spread over `servers`, for `duration`.
async fn measure(servers: &[&Server], tabs: usize, duration: Duration) -> Value {
    let cpu = || servers.iter().map(|s| procfs::cpu_time(s.pid()).unwrap_or_default()).sum::<Duration>();
    let redis_cpu = || redis_pid().and_then(procfs::cpu_time).unwrap_or_default();
    let per_server = tabs.div_ceil(servers.len());
    let mut opened = Vec::with_capacity(servers.len());
    for server in servers {
        opened.push(events::open_tabs(&server.addr, "/counter", per_server).await);
    }
    let (before, redis_before) = (cpu(), redis_cpu());
    let runs: Vec<events::Run> = futures_util::future::join_all(
        opened.into_iter().map(|tabs| events::drive(tabs, "increment", json!([]), duration)),
    )
    .await
    .into_iter()
    .map(|(run, _tabs)| run)
    .collect();
    let (used, redis_used) = (cpu().saturating_sub(before), redis_cpu().saturating_sub(redis_before));
    let ok: u64 = runs.iter().map(|r| r.ok).sum();
    let errors: u64 = runs.iter().map(|r| r.errors).sum();
    let elapsed = runs.iter().map(|r| r.elapsed).max().unwrap_or_default();
    let mut latencies: Vec<Duration> = runs.into_iter().flat_map(|r| r.latencies).collect();
    let per_event = |d: Duration| if ok > 0 { (d.as_secs_f64() * 1e6 / ok as f64 * 10.0).round() / 10.0 } else { 0.0 };
    json!({
        "processes": servers.len(),
        "tabs": per_server * servers.len(),
        "events_per_s": (ok as f64 / elapsed.as_secs_f64().max(1e-9)).round() as u64,
        "p50_ms": crate::percentile(&mut latencies, 0.50),
        "p99_ms": crate::percentile(&mut latencies, 0.99),
        "cpu_us_per_event": per_event(used),
        "redis_cpu_us_per_event": per_event(redis_used),
        "errors": errors,
    })
}

/// The run's results (or why it was skipped).
pub async fn workload(duration: Duration, tabs: usize) -> Value {
    let (admin, redis) = match services() {
        Ok(found) => found,
        Err(why) => return json!({"skipped": why}),
    };
    let (url, name) = fresh_database(&admin).await;
    let dir = tempfile::tempdir().expect("cannot create a temporary folder");
    let config = dir.path().join("Tandem.toml");
    let prefix = format!("tandem-bench-{}", std::process::id());
    std::fs::write(
        &config,
        format!(
            "[app]\nname = \"shop\"\n[database]\nurl = \"sqlite:unused.sqlite3\"\n\
             [ui]\nburst = 1000000\nevents_per_second = 1000000\nredis_prefix = \"{prefix}\"\n"
        ),
    )
    .expect("cannot write Tandem.toml");

    let one = Server::start("serve-shop", &[&config], "/", &[("DATABASE_URL", &url)]).await;
    let embedded = measure(&[&one], tabs, duration).await;
    drop(one);
    let env = [("DATABASE_URL", url.as_str()), ("REDIS_URL", redis.as_str())];
    let a = Server::start("serve-shop", &[&config], "/", &env).await;
    let b = Server::start("serve-shop", &[&config], "/", &env).await;
    let shared = measure(&[&a, &b], tabs, duration).await;
    drop((a, b));
    drop_database(&admin, &name).await;

    let cost =
        shared["cpu_us_per_event"].as_f64().unwrap_or(0.0) - embedded["cpu_us_per_event"].as_f64().unwrap_or(0.0);
    json!({
        "one_process_embedded": embedded,
        "two_processes_redis": shared,
        "redis_cost_us_per_event": (cost * 10.0).round() / 10.0,
    })
}

/// The run's lines of the table.
pub fn print(results: &Value) {
    println!();
    if let Some(why) = results["skipped"].as_str() {
        println!("scale-out (PostgreSQL + Redis): skipped; {why}");
        return;
    }
    println!(
        "{:<34} {:>5} {:>10} {:>9} {:>9} {:>12} {:>12}",
        "scale-out, /counter increment", "tabs", "events/s", "p50 ms", "p99 ms", "CPU µs/event", "Redis µs/ev"
    );
    for (label, key) in
        [("1 process, embedded store", "one_process_embedded"), ("2 processes, Redis", "two_processes_redis")]
    {
        let row = &results[key];
        println!(
            "{:<34} {:>5} {:>10} {:>9.3} {:>9.3} {:>12} {:>12}",
            label,
            row["tabs"].to_string(),
            row["events_per_s"].to_string(),
            row["p50_ms"].as_f64().unwrap_or(0.0),
            row["p99_ms"].as_f64().unwrap_or(0.0),
            row["cpu_us_per_event"].to_string(),
            row["redis_cpu_us_per_event"].to_string(),
        );
    }
    println!("Redis costs the shop processes {} µs of CPU per event", results["redis_cost_us_per_event"]);
}
