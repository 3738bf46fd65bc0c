//! `journey lsp` with a real editor as its client: Neovim, headless.
//!
//! The test copies the re-enrollment example into a temporary folder and
//! makes one mistake in it (`send renewal_remindr`), on a line that starts
//! with a label in Spanish, so that the line has characters whose UTF-8,
//! UTF-16 and character counts differ. Then Neovim runs
//! `tests/lsp_neovim/session.lua`, which starts the server as Neovim users
//! do (vim.lsp.start_client, buf_attach_client), waits for diagnostics, asks
//! for hover and go to definition on another non-ASCII line, fixes the
//! mistake by editing the buffer, and stops the server. The script prints
//! what it saw, one fact per line, and this test checks:
//!
//! - the diagnostics of the file are the ones `journey check` reports, code
//!   for code and position for position, and include `unknown-email` at the
//!   misspelt name, with columns in the encoding the client uses;
//! - hover on an email name shows its kind, subject and links;
//! - go to definition on it leads to its declaration in schema.journey;
//! - after the edit that fixes the name, the diagnostics clear;
//! - after `shutdown` + `exit` the server ends by itself with status 0, and
//!   its process is gone once Neovim has quit.
//!
//! Neovim comes from Debian (`scripts/editors/install.sh`, which
//! scripts/test.sh runs). Without it this test fails and says so.

use serde_json::Value;
use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::thread::sleep;
use std::time::{Duration, Instant};

const INSTALL: &str = "scripts/editors/install.sh";

/// How long one Neovim session may take before the test gives up on it. A
/// session takes one or two seconds; this bound only stops a hung editor.
const SESSION_LIMIT: Duration = Duration::from_secs(120);

/// How long the server's process may outlive Neovim.
const EXIT_LIMIT: Duration = Duration::from_secs(5);

const MISTAKE_LINE: &str = "  recordatorio_señal: send renewal_remindr";
const HOVER_LINE: &str = "  invitación_cálida: send renewal_invite";

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn require_neovim() {
    let version = Command::new("nvim").arg("--version").output();
    let found = version.is_ok_and(|output| output.status.success());
    assert!(
        found,
        "nvim is not installed: run `bash {INSTALL}` (scripts/test.sh runs it; on Debian it \
         installs the neovim package)"
    );
}

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).expect("create a folder");
    for entry in fs::read_dir(from).expect("read an example folder") {
        let entry = entry.expect("a folder entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("a file type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), &target).expect("copy an example file");
        }
    }
}

/// The example with the mistake and the non-ASCII labels, in `dir`.
fn broken_project(dir: &Path) -> PathBuf {
    let project = dir.join("re-enrollment");
    copy_dir(&repo().join("examples/re-enrollment"), &project);

    let path = project.join("renewal.journey");
    let text = fs::read_to_string(&path).expect("read renewal.journey");
    let changed = replace_once(
        &text,
        "  send renewal_reminder\n",
        &format!("{MISTAKE_LINE}\n"),
    );
    let changed = replace_once(
        &changed,
        "  send renewal_invite\n",
        &format!("{HOVER_LINE}\n"),
    );
    fs::write(&path, changed).expect("write renewal.journey");
    project
}

fn replace_once(text: &str, from: &str, to: &str) -> String {
    assert_eq!(
        text.matches(from).count(),
        1,
        "renewal.journey has `{from}` once"
    );
    text.replacen(from, to, 1)
}

/// The line (from 0) of `text` that is `line`, and the byte column of
/// `word` in it.
fn find(text: &str, line: &str, word: &str) -> (usize, usize) {
    let index = text
        .lines()
        .position(|l| l == line)
        .expect("the line is in the file");
    (index, line.find(word).expect("the word is on the line"))
}

/// A byte column of `line` counted in the units of `encoding`.
fn column_in(encoding: &str, line: &str, byte_column: usize) -> u64 {
    let before = &line[..byte_column];
    let units = match encoding {
        "utf-8" => before.len(),
        "utf-16" => before.encode_utf16().count(),
        "utf-32" => before.chars().count(),
        other => panic!("unknown offset encoding {other}"),
    };
    units as u64
}

/// What the Lua script printed, and how Neovim ended.
struct Session {
    stdout: String,
    stderr: String,
    success: bool,
    lsp_log: String,
}

