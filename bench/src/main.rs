//! Tandem's benchmark harness: `cargo run --release -p tandem-bench -- all`
//! (and `-- soak`, which is not part of `all`: it runs for minutes).
//! See `bench/README.md` for the workloads and how to read the table.

mod admin;
mod baseline;
mod baseline_rusqlite;
mod events;
mod http;
mod procfs;
mod rows_page;
mod scale;
mod server;
mod soak;

use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;

use serde_json::{Value, json};

use server::Server;

/// The allocator the shop's own binary uses, so `serve-shop` runs it as
/// `cargo run -p shop` does (the baseline, in this same binary, gets it too).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// How long each measurement runs.
#[derive(Clone, Copy)]
struct Plan {
    http_round: Duration,
    http_rounds: usize,
    event_run: Duration,
    idle_tabs: usize,
    scale_tabs: usize,
}

impl Plan {
    fn full() -> Self {
        Plan {
            http_round: Duration::from_secs(2),
            http_rounds: 8,
            event_run: Duration::from_secs(4),
            idle_tabs: 1000,
            scale_tabs: 50,
        }
    }

    fn quick() -> Self {
        Plan {
            http_round: Duration::from_millis(300),
            http_rounds: 2,
            event_run: Duration::from_millis(300),
            idle_tabs: 50,
            scale_tabs: 10,
        }
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("serve-shop") if args.len() == 3 => server::serve_shop(Path::new(&args[1]), &args[2]),
        Some(mode @ ("serve-baseline" | "serve-baseline-rusqlite")) if args.len() == 3 => {
            let runtime = tokio::runtime::Runtime::new().expect("no runtime");
            let served = if mode == "serve-baseline" {
                runtime.block_on(baseline::serve(&args[1], &args[2]))
            } else {
                runtime.block_on(baseline_rusqlite::serve(&args[1], &args[2]))
            };
            match served {
                Ok(()) => ExitCode::SUCCESS,
                Err(error) => {
                    eprintln!("error: {error}");
                    ExitCode::FAILURE
                }
            }
        }
        // `load <addr> <path> <seconds>`: load an already running server, for profiling.
        Some("load") if args.len() == 4 => {
            let runtime = tokio::runtime::Runtime::new().expect("no runtime");
            let seconds: f64 = args[3].parse().unwrap_or(5.0);
            let load = runtime.block_on(http::load(&args[1], &[args[2].clone()], 16, Duration::from_secs_f64(seconds)));
            println!(
                "{} ok, {} errors, {:.0} req/s",
                load.ok,
                load.errors,
                load.ok as f64 / load.elapsed.as_secs_f64()
            );
            ExitCode::SUCCESS
        }
        // `drive <addr> <tabs> <seconds>`: `/counter` increments against an
        // already running server, for profiling.
        Some("drive") if args.len() == 4 => {
            let runtime = tokio::runtime::Runtime::new().expect("no runtime");
            let tabs: usize = args[2].parse().unwrap_or(50);
            let seconds: f64 = args[3].parse().unwrap_or(5.0);
            let (run, _tabs) = runtime.block_on(async {
                let opened = events::open_tabs(&args[1], "/counter", tabs).await;
                events::drive(opened, "increment", json!([]), Duration::from_secs_f64(seconds)).await
            });
            println!("{} ok, {} errors, {:.0} events/s", run.ok, run.errors, run.ok as f64 / run.elapsed.as_secs_f64());
            ExitCode::SUCCESS
        }
        Some("all") => {
            let quick = args.iter().any(|a| a == "--quick");
            let json_file = args.iter().position(|a| a == "--json").and_then(|i| args.get(i + 1)).cloned();
            let only = args.iter().position(|a| a == "--only").and_then(|i| args.get(i + 1)).cloned();
            if let Some(name) = only.as_deref().filter(|name| !SECTIONS.contains(name)) {
                eprintln!("error: --only takes one of {}, not {name}", SECTIONS.join(", "));
                return ExitCode::from(2);
            }
            let runtime = tokio::runtime::Runtime::new().expect("no runtime");
            let plan = if quick { Plan::quick() } else { Plan::full() };
            let results = runtime.block_on(all(plan, quick, only.as_deref()));
            print_table(&results);
            write_json(json_file.as_deref(), &results)
        }
        // `soak [--quick] [--json FILE]`: minutes of mixed traffic, RSS and database size round by round.
        Some("soak") => {
            let quick = args.iter().any(|a| a == "--quick");
            let json_file = args.iter().position(|a| a == "--json").and_then(|i| args.get(i + 1)).cloned();
            let runtime = tokio::runtime::Runtime::new().expect("no runtime");
            let soak = runtime.block_on(soak::run(quick));
            let results = json!({"date": chrono_date(), "machine": machine(), "quick": quick, "soak": soak});
            println!(
                "Tandem soak, {} ({})",
                results["date"].as_str().unwrap_or(""),
                results["machine"].as_str().unwrap_or("")
            );
            soak::print(&results["soak"]);
            write_json(json_file.as_deref(), &results)
        }
        _ => {
            eprintln!(
                "usage: tandem-bench all [--quick] [--only SECTION] [--json FILE] | soak [--quick] [--json FILE] | load ADDR PATH SECONDS | drive ADDR TABS SECONDS"
            );
            ExitCode::from(2)
        }
    }
}

