//! The harness end to end, briefly: every workload runs and reports sane
//! numbers. Not a performance assertion: the figures are only checked to
//! exist and be plausible.

use std::process::Command;

use serde_json::Value;

#[test]
fn every_workload_reports_numbers() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("results.json");
    let out = Command::new(env!("CARGO_BIN_EXE_tandem-bench"))
        .args(["all", "--quick", "--json"])
        .arg(&file)
        .output()
        .unwrap();
    let printed = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(out.status.success(), "{printed}\n{}", String::from_utf8_lossy(&out.stderr));
    assert!(printed.contains("HTTP route") && printed.contains("start-up:"), "{printed}");
    let results: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();

    let http = results["http"].as_array().unwrap();
    assert_eq!(http.len(), 3, "two routes against both baselines, then the REST create");
    let (reads, creates) = http.split_at(2);
    let create = &creates[0];
    assert_eq!(create["route"], "POST /api/shop/products/");
    assert!(create["tandem"]["requests_per_s"].as_u64().unwrap() > 0, "{create}");
    assert_eq!(create["tandem"]["errors"], 0, "{create}");
    assert!(create["baseline"].is_null(), "{create}");
    for row in reads {
        for side in ["tandem", "baseline", "rusqlite"] {
            assert!(row[side]["requests_per_s"].as_u64().unwrap() > 0, "{row}");
            assert_eq!(row[side]["errors"], 0, "{row}");
            let (p50, p99) = (row[side]["p50_ms"].as_f64().unwrap(), row[side]["p99_ms"].as_f64().unwrap());
            assert!(p50 > 0.0 && p50 <= p99, "{row}");
        }
        assert!(row["ratio"].as_f64().unwrap() > 0.0, "{row}");
        let range: Vec<f64> = row["ratio_range"].as_array().unwrap().iter().map(|r| r.as_f64().unwrap()).collect();
        assert!(range[0] <= row["ratio"].as_f64().unwrap() && row["ratio"].as_f64().unwrap() <= range[1], "{row}");
        assert!(row["ratio_rusqlite"].as_f64().unwrap() > 0.0, "{row}");
    }
    let events = results["events"].as_array().unwrap();
    // `search` also on PostgreSQL, at 1 and 20 tabs, when DATABASE_URL names one.
    let on_postgres = std::env::var("DATABASE_URL").is_ok_and(|url| url.starts_with("postgres"));
    let expected = if on_postgres { 18 } else { 16 };
    assert_eq!(
        events.len(),
        expected,
        "two events at 1, 20 and 50 tabs, increment written behind at 20 and 50, the list page's increment at 1,000 rows and none (1 and 20 tabs; committed and written behind)"
    );
    let cpu_ratios: Vec<f64> = events.iter().filter_map(|row| row["cpu_ratio"].as_f64()).collect();
    assert_eq!(
        cpu_ratios.len(),
        9,
        "1,000 rows ÷ none at 1 and 20 tabs, committed and written behind; increment ÷ the hand-written counter, \
         committed at 1, 20 and 50 tabs and written behind at 20 and 50"
    );
    assert!(cpu_ratios.iter().all(|ratio| *ratio > 0.0), "{cpu_ratios:?}");
    let postgres_rows = events.iter().filter(|row| row["event"] == "/ search (PostgreSQL)").count();
    assert_eq!(postgres_rows, if on_postgres { 2 } else { 0 });
    let written_behind = events.iter().filter(|row| row["event"] == "/counter increment (write-behind)").count();
    assert_eq!(written_behind, 2);
    for row in events {
        assert!(row["events_per_s"].as_u64().unwrap() > 0, "{row}");
        assert_eq!(row["errors"], 0, "{row}");
        assert!(row["cpu_us_per_event"].as_f64().unwrap() >= 0.0, "{row}");
        // `increment` runs against the hand-written WebSocket counter too.
        if row["event"] == "/counter increment" || row["event"] == "/counter increment (write-behind)" {
            assert!(row["baseline"]["events_per_s"].as_u64().unwrap() > 0, "{row}");
            assert_eq!(row["baseline"]["errors"], 0, "{row}");
            assert!(row["ratio"].as_f64().unwrap() > 0.0, "{row}");
        } else {
            assert!(row["baseline"].is_null(), "{row}");
        }
    }
    assert!(results["memory"]["rss_after_kib"].as_u64().unwrap() > 1000);
    assert!(results["memory"]["catalog"]["rss_after_kib"].as_u64().unwrap() > 1000);
    assert_eq!(results["memory"]["catalog"]["products"], 100);
    // Streams: `add` on the stream, the kept list and the empty stream, and
    // the idle tabs of the two 10,000-row pages.
    let streams = &results["streams"];
    assert_eq!(streams["rows"], 10_000, "{streams}");
    let stream_events = streams["events"].as_array().unwrap();
    assert_eq!(stream_events.len(), 3, "{streams}");
    for row in stream_events {
        assert!(row["events_per_s"].as_u64().unwrap() > 0 && row["errors"] == 0, "{row}");
    }
    assert!(stream_events[0]["cpu_ratio"].as_f64().unwrap() > 0.0, "{streams}");
    let memory = streams["memory"].as_array().unwrap();
    assert_eq!(memory.len(), 2, "{streams}");
    assert!(memory.iter().all(|m| m["rss_after_kib"].as_u64().unwrap() > 1000), "{streams}");
    assert!(results["startup"]["to_first_200_ms"].as_f64().unwrap() > 0.0);
    let bytes = results["startup"]["first_paint_gzip_bytes"].as_u64().unwrap();
    assert!((1000..200_000).contains(&bytes), "{bytes}");

    // The scale-out run needs PostgreSQL and Redis (DATABASE_URL, REDIS_URL).
    // The admin's change list over 10,000 rows: four cases, each answered.
    let admin = &results["admin"];
    assert_eq!(admin["rows"], 10_000, "{admin}");
    let cases = admin["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 4, "{admin}");
    for case in cases {
        let (p50, p99) = (case["p50_ms"].as_f64().unwrap(), case["p99_ms"].as_f64().unwrap());
        assert!(p50 > 0.0 && p50 <= p99, "{case}");
        assert!(case["html_bytes"].as_u64().unwrap() > 10_000, "{case}");
    }
    let scale = &results["scale"];
    if scale.get("skipped").is_none() {
        for side in ["one_process_embedded", "two_processes_redis"] {
            assert!(scale[side]["events_per_s"].as_u64().unwrap() > 0, "{scale}");
            assert_eq!(scale[side]["errors"], 0, "{scale}");
        }
        assert_eq!(scale["two_processes_redis"]["processes"], 2);
        assert!(scale["redis_cost_us_per_event"].is_number(), "{scale}");
    } else {
        assert!(printed.contains("scale-out (PostgreSQL + Redis): skipped"), "{printed}");
    }
}