impl Session {
    /// The fields of every line that starts with `tag`.
    fn facts(&self, tag: &str) -> Vec<Vec<&str>> {
        self.stdout
            .lines()
            .filter_map(|line| line.strip_prefix(tag)?.strip_prefix(' '))
            .map(|rest| rest.splitn(5, ' ').collect())
            .collect()
    }

    fn fact(&self, tag: &str) -> Vec<&str> {
        let mut found = self.facts(tag);
        assert_eq!(found.len(), 1, "one {tag} line\n{}", self.report());
        found.remove(0)
    }

    fn report(&self) -> String {
        format!(
            "--- stdout\n{}--- stderr\n{}--- lsp.log (end)\n{}",
            self.stdout,
            self.stderr,
            tail(&self.lsp_log, 40)
        )
    }
}

fn tail(text: &str, lines: usize) -> String {
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

/// Runs a headless Neovim with `args` in `cwd`, its state in `dir`, and
/// the extra environment `vars`.
fn run_neovim(dir: &Path, cwd: &Path, args: &[String], vars: &[(&str, String)]) -> Session {
    let xdg = dir.join("xdg");
    let stdout_path = dir.join("nvim.stdout");
    let stderr_path = dir.join("nvim.stderr");

    let mut child = Command::new("nvim")
        .arg("--headless")
        .args(["-i", "NONE", "-n"])
        .args(args)
        .current_dir(cwd)
        .env("XDG_CONFIG_HOME", xdg.join("config"))
        .env("XDG_DATA_HOME", xdg.join("data"))
        .env("XDG_STATE_HOME", xdg.join("state"))
        .env("XDG_CACHE_HOME", xdg.join("cache"))
        .envs(vars.iter().map(|(name, value)| (name, value)))
        .stdin(Stdio::null())
        .stdout(fs::File::create(&stdout_path).expect("create nvim.stdout"))
        .stderr(fs::File::create(&stderr_path).expect("create nvim.stderr"))
        .spawn()
        .expect("nvim starts");

    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for nvim") {
            break Some(status);
        }
        if started.elapsed() > SESSION_LIMIT {
            child.kill().expect("stop the hung nvim");
            child.wait().expect("reap nvim");
            break None;
        }
        sleep(Duration::from_millis(50));
    };

    let session = Session {
        stdout: fs::read_to_string(&stdout_path).unwrap_or_default(),
        stderr: fs::read_to_string(&stderr_path).unwrap_or_default(),
        success: status.is_some_and(|status| status.success()),
        lsp_log: fs::read_to_string(xdg.join("cache/nvim/lsp.log")).unwrap_or_default(),
    };
    if status.is_none() {
        stop_leftover_server(&session);
        panic!(
            "nvim ran longer than {SESSION_LIMIT:?}\n{}",
            session.report()
        );
    }
    session
}

fn luafile(script: &Path) -> String {
    format!("luafile {}", script.display())
}

/// Whether process `pid` still runs (a zombie has ended; only its parent
/// has not collected its status yet).
fn process_runs(pid: u32) -> bool {
    match fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => {
            let state = stat
                .rsplit(')')
                .next()
                .unwrap_or("")
                .split_whitespace()
                .next();
            state != Some("Z")
        }
        Err(_) => false,
    }
}

/// Ends the server this test started, if Neovim left it running.
fn stop_leftover_server(session: &Session) {
    let pids = session.facts("SERVER_PID");
    let Some(pid) = pids
        .first()
        .and_then(|fields| fields[0].parse::<u32>().ok())
    else {
        return;
    };
    if process_runs(pid) {
        let _ = Command::new("kill")
            .args(["-KILL", &pid.to_string()])
            .status();
    }
}