/// Writes `results` to `file` as pretty JSON, when a file was asked for.
fn write_json(file: Option<&str>, results: &Value) -> ExitCode {
    let Some(file) = file else { return ExitCode::SUCCESS };
    let text = serde_json::to_string_pretty(results).unwrap_or_default();
    match std::fs::write(file, text + "\n") {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: cannot write {file}: {error}");
            ExitCode::FAILURE
        }
    }
}

fn percentile(latencies: &mut [Duration], p: f64) -> f64 {
    if latencies.is_empty() {
        return 0.0;
    }
    latencies.sort_unstable();
    let index = ((latencies.len() as f64 - 1.0) * p).round() as usize;
    latencies[index].as_secs_f64() * 1000.0
}

fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    format!("{cores} cores, {cpu}")
}

/// The table's sections, in the order they run; `--only` picks one.
const SECTIONS: [&str; 8] = ["http", "events", "search", "memory", "streams", "startup", "scale", "admin"];

async fn all(plan: Plan, quick: bool, only: Option<&str>) -> Value {
    let runs = |section: &str| only.is_none_or(|name| name == section);
    let (_dir, config, db) = server::prepare().await;
    let mut http = Value::Null;
    let mut events = Value::Null;
    if runs("http") || runs("events") {
        let tandem = Server::start("serve-shop", &[&config], "/", &[]).await;
        let baseline = Server::start("serve-baseline", &[&db], "/ping", &[]).await;
        if runs("http") {
            let rusqlite = Server::start("serve-baseline-rusqlite", &[&db], "/ping", &[]).await;
            http = http_workloads(plan, &[&tandem, &baseline, &rusqlite]).await;
        }
        if runs("events") {
            events = event_workloads(plan, &tandem, &baseline).await;
            if let Value::Array(rows) = &mut events {
                rows.extend(list_rows(plan, &tandem).await);
            }
            // What answering only after the commit costs: the same shop,
            // answering before it (written behind every 100 ms).
            let behind = server::write_behind_config(&config);
            let write_behind = Server::start("serve-shop", &[&behind], "/", &[]).await;
            if let Value::Array(rows) = &mut events {
                rows.extend(write_behind_rows(plan, &write_behind, &baseline).await);
                // The list's cost to the engine alone: the tab is written behind.
                for mut row in list_rows(plan, &write_behind).await {
                    row["event"] = json!(format!("{} (write-behind)", row["event"].as_str().unwrap_or("")));
                    rows.push(row);
                }
                rows.extend(scale::search_on_postgres(plan.event_run).await);
            }
        }
    }
    if only == Some("search") {
        // `search` on PostgreSQL alone (also part of `events`).
        events = Value::Array(scale::search_on_postgres(plan.event_run).await);
    }
    let mut memory = Value::Null;
    if runs("memory") {
        // A fresh process, so memory freed by earlier workloads does not hide the tabs' cost.
        let fresh = Server::start("serve-shop", &[&config], "/", &[]).await;
        memory = memory_workload(plan, &fresh, "/counter").await;
        drop(fresh);
        // `/` with 100 active products, in another fresh process.
        let sqlite = tandem::db::connect(&format!("sqlite://{}", db.display())).await.expect("the database");
        server::keep_active(&sqlite, CATALOG_ROWS).await;
        let fresh = Server::start("serve-shop", &[&config], "/", &[]).await;
        memory["catalog"] = memory_workload(plan, &fresh, "/").await;
        memory["catalog"]["products"] = json!(CATALOG_ROWS);
        drop(fresh);
        server::restore_active(&sqlite).await;
        let _ = sqlite.close().await;
    }
    let streams = if runs("streams") { streams_workload(plan, quick, &config).await } else { Value::Null };
    let startup = if runs("startup") { startup_workload(&config).await } else { Value::Null };
    let scale = if runs("scale") { scale::workload(plan.event_run, plan.scale_tabs).await } else { Value::Null };
    let admin = if runs("admin") { admin::workload(quick).await } else { Value::Null };
    json!({
        "date": chrono_date(),
        "machine": machine(),
        "quick": quick,
        "http": http,
        "events": events,
        "memory": memory,
        "streams": streams,
        "startup": startup,
        "scale": scale,
        "admin": admin,
    })
}

