//! How fast the engine runs a tiny journey against the SQLite store.
//!
//! The VM benchmark (`benches/vm.rs`) times the pure VM; this one times
//! what production pays on top of it: reading each contact, the entry
//! checks, and committing every step's state and effects to a real file
//! (WAL, `synchronous=NORMAL`). The journey is the same peer journey:
//! `send`, `branch` on `contact.plan == "gold"`, `wait 2 days`, `end`.
//!
//! For each number of contacts, in a fresh temporary database:
//!
//! - import: the contacts are written through one row-by-row import;
//! - enrol: every member of the list enters the journey (`enter_many`, a
//!   page of [`PAGE`] members at a time), which queues one email each;
//!   the phase counts the queued emails;
//! - advance: at +2 days every run is due and ends (`run_due`);
//! - raw: as many plain `UPDATE runs SET state, wake_at WHERE id` as the
//!   engine made contact-steps (four per contact), in transactions of
//!   [`BATCH`] rows, on the same file. This is the floor SQLite sets on
//!   this machine; the engine is measured against it.
//!
//! A contact-step is one step of the journey taken by one contact and
//! committed: the peer journey makes four per contact (`send`, `branch`
//! and `wait` at its entry, `end` at its resume). This is the count of
//! the VM benchmark (an entry is "three steps") and of the issue's
//! idempotency key (contact, run, step, visit). Each phase counts the
//! steps the store recorded (the `arrived` counters of `step_stats`,
//! summed, before and after), and the bench checks that they add up to
//! four per contact. One commit (a VM call: an entry, or a resume) carries
//! several steps; the `contacts` line gives the rate per contact through
//! the whole journey (two commits each), for those who count commits.
//! Until this count, the bench counted commits as contact-steps (two per
//! contact), which halved both the rate and its ratio to the raw updates.
//!
//! Each number of contacts runs in a child process of its own, so the
//! peak resident memory (`VmHWM`) each reports is its own. Every phase runs
//! once: it changes the database, and a rerun would measure another
//! database. The machine is shared, so expect some noise between runs.
//!
//! Run: `cargo bench -p journey-runtime --bench engine -- [CONTACTS...]`
//! (default 100000 and 1000000, the sizes the memory goal compares and the
//! enrolment goal names; about a minute and a half, and 0.6 GB of
//! temporary files while the larger runs).

#[path = "../tests/support/mod.rs"]
mod support;

use journey_runtime::engine::{Engine, BATCH};
use journey_runtime::store::sqlite::SqliteStore;
use journey_runtime::store::ContactWrite;
use rusqlite::config::DbConfig;
use rusqlite::{params, Connection};
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use support::{compile_source, journey_id, PEER_JOURNEY, START};

const TWO_DAYS: i64 = 2 * 86_400;
const DEFAULT_SIZES: [usize; 2] = [100_000, 1_000_000];
/// How many list members the enrolment reads at a time.
const PAGE: usize = 10 * BATCH;

const GOAL_STEPS_PER_SECOND: f64 = 300_000.0;
const GOAL_SHARE_OF_RAW: f64 = 0.5;
const GOAL_ENROL_MILLION_SECONDS: f64 = 15.0;

/// The line a child prints last, for its parent: contacts and peak KiB.
const PEAK_MARK: &str = "peak-rss-kib";

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let Some(at) = args.iter().position(|a| a == "--child") {
        let count = args
            .get(at + 1)
            .and_then(|n| n.parse().ok())
            .expect("--child takes a number of contacts");
        run_one(count);
        return;
    }

    // `cargo bench` passes `--bench`; the numbers are the sizes.
    let mut sizes: Vec<usize> = args.iter().filter_map(|a| a.parse().ok()).collect();
    if sizes.is_empty() {
        sizes = DEFAULT_SIZES.to_vec();
    }

    println!("journey-runtime engine benchmark (SQLite file, WAL, synchronous=NORMAL)");
    let peaks: Vec<(usize, u64)> = sizes.iter().map(|&n| run_child(n)).collect();
    memory_summary(&peaks);
}

/// Runs one size in a child process, echoing its report; returns its peak
/// resident memory in KiB.
fn run_child(count: usize) -> (usize, u64) {
    let exe = std::env::current_exe().expect("the benchmark knows its own path");
    let mut child = Command::new(exe)
        .args(["--child", &count.to_string()])
        .stdout(Stdio::piped())
        .spawn()
        .expect("the benchmark can start itself");

    let mut peak = 0;
    let stdout = child.stdout.take().expect("a piped stdout");
    for line in BufReader::new(stdout).lines() {
        let line = line.expect("the child writes text");
        match line.strip_prefix(PEAK_MARK) {
            Some(kib) => peak = kib.trim().parse().unwrap_or(0),
            None => println!("{line}"),
        }
    }

    let status = child.wait().expect("the child ends");
    assert!(status.success(), "the run of {count} contacts failed");
    (count, peak)
}