/// `(code, line, character)` of each diagnostic `journey check` reports for
/// `file`, with the character in `encoding`.
fn check_diagnostics(project: &Path, file: &Path, encoding: &str) -> BTreeSet<(String, u64, u64)> {
    let output = Command::new(env!("CARGO_BIN_EXE_journey"))
        .args(["check", "--format", "json", "."])
        .current_dir(project)
        .output()
        .expect("journey check runs");
    let stdout = String::from_utf8(output.stdout).expect("UTF-8");
    let text = fs::read_to_string(file).expect("read the checked file");
    let lines: Vec<&str> = text.lines().collect();

    let mut found = BTreeSet::new();
    for json in stdout.lines().filter(|line| line.starts_with('{')) {
        let diagnostic: Value = serde_json::from_str(json).expect("a JSON diagnostic");
        let reported = Path::new(diagnostic["file"].as_str().expect("file"));
        if project.join(reported) != file && reported != file {
            continue;
        }
        let line = diagnostic["start"]["line"].as_u64().expect("line") - 1;
        let chars = diagnostic["start"]["column"].as_u64().expect("column") as usize - 1;
        let source_line = lines[line as usize];
        let byte = source_line
            .char_indices()
            .nth(chars)
            .map_or(source_line.len(), |(i, _)| i);
        let code = diagnostic["code"].as_str().expect("code").to_owned();
        found.insert((code, line, column_in(encoding, source_line, byte)));
    }
    found
}

/// The text of a hover's `contents`, whichever of its three forms it has.
fn hover_text(contents: &Value) -> String {
    match contents {
        Value::String(text) => text.clone(),
        Value::Array(parts) => parts.iter().map(hover_text).collect::<Vec<_>>().join("\n"),
        Value::Object(object) => object.get("value").map(hover_text).unwrap_or_default(),
        _ => String::new(),
    }
}

#[test]
fn neovim_gets_diagnostics_hover_and_definition_and_the_server_exits() {
    require_neovim();
    let dir = tempfile::tempdir().expect("a temporary folder");
    let project = broken_project(dir.path());
    let file = project.join("renewal.journey");
    let text = fs::read_to_string(&file).expect("read renewal.journey");

    let mistake = find(&text, MISTAKE_LINE, "renewal_remindr");
    let hover_at = find(&text, HOVER_LINE, "renewal_invite");
    let fix = format!(
        "{}:{}:{}:renewal_reminder",
        mistake.0 + 1,
        mistake.1,
        mistake.1 + "renewal_remindr".len()
    );
    let script = repo().join("tests/lsp_neovim/session.lua");
    let args = [
        "-u".to_owned(),
        "NONE".to_owned(),
        "-c".to_owned(),
        luafile(&script),
    ];
    let vars = [
        ("JOURNEY_BIN", env!("CARGO_BIN_EXE_journey").to_owned()),
        ("JOURNEY_ROOT", project.display().to_string()),
        ("JOURNEY_FILE", file.display().to_string()),
        (
            "JOURNEY_AT",
            format!("{}:{}", hover_at.0 + 1, hover_at.1 + 3),
        ),
        ("JOURNEY_FIX", fix),
    ];
    let session = run_neovim(dir.path(), &project, &args, &vars);
    let report = session.report();

    assert!(
        session.facts("FAIL").is_empty(),
        "the session failed\n{report}"
    );
    assert!(session.success, "nvim exited with an error\n{report}");

    let encoding = session.fact("ENCODING")[0].to_owned();
    let published: BTreeSet<(String, u64, u64)> = session
        .facts("DIAGNOSTIC")
        .iter()
        .map(|f| {
            (
                f[2].to_owned(),
                f[0].parse().expect("line"),
                f[1].parse().expect("character"),
            )
        })
        .collect();
    let expected_mistake = (
        "unknown-email".to_owned(),
        mistake.0 as u64,
        column_in(&encoding, MISTAKE_LINE, mistake.1),
    );
    assert!(
        published.contains(&expected_mistake),
        "{expected_mistake:?} published\n{report}"
    );
    let checked = check_diagnostics(&project, &file, &encoding);
    assert_eq!(
        published, checked,
        "the server reports what `journey check` does\n{report}"
    );

    let hover: Value = serde_json::from_str(&session.fact("HOVER").join(" ")).expect("JSON");
    let hover = hover_text(&hover);
    for part in [
        "renewal_invite",
        "marketing",
        "Time to renew your coverage",
        "more_info",
    ] {
        assert!(
            hover.contains(part),
            "the hover shows `{part}`: {hover}\n{report}"
        );
    }

    let definition = session.fact("DEFINITION");
    let schema_path = project.join("schema.journey");
    let schema = fs::read_to_string(&schema_path).expect("read schema.journey");
    let declared = find(&schema, "email renewal_invite {", "renewal_invite");
    let name = column_in(&encoding, "email renewal_invite {", declared.1);
    let same_file = fs::canonicalize(definition[0]).ok() == fs::canonicalize(&schema_path).ok();
    let numbers: Vec<u64> = definition[1..]
        .iter()
        .map(|n| n.parse().expect("a number"))
        .collect();
    let starts_on_the_name_line = numbers[0] == declared.0 as u64 && numbers[1] <= name;
    let covers_the_name = numbers[2] > numbers[0] || numbers[3] > name;
    assert!(
        same_file && starts_on_the_name_line && covers_the_name,
        "the definition is the declaration at {}:{} (line {}, character {name})\n{report}",
        schema_path.display(),
        declared.0 + 1,
        declared.0
    );

    assert_eq!(
        session.fact("FIXED"),
        ["0"],
        "the fix clears the diagnostics\n{report}"
    );

    let exit = session.fact("SERVER_EXIT");
    assert_eq!(
        exit[..2],
        ["0", "0"],
        "the server exits with 0, not by a signal\n{report}"
    );

    let pid: u32 = session.fact("SERVER_PID")[0].parse().expect("a pid");
    let quit = Instant::now();
    while process_runs(pid) && quit.elapsed() < EXIT_LIMIT {
        sleep(Duration::from_millis(20));
    }
    let still_running = process_runs(pid);
    if still_running {
        stop_leftover_server(&session);
    }
    assert!(
        !still_running,
        "the server (pid {pid}) outlived Neovim by {EXIT_LIMIT:?}\n{report}"
    );
}