fn chrono_date() -> String {
    std::process::Command::new("date")
        .arg("-u")
        .arg("+%Y-%m-%d %H:%M UTC")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .map(|s| s.trim().to_string())
        .unwrap_or_default()
}

async fn http_workloads(plan: Plan, sides: &[&Server; 3]) -> Value {
    let detail_paths: Vec<String> = (1..=server::PRODUCTS).map(|i| format!("/api/shop/products/{i}/")).collect();
    let routes = [
        ("GET /api/shop/active/", vec!["/api/shop/active/".to_string()]),
        ("GET /api/shop/products/{id}/", detail_paths),
    ];
    let mut rows = Vec::new();
    for (name, paths) in routes {
        // The same JSON from every side, or the comparison means nothing.
        let ours = http::get(&sides[0].addr, &paths[0], "").await.expect("tandem answers").body;
        for side in &sides[1..] {
            let theirs = http::get(&side.addr, &paths[0], "").await.expect("a baseline answers").body;
            assert_eq!(ours, theirs, "{name}: every server must return identical JSON");
        }
        let mut totals = [http::Load::default(), http::Load::default(), http::Load::default()];
        // Tandem ÷ each baseline, round by round: the sides of a round ran
        // seconds apart, under the same conditions.
        let mut round_ratios = [Vec::new(), Vec::new()];
        for round in 0..plan.http_rounds {
            // Rotate which side goes first: the machine is noisy.
            let mut rates = [0.0; 3];
            for step in 0..3 {
                let side = (round + step) % 3;
                let load = http::load(&sides[side].addr, &paths, 16, plan.http_round).await;
                rates[side] = load.ok as f64 / load.elapsed.as_secs_f64().max(1e-9);
                let total = &mut totals[side];
                total.ok += load.ok;
                total.errors += load.errors;
                total.latencies.extend(load.latencies);
                total.elapsed += load.elapsed;
            }
            for (baseline, ratios) in round_ratios.iter_mut().enumerate() {
                ratios.push(rates[0] / rates[baseline + 1].max(1.0));
            }
        }
        let stats: Vec<Value> = totals
            .iter_mut()
            .map(|load| {
                let rps = load.ok as f64 / load.elapsed.as_secs_f64().max(1e-9);
                json!({
                    "requests_per_s": rps.round() as u64,
                    "p50_ms": percentile(&mut load.latencies, 0.50),
                    "p99_ms": percentile(&mut load.latencies, 0.99),
                    "errors": load.errors,
                })
            })
            .collect();
        let [(ratio, range), (ratio_rusqlite, range_rusqlite)] = round_ratios.map(median_and_range);
        rows.push(json!({
            "route": name,
            "tandem": stats[0],
            "baseline": stats[1],
            "rusqlite": stats[2],
            "ratio": ratio,
            "ratio_range": range,
            "ratio_rusqlite": ratio_rusqlite,
            "ratio_rusqlite_range": range_rusqlite,
        }));
    }
    // Writes last: they add (inactive) products, which the routes above and
    // the events' `search` (active products only) never show.
    let mut creates = http::load_creates(&sides[0].addr, 16, plan.http_round * 4).await;
    rows.push(json!({
        "route": "POST /api/shop/products/",
        "tandem": {
            "requests_per_s": (creates.ok as f64 / creates.elapsed.as_secs_f64().max(1e-9)).round() as u64,
            "p50_ms": percentile(&mut creates.latencies, 0.50),
            "p99_ms": percentile(&mut creates.latencies, 0.99),
            "errors": creates.errors,
        },
    }));
    Value::Array(rows)
}