#[test]
fn only_runs_the_section_asked_for() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("startup.json");
    let out = Command::new(env!("CARGO_BIN_EXE_tandem-bench"))
        .args(["all", "--quick", "--only", "startup", "--json"])
        .arg(&file)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let results: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    assert!(results["startup"]["to_first_200_ms"].as_f64().unwrap() > 0.0);
    // The first paint of `/` (HTML, runtime, stylesheet) within its 40 KB budget.
    let first_paint = results["startup"]["first_paint_gzip_bytes"].as_u64().unwrap();
    assert!((5_000..=40_000).contains(&first_paint), "first paint {first_paint} bytes");
    for skipped in ["http", "events", "memory", "streams", "scale"] {
        assert!(results[skipped].is_null(), "{skipped} ran: {results}");
    }

    let wrong =
        Command::new(env!("CARGO_BIN_EXE_tandem-bench")).args(["all", "--only", "everything"]).output().unwrap();
    assert_eq!(wrong.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&wrong.stderr).contains("--only takes one of http, events"));
}

/// The soak, in seconds: three rounds of every kind of traffic, each followed
/// by a sample of the shop's RSS and the database's size and rows. Only that
/// it runs and reports the figures is checked; the verdict is a report.
#[test]
fn the_soak_reports_every_round() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("soak.json");
    let out = Command::new(env!("CARGO_BIN_EXE_tandem-bench"))
        .args(["soak", "--quick", "--json"])
        .arg(&file)
        .output()
        .unwrap();
    let printed = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(out.status.success(), "{printed}\n{}", String::from_utf8_lossy(&out.stderr));
    assert!(printed.contains("RSS KiB") && printed.contains("verdict:"), "{printed}");
    let results: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    let soak = &results["soak"];
    let rounds = soak["rounds"].as_array().unwrap();
    assert_eq!(rounds.len(), 4, "the start and three rounds: {soak}");
    for row in rounds {
        assert!(row["rss_kib"].as_u64().unwrap() > 1000, "{row}");
        assert!(row["open_fds"].as_u64().unwrap() > 0, "{row}");
        assert!(row["db_file_bytes"].as_u64().unwrap() > 0, "{row}");
        assert!(row["sessions"].is_u64() && row["tabs"].is_u64(), "{row}");
        // Every product the REST writes created was deleted again.
        assert_eq!(row["products"], 240, "{row}");
    }
    for row in &rounds[1..] {
        let sent = &row["sent"];
        for kind in ["pages", "hellos", "rest"] {
            assert!(sent[kind]["sent"].as_u64().unwrap() > 0, "{kind}: {row}");
        }
        assert!(sent["pages"]["ok_200"].as_u64().unwrap() > 0, "{row}");
        assert!(sent["idle_sockets"]["opened"].as_u64().unwrap() > 0, "{row}");
    }
    let verdict = soak["verdict"]["verdict"].as_str().unwrap();
    assert!(["plateau", "growing"].contains(&verdict), "{verdict}");
}

/// The UI engine's budget: the runtime under 20 KB gzipped (a size, not a
/// timing: deterministic). The first paint's budget is checked above.
#[test]
fn the_runtime_stays_within_budget() {
    use std::io::Write;
    let runtime = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/../crates/tandem/src/ui/runtime.js")).unwrap();
    let mut gzip = Command::new("gzip")
        .arg("-9c")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("gzip");
    gzip.stdin.take().unwrap().write_all(&runtime).unwrap();
    let gzipped = gzip.wait_with_output().unwrap().stdout.len();
    assert!((1000..20_000).contains(&gzipped), "the runtime is {gzipped} bytes gzipped");
}