fn memory_summary(peaks: &[(usize, u64)]) {
    println!("\npeak resident memory after import, enrol and advance (VmHWM, one process each)");
    for (count, kib) in peaks {
        println!("  {count:>9} contacts: {:>7.1} MiB", *kib as f64 / 1024.0);
    }
    let smallest = peaks.iter().min_by_key(|p| p.0);
    let largest = peaks.iter().max_by_key(|p| p.0);
    if let (Some(&(n0, m0)), Some(&(n1, m1))) = (smallest, largest) {
        if n1 > n0 {
            let per_contact = (m1 as f64 - m0 as f64) * 1024.0 / (n1 - n0) as f64;
            println!(
                "  {:.2}x the memory for {:.0}x the contacts ({per_contact:.1} bytes per \
                 extra contact)",
                m1 as f64 / m0.max(1) as f64,
                n1 as f64 / n0 as f64,
            );
        }
    }
}

/// One size, in this process: import, enrol, advance, raw updates.
fn run_one(count: usize) {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let path = dir.path().join("journey.db");
    let mut store = SqliteStore::open(&path).expect("a new store");
    let program = compile_source(PEER_JOURNEY);
    let peer = journey_id(&program, "peer");
    let artifact = journey_runtime::artifact::encode(&program);
    store.deploy(&artifact, START).expect("deploy");

    println!("\n{count} contacts                wall      CPU        per second   wall each");
    let ((), import) = timed(|| import_contacts(&mut store, count));
    import.report("import", count as u64, "contacts");

    let mut engine = Engine::new(&mut store).expect("an engine");
    let (entered, enrol) = timed(|| enrol_list(&mut engine, peer));
    assert_eq!(entered, count as u64, "every contact enters");
    assert_eq!(queued_emails(engine.store), count as u64, "one email each");
    let entry_steps = steps_taken(engine.store, "peer");
    enrol.report("enrol", entry_steps, "contact-steps");

    let (tally, advance) = timed(|| engine.run_due(START + TWO_DAYS, BATCH).expect("due runs"));
    assert_eq!(tally.advanced, count as u64, "every run is resumed");
    let steps = steps_taken(engine.store, "peer");
    advance.report("advance", steps - entry_steps, "contact-steps");
    let engine_peak = peak_rss_kib();
    assert_eq!(steps, 4 * count as u64, "send, branch, wait, end");

    let both = Timing {
        wall: enrol.wall + advance.wall,
        cpu: enrol.cpu + advance.cpu,
    };
    let ((), raw) = timed(|| raw_updates(&path, count, steps));
    both.report("engine", steps, "contact-steps");
    both.report("contacts", count as u64, "contacts");
    raw.report("raw", steps, "row updates");

    let engine_rate = steps as f64 / both.wall.as_secs_f64();
    let raw_rate = steps as f64 / raw.wall.as_secs_f64();
    let enrol_million = enrol.wall.as_secs_f64() * 1e6 / count as f64;
    println!(
        "  goal >= {:.0}k contact-steps/s: {} ({:.0}k)",
        GOAL_STEPS_PER_SECOND / 1e3,
        verdict(engine_rate >= GOAL_STEPS_PER_SECOND),
        engine_rate / 1e3
    );
    println!(
        "  goal >= {GOAL_SHARE_OF_RAW} of the raw rate: {} ({:.2}; {:.2} in CPU time)",
        verdict(engine_rate >= GOAL_SHARE_OF_RAW * raw_rate),
        engine_rate / raw_rate,
        raw.cpu.as_secs_f64() / both.cpu.as_secs_f64(),
    );
    println!(
        "  goal enrol 1M in <= {GOAL_ENROL_MILLION_SECONDS:.0} s: {} ({enrol_million:.1} s \
         {}; import apart: {:.1} s)",
        verdict(enrol_million <= GOAL_ENROL_MILLION_SECONDS),
        if count == 1_000_000 {
            "measured"
        } else {
            "extrapolated"
        },
        import.wall.as_secs_f64() * 1e6 / count as f64,
    );
    println!("  database with its log: {:.1} MiB", database_mib(&path));
    println!(
        "  peak resident memory: {:.1} MiB after the engine's phases, {:.1} MiB at the end",
        engine_peak as f64 / 1024.0,
        peak_rss_kib() as f64 / 1024.0
    );
    println!("{PEAK_MARK} {engine_peak}");
}

/// Enters every member of the list into `journey`, a page of ids at a
/// time (so that memory does not grow with the list); returns how many
/// entered.
fn enrol_list(engine: &mut Engine, journey: u16) -> u64 {
    let mut entered = 0;
    let mut after = 0;
    loop {
        let page = engine
            .store
            .list_members_page("members", after, PAGE)
            .expect("a page of members");
        let Some(&last) = page.last() else {
            return entered;
        };
        after = last;
        entered += engine
            .enter_many(&page, journey, START)
            .expect("enrolment")
            .entered;
    }
}