/// The median of `ratios` and their range, to the hundredth.
fn median_and_range(mut ratios: Vec<f64>) -> (f64, [f64; 2]) {
    ratios.sort_by(f64::total_cmp);
    let hundredths = |r: f64| (r * 100.0).round() / 100.0;
    let middle = ratios.len() / 2;
    let median = match ratios.len() {
        0 => 0.0,
        n if n % 2 == 1 => ratios[middle],
        _ => (ratios[middle - 1] + ratios[middle]) / 2.0,
    };
    (hundredths(median), [ratios.first(), ratios.last()].map(|r| hundredths(r.copied().unwrap_or(0.0))))
}

async fn event_workloads(plan: Plan, tandem: &Server, baseline: &Server) -> Value {
    let mut rows = Vec::new();
    for tabs in [1usize, 20, 50] {
        // Only `increment` has a hand-written counterpart in the baseline.
        rows.push(against_baseline(plan, tandem, baseline, "/counter increment", tabs).await);
    }
    for tabs in [1usize, 20, 50] {
        let mut stats = measure_alternating(plan, &[(tandem, "/")], "search", json!([""]), tabs).await;
        rows.push(event_row("/ search", tabs, stats.remove(0)));
    }
    Value::Array(rows)
}

/// `increment` on `/counter` of `tandem` and on the hand-written counter,
/// alternating by halves: the row of `tandem` (named `name`) with the
/// baseline's figures, `ratio` (events/s, Tandem ÷ baseline) and
/// `cpu_ratio` (CPU per event, Tandem ÷ baseline).
async fn against_baseline(plan: Plan, tandem: &Server, baseline: &Server, name: &str, tabs: usize) -> Value {
    let sides = [(tandem, "/counter"), (baseline, "/counter")];
    let mut stats = measure_alternating(plan, &sides, "increment", json!([]), tabs).await;
    let theirs = stats.pop().unwrap_or_default();
    let mut row = event_row(name, tabs, stats.pop().unwrap_or_default());
    let of = |stats: &Value, key: &str| stats[key].as_f64().unwrap_or(0.0);
    let ratio = of(&row, "events_per_s") / of(&theirs, "events_per_s").max(1.0);
    row["ratio"] = json!((ratio * 100.0).round() / 100.0);
    let cpu_ratio = of(&row, "cpu_us_per_event") / of(&theirs, "cpu_us_per_event").max(1e-9);
    row["cpu_ratio"] = json!((cpu_ratio * 100.0).round() / 100.0);
    row["ratio_of"] = json!(format!("{name} ÷ the hand-written counter"));
    row["baseline"] = theirs;
    row
}

/// `increment` on a shop that answers before the commit, at 20 and 50
/// tabs, against the hand-written counter.
async fn write_behind_rows(plan: Plan, shop: &Server, baseline: &Server) -> Vec<Value> {
    let mut rows = Vec::new();
    for tabs in [20usize, 50] {
        rows.push(against_baseline(plan, shop, baseline, "/counter increment (write-behind)", tabs).await);
    }
    rows
}

/// A table row: `event` at `tabs` tabs with its figures.
fn event_row(event: &str, tabs: usize, stats: Value) -> Value {
    let mut row = json!({"event": event, "tabs": tabs});
    if let (Some(map), Value::Object(stats)) = (row.as_object_mut(), stats) {
        map.extend(stats);
    }
    row
}

/// `event` from `tabs` tabs on each side (a server and a page), the sides
/// taking turns by halves of `plan.event_run`, the one that goes first
/// alternating (the machine is noisy): each side's figures, in order. The
/// CPU is measured around the events only (opening the tabs is not their
/// cost).
async fn measure_alternating(
    plan: Plan,
    sides: &[(&Server, &str)],
    event: &str,
    args: Value,
    tabs: usize,
) -> Vec<Value> {
    let mut opened = Vec::new();
    for (server, path) in sides {
        opened.push(events::open_tabs(&server.addr, path, tabs).await);
    }
    let mut measured: Vec<(events::Run, Duration)> = sides.iter().map(|_| Default::default()).collect();
    for half in 0..2 {
        for step in 0..sides.len() {
            let side = (half + step) % sides.len();
            let pid = sides[side].0.pid();
            let before = procfs::cpu_time(pid).unwrap_or_default();
            let tabs = std::mem::take(&mut opened[side]);
            let (run, tabs) = events::drive(tabs, event, args.clone(), plan.event_run / 2).await;
            let cpu = procfs::cpu_time(pid).unwrap_or_default().saturating_sub(before);
            opened[side] = tabs;
            let (total, total_cpu) = &mut measured[side];
            total.elapsed += run.elapsed;
            total.add(run);
            *total_cpu += cpu;
        }
    }
    measured.iter_mut().map(|(run, cpu)| event_stats(run, *cpu)).collect()
}

