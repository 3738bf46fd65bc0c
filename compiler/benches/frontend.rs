//! How fast the front end turns text into checked journeys.
//!
//! Run with `cargo bench -p journey-compiler`. The benchmark generates a
//! project of several MB in memory (every step kind, expressions, waits,
//! branches, splits, and a schema with fields, emails, lists, segments and
//! events; see `support/journey_gen.rs`) and prints one table:
//!
//! - parse MB/s: the recovering parser, `syntax::parse_file`, over every
//!   file;
//! - check MB/s: the whole of `analyze` (parse, names, types, flow);
//! - analyses MB/s: what `analyze` does after parsing (`check_parsed` on
//!   trees parsed beforehand), so its speed shows apart from the parser's,
//!   and its time per MB;
//! - the yardstick: a pest JSON parser (`yardstick/`) on a JSON document
//!   of the same size, and our parse rate as a multiple of it;
//! - `analyze` of one 2,000-line file, median wall time;
//! - `journey check` of that file as a subprocess, median wall time.
//!
//! The goals: parse at least 1.5 times the pest-JSON rate, check the
//! project at 20 MB/s or more, and check a 2,000-line file in under 20 ms.
//! The generated project has no errors (warnings only), so the whole check
//! includes building its program. Rates use MB = 10^6 bytes and the
//! median of several runs. Set `JOURNEY_BENCH_MB` to change the size.

#[allow(dead_code)]
mod support;
mod yardstick;

use journey_compiler::check::config::ProjectConfig;
use journey_compiler::check::DiskTemplates;
use journey_compiler::check_parsed;
use journey_compiler::diagnostic::{Diagnostic, Severity};
use journey_compiler::source::{FileId, Sources};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};
use support::journey_gen;

const SEED: u64 = 0x006a_6f75_726e_6579;
const RUNS: usize = 5;
const SMALL_RUNS: usize = 21;
const LINES: usize = 2_000;

fn main() {
    // `cargo bench` passes `--bench`; there is nothing to filter.
    let megabytes: usize = std::env::var("JOURNEY_BENCH_MB")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(4);

    // Email bodies name templates, which the checker reads from disk
    // relative to the working folder.
    let dir = std::env::temp_dir().join(format!("journey-bench-{}", std::process::id()));
    write_templates(&dir).expect("a temporary folder for the templates");
    std::env::set_current_dir(&dir).expect("the temporary folder");

    let files = journey_gen::project(SEED, megabytes * 1_000_000);
    let bytes: usize = files.iter().map(|(_, text)| text.len()).sum();
    let lines: usize = files.iter().map(|(_, text)| text.lines().count()).sum();
    let mut sources = Sources::new();
    for (path, text) in &files {
        sources.add(path.as_str(), text.as_str());
    }
    let megabytes = bytes as f64 / 1e6;
    println!(
        "generated project: {} files, {lines} lines, {megabytes:.2} MB",
        files.len()
    );

    let parse = median(RUNS, || {
        for (id, (_, text)) in files.iter().enumerate() {
            let parsed = journey_compiler::syntax::parse_file(FileId(id as u32), text);
            std::hint::black_box(parsed);
        }
    });
    let syntax_errors: usize = files
        .iter()
        .map(|(_, text)| {
            journey_compiler::syntax::parse_file(FileId(0), text)
                .diagnostics
                .len()
        })
        .sum();

    let check = median(RUNS, || {
        std::hint::black_box(journey_compiler::analyze(&sources));
    });
    let analysis = journey_compiler::analyze(&sources);

    let config = ProjectConfig::default();
    let analyses = median(RUNS, || {
        let checked = check_parsed(
            &sources,
            &analysis.trees,
            Vec::new(),
            &config,
            &DiskTemplates,
        );
        std::hint::black_box(checked);
    });

    let json = json_document(&analysis.trees, bytes);
    let json_time = median(RUNS, || {
        std::hint::black_box(yardstick::parse(&json));
    });

    let small = journey_gen::file_of_lines(SEED, LINES);
    let small_lines = small.lines().count();
    let mut small_sources = Sources::new();
    small_sources.add("big.journey", small.as_str());
    let small_time = median(SMALL_RUNS, || {
        std::hint::black_box(journey_compiler::analyze(&small_sources));
    });
    let small_diagnostics = journey_compiler::analyze(&small_sources).diagnostics;
    let subprocess = check_subprocess(&dir, &small);
    let _ = std::fs::remove_dir_all(&dir);

    let parse_rate = rate(bytes, parse);
    let json_rate = rate(json.len(), json_time);
    let ratio = parse_rate / json_rate;
    let small_ms = small_time.as_secs_f64() * 1e3;

    println!();
    row("measure", "result".into(), "goal".into());
    println!("|{:-<42}|{:-<16}|{:-<18}|", "", "", "");
    row(
        "parse (`parse_file`, all files)",
        format!("{parse_rate:.2} MB/s"),
        String::new(),
    );
    let check_rate = rate(bytes, check);
    row(
        "whole check (`analyze`)",
        format!("{check_rate:.2} MB/s"),
        goal(">= 20 MB/s", check_rate >= 20.0),
    );
    let analyses_ms_per_mb = analyses.as_secs_f64() * 1e3 / megabytes;
    row(
        "analyses after parsing (`check_parsed`)",
        format!("{:.2} MB/s", rate(bytes, analyses)),
        String::new(),
    );
    row(
        "the same, time per MB",
        format!("{analyses_ms_per_mb:.1} ms/MB"),
        String::new(),
    );
    let json_label = format!("pest JSON yardstick ({:.2} MB)", json.len() as f64 / 1e6);
    row(&json_label, format!("{json_rate:.2} MB/s"), String::new());
    row(
        "parse rate / pest JSON rate",
        format!("{ratio:.2} x"),
        goal(">= 1.5 x", ratio >= 1.5),
    );
    let small_label = format!("`analyze`, one {small_lines}-line file");
    row(
        &small_label,
        format!("{small_ms:.2} ms"),
        goal("< 20 ms", small_ms < 20.0),
    );
    let subprocess_label = "`journey check` of it, subprocess";
    match subprocess {
        Ok(time) => {
            let ms = time.as_secs_f64() * 1e3;
            row(
                subprocess_label,
                format!("{ms:.2} ms"),
                goal("< 20 ms", ms < 20.0),
            );
        }
        Err(why) => row(subprocess_label, "not measured".into(), why),
    }

    println!();
    println!("syntax errors in the generated project: {syntax_errors} (expected 0)");
    let errors = analysis
        .diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .count();
    println!("errors found by `analyze` in it: {errors} (expected 0)");
    println!(
        "`analyze` diagnostics, project: {}",
        summary(&analysis.diagnostics)
    );
    println!(
        "`analyze` diagnostics, {small_lines}-line file: {}",
        summary(&small_diagnostics)
    );
}

