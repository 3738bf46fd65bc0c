//! How fast the language server answers, on a generated 2,000-line project.
//!
//! Run with `cargo bench -p journey-lsp`. The project is a `journey.toml`
//! folder with a schema and four files of journeys, made by the compiler's
//! source generator (`compiler/benches/support`, included by path), about
//! 2,000 lines in all, every file open in the server. The server is driven
//! in process through its `LspService` with JSON-RPC messages, as the
//! protocol tests drive it, and warmed up before anything is timed.
//!
//! It prints p50 and p95 (and the maximum) of:
//!
//! - `didChange -> publishDiagnostics`: from sending an edit of one journey
//!   file (breaking a jump target, then mending it) to receiving that
//!   file's diagnostics for the new version; the edits come 60 ms apart,
//!   longer than the server's rest between analyses (`DEBOUNCE`), as
//!   keystrokes of a person do;
//! - hover, completion and go to definition at names spread over the
//!   project, with no edit pending;
//! - opening a file of one line with N mistakes (`send x ` N times, no
//!   email `x`) until its diagnostics arrive, for growing N: the time
//!   should grow with N, not with N squared (it did, converting each
//!   diagnostic's position from the start of the line).
//!
//! The goals: diagnostics p95 at most 20 ms; the others p95 at most 10 ms.
//! Set `JOURNEY_BENCH_RUNS` to change the number of timed runs (200).

#[allow(dead_code)]
#[path = "../../compiler/benches/support/mod.rs"]
mod generator;
#[path = "../tests/support/mod.rs"]
mod support;

use generator::choices::{Choices, Seeded};
use generator::journey_gen::{journey_text, schema_text, Schema, Size};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use support::Client;

const SEED: u64 = 0x006c_7370_6265_6e63;
const LINES: usize = 2_000;
const JOURNEY_FILES: usize = 4;
const PAUSE: Duration = Duration::from_millis(60);