/// Events/s, p50, p99 and server CPU per event of one side's runs.
fn event_stats(run: &mut events::Run, cpu: Duration) -> Value {
    let per_s = run.ok as f64 / run.elapsed.as_secs_f64().max(1e-9);
    let cpu_per_event = if run.ok > 0 { (cpu.as_secs_f64() * 1e6 / run.ok as f64 * 10.0).round() / 10.0 } else { 0.0 };
    json!({
        "events_per_s": per_s.round() as u64,
        "p50_ms": percentile(&mut run.latencies, 0.50),
        "p99_ms": percentile(&mut run.latencies, 0.99),
        "cpu_us_per_event": cpu_per_event,
        "errors": run.errors,
    })
}

/// The active products `/` shows in the memory section and in `search` on
/// PostgreSQL.
const CATALOG_ROWS: i64 = 100;

/// `increment` on the benchmark's page holding 1,000 rows and on the same
/// page holding none, at 1 and 20 tabs, the two sides alternating by
/// halves: what the list costs an event that changes only a counter
/// (`cpu_ratio`, CPU per event at 1,000 rows ÷ at none; ideally 1).
async fn list_rows(plan: Plan, tandem: &Server) -> Vec<Value> {
    alternating(plan, tandem, &["/bench/rows/1000", "/bench/rows/0"], "increment", &[1, 20]).await
}

/// `event` on each of `paths` at each number of `tab_counts`, the sides
/// alternating by halves; the first side's row gets `cpu_ratio`, its CPU
/// per event ÷ the last side's.
async fn alternating(plan: Plan, tandem: &Server, paths: &[&str], event: &str, tab_counts: &[usize]) -> Vec<Value> {
    let mut rows = Vec::new();
    let sides: Vec<(&Server, &str)> = paths.iter().map(|path| (tandem, *path)).collect();
    for &tabs in tab_counts {
        let stats = measure_alternating(plan, &sides, event, json!([]), tabs).await;
        let cpu = |side: usize| stats[side]["cpu_us_per_event"].as_f64().unwrap_or(0.0);
        let last = paths.len() - 1;
        for (side, path) in paths.iter().enumerate() {
            let mut row = event_row(&format!("{path} {event}"), tabs, stats[side].clone());
            if side == 0 {
                row["cpu_ratio"] = json!((cpu(0) / cpu(last).max(1e-9) * 100.0).round() / 100.0);
                row["ratio_of"] = json!(format!("{path} ÷ {}", paths[last]));
            }
            rows.push(row);
        }
    }
    rows
}

/// RSS of a fresh process before and after `plan.idle_tabs` idle tabs on `path`.
async fn memory_workload(plan: Plan, tandem: &Server, path: &str) -> Value {
    idle_tabs_rss(plan.idle_tabs, tandem, path).await
}