/// The Lua block that follows `marker` in docs/editors.md.
fn documented_lua(marker: &str) -> String {
    let docs = fs::read_to_string(repo().join("docs/editors.md")).expect("read docs/editors.md");
    let after = docs
        .split_once(marker)
        .expect("the marker is in docs/editors.md")
        .1;
    let block = after
        .split_once("```lua\n")
        .expect("a Lua block follows the marker")
        .1;
    block
        .split_once("```")
        .expect("the Lua block ends")
        .0
        .to_owned()
}

#[test]
fn the_documented_neovim_0_7_setup_starts_one_server_per_project() {
    require_neovim();
    let dir = tempfile::tempdir().expect("a temporary folder");
    let project = broken_project(dir.path());
    let init = dir.path().join("init.lua");
    fs::write(&init, documented_lua("<!-- neovim-0.7 -->")).expect("write init.lua");

    let binary = Path::new(env!("CARGO_BIN_EXE_journey"));
    let mut path = binary
        .parent()
        .expect("the binary's folder")
        .as_os_str()
        .to_owned();
    path.push(":");
    path.push(std::env::var_os("PATH").unwrap_or_default());
    let script = repo().join("tests/lsp_neovim/check_setup.lua");
    let args = [
        "-u".to_owned(),
        init.display().to_string(),
        "re-enrollment/renewal.journey".to_owned(),
        "-c".to_owned(),
        luafile(&script),
    ];
    let vars = [("PATH", path.to_string_lossy().into_owned())];
    let session = run_neovim(dir.path(), dir.path(), &args, &vars);
    let report = session.report();

    assert!(
        session.facts("FAIL").is_empty(),
        "the setup failed\n{report}"
    );
    assert!(session.success, "nvim exited with an error\n{report}");
    assert_eq!(session.fact("FILETYPE"), ["journey"], "{report}");
    assert_eq!(session.fact("COMMENTSTRING").join(" "), "# %s", "{report}");

    let client = session.fact("CLIENT");
    assert_eq!(client[0], "journey", "{report}");
    let root = fs::canonicalize(client[2]).expect("the root exists");
    assert_eq!(
        root,
        fs::canonicalize(&project).expect("the project"),
        "{report}"
    );

    let text = fs::read_to_string(project.join("renewal.journey")).expect("read the file");
    let mistake = find(&text, MISTAKE_LINE, "renewal_remindr");
    let diagnostic = vec![mistake.0.to_string(), "unknown-email".to_owned()];
    let diagnostics = session.facts("DIAGNOSTIC");
    assert!(
        diagnostics.iter().any(|d| *d == diagnostic),
        "{diagnostic:?}\n{report}"
    );

    assert_eq!(
        session.fact("SECOND"),
        [client[1]],
        "one server for the project\n{report}"
    );
}