/// How long a phase took: on the wall clock, and on a core.
#[derive(Clone, Copy)]
struct Timing {
    wall: Duration,
    cpu: Duration,
}

impl Timing {
    fn report(&self, name: &str, units: u64, what: &str) {
        let seconds = self.wall.as_secs_f64();
        println!(
            "  {name:<8} {seconds:>8.3} s {:>8.3} s  {:>9.0} {what}/s  {:>6.2} us",
            self.cpu.as_secs_f64(),
            units as f64 / seconds,
            seconds * 1e6 / units as f64,
        );
    }
}

fn timed<T>(work: impl FnOnce() -> T) -> (T, Timing) {
    let cpu = cpu_time();
    let started = Instant::now();
    let result = work();
    let timing = Timing {
        wall: started.elapsed(),
        cpu: cpu_time().saturating_sub(cpu),
    };
    (result, timing)
}

/// This thread's time on a core so far; zero where the kernel does not
/// say (the CPU column then reads zero).
fn cpu_time() -> Duration {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse().ok())
        .map_or(Duration::ZERO, Duration::from_nanos)
}

/// Imports `count` contacts, a quarter of them on the gold plan, all in
/// the list `members`; one at a time, as a file is read.
fn import_contacts(store: &mut SqliteStore, count: usize) {
    let mut import = store.begin_import(START).expect("an import");
    for i in 0..count {
        import.upsert(&contact(i)).expect("a contact");
    }
    import
        .commit("bench", "import", "benchmark contacts")
        .expect("the import commits");
}

fn contact(i: usize) -> ContactWrite {
    let plan = if i % 4 == 0 { "gold" } else { "silver" };
    support::peer_member(&format!("c{i}"), plan)
}

fn queued_emails(store: &SqliteStore) -> u64 {
    store
        .connection()
        .query_row(
            "SELECT count(*) FROM outbox WHERE status = 'queued'",
            [],
            |r| r.get::<_, i64>(0),
        )
        .expect("count the outbox") as u64
}

/// The steps the store has counted for `journey` so far: the arrivals
/// its `step_stats` keeps, summed over the journey's steps.
fn steps_taken(store: &SqliteStore, journey: &str) -> u64 {
    store
        .connection()
        .query_row(
            "SELECT coalesce(sum(arrived), 0) FROM step_stats WHERE journey = ?1",
            [journey],
            |r| r.get::<_, i64>(0),
        )
        .expect("sum the step counters") as u64
}

/// `rows` plain updates of the runs table (ids 1..=runs, round robin), in
/// transactions of [`BATCH`], through a connection of its own.
fn raw_updates(path: &Path, runs: usize, rows: u64) {
    let mut conn = second_connection(path);
    let state = [0u8; 8];

    let mut done = 0;
    while done < rows {
        let tx = conn.transaction().expect("a transaction");
        {
            let mut update = tx
                .prepare_cached("UPDATE runs SET state = ?1, wake_at = ?2 WHERE id = ?3")
                .expect("the update prepares");
            let end = (done + BATCH as u64).min(rows);
            for row in done..end {
                let id = (row % runs as u64) as i64 + 1;
                update
                    .execute(params![&state[..], START + row as i64, id])
                    .expect("a row updates");
            }
            done = end;
        }
        tx.commit().expect("the batch commits");
    }
}

/// A connection of its own to the store's file, set up as the store sets
/// up its own (the log, `synchronous`, foreign keys checked, freed bytes
/// zeroed, plans independent of values). The raw updates change no key
/// column, so the foreign-key checks cost them nothing.
fn second_connection(path: &Path) -> Connection {
    let conn = Connection::open(path).expect("a second connection");
    conn.pragma_update(None, "synchronous", "NORMAL")
        .expect("synchronous");
    conn.pragma_update(None, "foreign_keys", "ON")
        .expect("foreign keys");
    conn.pragma_update(None, "secure_delete", "ON")
        .expect("secure delete");
    conn.set_db_config(DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG, true)
        .expect("stable plans");
    conn
}

/// The database file and its write-ahead log, in MiB.
fn database_mib(path: &Path) -> f64 {
    let wal = path.with_extension("db-wal");
    let bytes: u64 = [path, wal.as_path()]
        .iter()
        .filter_map(|p| std::fs::metadata(p).ok())
        .map(|m| m.len())
        .sum();
    bytes as f64 / 1048576.0
}

fn verdict(met: bool) -> &'static str {
    if met {
        "met"
    } else {
        "NOT met"
    }
}

/// This process's peak resident memory in KiB, from `/proc/self/status`.
fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}