/// RSS of a fresh process before and after `idle_tabs` idle tabs on `path`.
async fn idle_tabs_rss(idle_tabs: usize, tandem: &Server, path: &str) -> Value {
    // One tab first, so code paths and pools are warm before the baseline.
    let warm = events::open_tab(&tandem.addr, path).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let before = procfs::rss_kib(tandem.pid()).unwrap_or_default();
    let mut tabs = Vec::with_capacity(idle_tabs);
    for _ in 0..idle_tabs {
        tabs.push(events::open_tab(&tandem.addr, path).await);
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let after = procfs::rss_kib(tandem.pid()).unwrap_or_default();
    // Signed: the allocator may give memory back while tabs connect.
    let per_tab = (after as f64 - before as f64) / idle_tabs as f64;
    drop(tabs);
    drop(warm);
    json!({"path": path, "tabs": idle_tabs, "rss_before_kib": before, "rss_after_kib": after, "per_tab_kib": (per_tab * 10.0).round() / 10.0})
}

/// Rows in the streams section's lists.
const STREAM_ROWS: usize = 10_000;

/// A 10,000-row list sent as a stream against the same list kept in the
/// state: `add` (one more row) on each and on an empty stream, one tab,
/// alternating (`cpu_ratio`: the stream at 10,000 rows ÷ at none), then
/// the RSS of idle tabs on each page, each in a fresh process.
async fn streams_workload(plan: Plan, quick: bool, config: &Path) -> Value {
    let (stream, kept, empty) =
        (format!("/bench/stream/{STREAM_ROWS}"), format!("/bench/rows/{STREAM_ROWS}"), "/bench/stream/0".to_string());
    let shop = Server::start("serve-shop", &[config], "/", &[]).await;
    let events = alternating(plan, &shop, &[&stream, &kept, &empty], "add", &[1]).await;
    drop(shop);
    let idle_tabs = if quick { 5 } else { 50 };
    let mut memory = Vec::new();
    for path in [&stream, &kept] {
        let fresh = Server::start("serve-shop", &[config], "/", &[]).await;
        memory.push(idle_tabs_rss(idle_tabs, &fresh, path).await);
    }
    json!({"rows": STREAM_ROWS, "events": events, "memory": memory})
}

fn print_streams(streams: &Value) {
    println!();
    println!("streams: {} rows sent as a stream, or kept in the state", streams["rows"]);
    print_events(&streams["events"]);
    for memory in streams["memory"].as_array().into_iter().flatten() {
        println!(
            "memory on {}: {} idle tabs, RSS {} → {} KiB, {} KiB per tab",
            memory["path"].as_str().unwrap_or(""),
            memory["tabs"],
            memory["rss_before_kib"],
            memory["rss_after_kib"],
            memory["per_tab_kib"]
        );
    }
}

async fn startup_workload(config: &Path) -> Value {
    let mut times = Vec::new();
    let mut bytes = 0;
    for _ in 0..3 {
        let server = Server::start("serve-shop", &[config], "/", &[]).await;
        times.push(server.startup);
        if bytes == 0 {
            bytes = first_paint_bytes(&server.addr).await;
        }
    }
    times.sort();
    json!({"to_first_200_ms": (times[1].as_secs_f64() * 10_000.0).round() / 10.0, "first_paint_gzip_bytes": bytes})
}

/// The gzipped size of `/` and of every `/_tandem/` and `/static/` file it
/// links (the runtime script, the stylesheets, the shop's logo): what a
/// first visit downloads.
async fn first_paint_bytes(addr: &str) -> usize {
    let page = http::get(addr, "/", "").await.expect("the page").body;
    let html = String::from_utf8_lossy(&page).to_string();
    let mut total = gzip_len(&page);
    for folder in ["/_tandem/", "/static/"] {
        for link in html.split(&format!("\"{folder}")).skip(1) {
            let file = link.split('"').next().unwrap_or_default();
            let asset = http::get(addr, &format!("{folder}{file}"), "").await.expect("an asset").body;
            total += gzip_len(&asset);
        }
    }
    total
}

fn gzip_len(bytes: &[u8]) -> usize {
    use std::io::Write;
    let mut child = std::process::Command::new("gzip")
        .arg("-9c")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("gzip is needed to measure transfer sizes");
    child.stdin.take().expect("stdin").write_all(bytes).expect("gzip input");
    child.wait_with_output().expect("gzip output").stdout.len()
}

fn print_table(results: &Value) {
    println!(
        "Tandem benchmarks, {} ({})",
        results["date"].as_str().unwrap_or(""),
        results["machine"].as_str().unwrap_or("")
    );
    if results["http"].is_array() {
        print_http(&results["http"]);
    }
    if results["events"].is_array() {
        print_events(&results["events"]);
    }
    let memory = &results["memory"];
    if !memory.is_null() {
        println!();
        for (path, memory) in [("/counter", memory), ("/ (100 products)", &memory["catalog"])] {
            if !memory.is_null() {
                println!(
                    "memory on {path}: {} idle tabs, RSS {} → {} KiB, {} KiB per tab",
                    memory["tabs"], memory["rss_before_kib"], memory["rss_after_kib"], memory["per_tab_kib"]
                );
            }
        }
    }
    if !results["streams"].is_null() {
        print_streams(&results["streams"]);
    }
    let startup = &results["startup"];
    if !startup.is_null() {
        println!(
            "start-up: {} ms to the first 200 on /; first paint of / downloads {} bytes gzipped",
            startup["to_first_200_ms"], startup["first_paint_gzip_bytes"]
        );
    }
    if !results["scale"].is_null() {
        scale::print(&results["scale"]);
    }
    if !results["admin"].is_null() {
        admin::print(&results["admin"]);
    }
}

fn print_http(rows: &Value) {
    println!();
    println!(
        "{:<30} {:>11} {:>8} {:>8} {:>10} {:>8} {:>13} {:>8} {:>7} {:>11} {:>10} {:>11}",
        "HTTP route",
        "tandem r/s",
        "p50 ms",
        "p99 ms",
        "sqlx r/s",
        "p99 ms",
        "rusqlite r/s",
        "p99 ms",
        "÷ sqlx",
        "rounds",
        "÷ rusqlite",
        "rounds"
    );
    for row in rows.as_array().into_iter().flatten() {
        let (t, b, r) = (&row["tandem"], &row["baseline"], &row["rusqlite"]);
        if b.is_null() {
            // A workload without baselines: Tandem's figures alone.
            println!(
                "{:<30} {:>11} {:>8.3} {:>8.3}   (errors: {})",
                row["route"].as_str().unwrap_or(""),
                t["requests_per_s"].to_string(),
                t["p50_ms"].as_f64().unwrap_or(0.0),
                t["p99_ms"].as_f64().unwrap_or(0.0),
                t["errors"]
            );
            continue;
        }
        let range = |key: &str| format!("{}–{}", row[key][0], row[key][1]);
        println!(
            "{:<30} {:>11} {:>8.3} {:>8.3} {:>10} {:>8.3} {:>13} {:>8.3} {:>7} {:>11} {:>10} {:>11}",
            row["route"].as_str().unwrap_or(""),
            t["requests_per_s"].to_string(),
            t["p50_ms"].as_f64().unwrap_or(0.0),
            t["p99_ms"].as_f64().unwrap_or(0.0),
            b["requests_per_s"].to_string(),
            b["p99_ms"].as_f64().unwrap_or(0.0),
            r["requests_per_s"].to_string(),
            r["p99_ms"].as_f64().unwrap_or(0.0),
            row["ratio"].to_string(),
            range("ratio_range"),
            row["ratio_rusqlite"].to_string(),
            range("ratio_rusqlite_range"),
        );
    }
}

fn print_events(rows: &Value) {
    println!();
    println!(
        "{:<34} {:>5} {:>10} {:>9} {:>9} {:>12} {:>12} {:>9} {:>12} {:>7}",
        "event",
        "tabs",
        "events/s",
        "p50 ms",
        "p99 ms",
        "CPU µs/event",
        "baseline e/s",
        "p99 ms",
        "CPU µs/event",
        "ratio"
    );
    for row in rows.as_array().into_iter().flatten() {
        if let Some(ratio) = row["cpu_ratio"].as_f64() {
            println!("  ↳ CPU per event, {} ({} tabs): {ratio}", row["ratio_of"].as_str().unwrap_or(""), row["tabs"]);
        }
        let baseline = &row["baseline"];
        let (theirs, their_p99, their_cpu) = if baseline.is_null() {
            ("—".to_string(), "—".to_string(), "—".to_string())
        } else {
            (
                baseline["events_per_s"].to_string(),
                format!("{:.3}", baseline["p99_ms"].as_f64().unwrap_or(0.0)),
                baseline["cpu_us_per_event"].to_string(),
            )
        };
        println!(
            "{:<34} {:>5} {:>10} {:>9.3} {:>9.3} {:>12} {:>12} {:>9} {:>12} {:>7}",
            row["event"].as_str().unwrap_or(""),
            row["tabs"].to_string(),
            row["events_per_s"].to_string(),
            row["p50_ms"].as_f64().unwrap_or(0.0),
            row["p99_ms"].as_f64().unwrap_or(0.0),
            row["cpu_us_per_event"].to_string(),
            theirs,
            their_p99,
            their_cpu,
            if baseline.is_null() { "—".to_string() } else { row["ratio"].to_string() },
        );
    }
}