fn main() {
    let runs: usize = std::env::var("JOURNEY_BENCH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200);
    let dir = tempfile::tempdir().expect("a temporary folder");
    let files = write_project(dir.path()).expect("the project is written");
    let lines: usize = files.iter().map(|(_, t)| t.lines().count()).sum();
    println!(
        "generated project: {} files, {lines} lines; debounce {} ms; {runs} timed runs each",
        files.len(),
        journey_lsp::DEBOUNCE.as_millis()
    );

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    runtime.block_on(async {
        let mut client = Client::start(&[]).await;
        for (path, text) in &files {
            client.open(path, text).await;
        }
        let paths: Vec<PathBuf> = files.iter().map(|(path, _)| path.clone()).collect();
        let published = client.diagnostics_of_all(&paths).await;
        let problems: usize = published
            .iter()
            .map(|p| p["diagnostics"].as_array().map_or(0, Vec::len))
            .sum();
        println!("diagnostics when opened: {problems}");

        let diagnostics = diagnostics_latency(&mut client, &files[1], runs).await;
        report("didChange -> publishDiagnostics", &diagnostics, 20.0);
        let targets = targets(&files);
        for (name, method) in [
            ("hover", "textDocument/hover"),
            ("completion", "textDocument/completion"),
            ("definition", "textDocument/definition"),
        ] {
            let (times, answered) = request_latency(&mut client, method, &targets, runs).await;
            report(name, &times, 10.0);
            println!(
                "{:<34} {answered} of {} answers were not empty",
                "",
                times.len()
            );
        }
    });

    for mistakes in [16_000, 64_000, 256_000] {
        let (elapsed, published) = runtime.block_on(many_mistakes(mistakes));
        println!(
            "{:<34} {:>8.1} ms  ({published} diagnostics published)",
            format!("open one line of {mistakes} mistakes"),
            elapsed.as_secs_f64() * 1e3
        );
    }
}

/// Opens a fresh server on one file of one line with `mistakes` unknown
/// emails; the time until its diagnostics arrive, and how many there are.
async fn many_mistakes(mistakes: usize) -> (Duration, usize) {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let path = dir.path().join("many.journey");
    let text = format!("journey j {{ {}}}", "send x ".repeat(mistakes));
    let mut client = Client::start(&[]).await;

    let start = Instant::now();
    client.open(&path, &text).await;
    let published = client.diagnostics(&path).await;
    let count = published["diagnostics"].as_array().map_or(0, Vec::len);
    (start.elapsed(), count)
}

/// Writes the project; returns each journey file's path and text.
fn write_project(dir: &Path) -> std::io::Result<Vec<(PathBuf, String)>> {
    let size = Size::journeys_added_later();
    let mut c = Seeded::new(SEED);
    let mut schema = Schema::new(&size);
    schema.journeys.clear();
    let mut texts = vec![schema_text(&schema, &mut c)];
    texts.extend(std::iter::repeat_n(String::new(), JOURNEY_FILES));
    let mut next = 0;
    while texts.iter().map(|t| t.lines().count()).sum::<usize>() < LINES {
        let name = format!("j_{}", schema.journeys.len());
        schema.journeys.push(name.clone());
        let steps = 10 + c.below(size.steps);
        let journey = journey_text(&schema, &mut c, &name, steps, size.expr_depth);
        texts[1 + next % JOURNEY_FILES].push_str(&journey);
        next += 1;
    }

    std::fs::write(
        dir.join("journey.toml"),
        "[project]\ntimezone = \"America/Chicago\"\n",
    )?;
    std::fs::create_dir_all(dir.join("templates"))?;
    for i in 0..size.emails {
        std::fs::write(dir.join(format!("templates/e_{i}.html")), TEMPLATE)?;
    }
    let mut files = Vec::new();
    for (i, text) in texts.into_iter().enumerate() {
        let name = match i {
            0 => "schema.journey".to_string(),
            i => format!("journeys_{i}.journey"),
        };
        let path = dir.join(name);
        std::fs::write(&path, &text)?;
        files.push((path, text));
    }
    Ok(files)
}

const TEMPLATE: &str = "<p>Hello {{ contact.first_name }}</p>
<p><a href=\"{{ link.webinar }}\">Join the webinar</a> or
<a href=\"{{ link.portal }}\">enroll on the portal</a>.</p>
<p><a href=\"{{ unsubscribe_url }}\">Unsubscribe</a></p>
";

/// Edits one file, alternately breaking and mending a jump target, and
/// times each edit until its diagnostics arrive.
async fn diagnostics_latency(
    client: &mut Client,
    (path, text): &(PathBuf, String),
    runs: usize,
) -> Vec<Duration> {
    let at = text
        .find("goto ")
        .expect("a goto in the generated journeys")
        + 5;
    let position = client.position(text, at);
    let mut times = Vec::with_capacity(runs);
    let mut version = 1;
    for run in 0..runs + 20 {
        version += 1;
        let (range, insert) = match version % 2 {
            0 => (json!({ "start": position, "end": position }), "x"),
            _ => {
                let mut end = position.clone();
                end["character"] = json!(position["character"].as_u64().unwrap() + 1);
                (json!({ "start": position, "end": end }), "")
            }
        };
        let params = json!({
            "textDocument": { "uri": support::uri(path), "version": version },
            "contentChanges": [{ "range": range, "text": insert }]
        });

        tokio::time::sleep(PAUSE).await;
        let start = Instant::now();
        client.notify("textDocument/didChange", params).await;
        loop {
            let published = client.diagnostics(path).await;
            if published["version"] == version {
                break;
            }
        }
        if run >= 20 {
            times.push(start.elapsed());
        }
    }
    times
}

/// Positions of names all over the project: after each `send`, `goto` and
/// `contact.`.
fn targets(files: &[(PathBuf, String)]) -> Vec<(PathBuf, String, usize)> {
    let mut found = Vec::new();
    for (path, text) in files {
        for needle in ["send ", "goto ", "contact."] {
            for (at, _) in text.match_indices(needle) {
                found.push((path.clone(), text.clone(), at + needle.len() + 1));
            }
        }
    }
    found
}

async fn request_latency(
    client: &mut Client,
    method: &str,
    targets: &[(PathBuf, String, usize)],
    runs: usize,
) -> (Vec<Duration>, usize) {
    let mut times = Vec::with_capacity(runs);
    let mut answered = 0;
    let step = (targets.len() / runs.max(1)).max(1);
    for run in 0..runs + 20 {
        let (path, text, at) = &targets[(run * step) % targets.len()];
        let params = json!({
            "textDocument": { "uri": support::uri(path) },
            "position": client.position(text, *at)
        });
        let start = Instant::now();
        let answer: Result<Value, Value> = client.request(method, params).await;
        let elapsed = start.elapsed();
        let answer = answer.unwrap_or_else(|e| panic!("{method} failed: {e}"));
        if run >= 20 {
            times.push(elapsed);
            let empty = answer.is_null() || answer.as_array().is_some_and(Vec::is_empty);
            answered += usize::from(!empty);
        }
    }
    (times, answered)
}

fn report(name: &str, times: &[Duration], goal_ms: f64) {
    let mut sorted = times.to_vec();
    sorted.sort();
    let at = |q: f64| sorted[((sorted.len() - 1) as f64 * q).round() as usize];
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    let p95 = ms(at(0.95));
    let verdict = if p95 <= goal_ms { "meets" } else { "MISSES" };
    let (p50, max) = (ms(at(0.5)), ms(at(1.0)));
    println!(
        "{name:<34} p50 {p50:>7.2} ms  p95 {p95:>7.2} ms  max {max:>7.2} ms  \
         ({verdict} the {goal_ms} ms p95 goal)"
    );
}