/// The median wall time of `runs` calls, after one warm-up call.
fn median(runs: usize, mut f: impl FnMut()) -> Duration {
    f();
    let mut times: Vec<Duration> = (0..runs)
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed()
        })
        .collect();
    times.sort();
    times[runs / 2]
}

fn rate(bytes: usize, time: Duration) -> f64 {
    bytes as f64 / 1e6 / time.as_secs_f64()
}

fn row(measure: &str, result: String, goal: String) {
    println!("| {measure:<40} | {result:>14} | {goal:<16} |");
}

/// The goal and whether it was met, for the last column.
fn goal(goal: &str, met: bool) -> String {
    format!("{goal}: {}", if met { "met" } else { "MISSED" })
}

/// How many diagnostics, and the commonest codes.
fn summary(diagnostics: &[Diagnostic]) -> String {
    let mut counts: Vec<(&str, usize)> = Vec::new();
    for d in diagnostics {
        match counts.iter_mut().find(|(code, _)| *code == d.code) {
            Some((_, n)) => *n += 1,
            None => counts.push((d.code, 1)),
        }
    }
    counts.sort_by_key(|&(_, n)| std::cmp::Reverse(n));
    let top: Vec<String> = counts
        .iter()
        .take(4)
        .map(|(code, n)| format!("{n} {code}"))
        .collect();
    format!("{} ({})", diagnostics.len(), top.join(", "))
}

/// A pretty-printed JSON array of the project's own declarations, about
/// `bytes` long: real nesting, strings and numbers, the same content.
fn json_document(trees: &[journey_compiler::syntax::ast::File], bytes: usize) -> String {
    let mut json = String::from("[\n");
    for decl in trees.iter().flat_map(|tree| &tree.decls) {
        if json.len() >= bytes {
            break;
        }
        if json.len() > 2 {
            json.push_str(",\n");
        }
        json.push_str(&serde_json::to_string_pretty(decl).expect("the tree serialises"));
    }
    json.push_str("\n]\n");
    json
}

const TEMPLATE: &str = "<p>Hello {{ contact.first_name }}</p>
<p><a href=\"{{ link.webinar }}\">Join the webinar</a> or
<a href=\"{{ link.portal }}\">enroll on the portal</a>.</p>
<p><a href=\"{{ unsubscribe_url }}\">Unsubscribe</a></p>
";

/// A template for every email the generator may declare.
fn write_templates(dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir.join("templates"))?;
    for i in 0..100 {
        let template = dir.join(format!("templates/e_{i}.html"));
        std::fs::write(&template, TEMPLATE)?;
    }
    Ok(())
}

/// Median wall time of `journey check` on `text` written to `dir`, with
/// the release binary of this benchmark's target folder (built first if it
/// is missing or stale).
fn check_subprocess(dir: &Path, text: &str) -> Result<Duration, String> {
    let binary = release_binary().ok_or("cannot find the target folder")?;
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let build = [
        "build",
        "--release",
        "--quiet",
        "-p",
        "journey",
        "--bin",
        "journey",
    ];
    let built = Command::new(cargo)
        .args(build)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .status()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if !built.success() || !binary.exists() {
        return Err("the release `journey` binary did not build".into());
    }

    let file = dir.join("big.journey");
    std::fs::write(&file, text).map_err(|e| e.to_string())?;
    let mut failure = None;
    let time = median(SMALL_RUNS, || {
        let output = Command::new(&binary)
            .arg("check")
            .arg(&file)
            .current_dir(dir)
            .output();
        match output {
            Ok(out) if out.status.code().is_some_and(|c| c <= 1) => {}
            Ok(out) => failure = Some(format!("exit status {}", out.status)),
            Err(e) => failure = Some(e.to_string()),
        }
    });
    match failure {
        Some(why) => Err(why),
        None => Ok(time),
    }
}

/// `<target>/release/journey`, found from this benchmark's own path
/// (`<target>/release/deps/frontend-*`).
fn release_binary() -> Option<PathBuf> {
    let exe = std::env::current_exe().ok()?;
    let release: &Path = exe.parent()?.parent()?;
    Some(release.join(format!("journey{}", std::env::consts::EXE_SUFFIX)))
}
