//! Helpers shared by the runtime's tests and its benchmark: compiling
//! journeys from text or from the example projects, the quickstart deployed
//! into a store with its contacts (and its templates, and a click on its
//! portal link), reading rows back from a store's database, a contact held
//! in memory that the VM reads through [`Facts`], and a small seeded random
//! number generator (the tests must not depend on a crate for that).
//!
//! Each test file uses only part of this module, so unused items are
//! allowed here rather than in every file that includes it.
#![allow(dead_code)]

use chrono_tz::Tz;
use journey_compiler::analyze_project;
use journey_compiler::check::config::{parse_config, ProjectConfig};
use journey_compiler::check::{DiskTemplates, TemplateSource};
use journey_compiler::diagnostic::Severity;
use journey_compiler::render::{render_to_string, Format};
use journey_compiler::source::{FileId, Sources};
use journey_runtime::bytecode::{Constant, JourneyId, Program};
use journey_runtime::compile::compile;
use journey_runtime::facts::{Facts, Value};
use journey_runtime::mail::Templates;
use journey_runtime::store::sqlite::SqliteStore;
use journey_runtime::store::{ContactId, ContactWrite, Happening, HappeningKind};
use std::fs;
use std::path::{Path, PathBuf};

/// Every email body is this text: bodies do not matter to the VM.
struct AnyBody;

impl TemplateSource for AnyBody {
    fn read(&self, _journey_file: &str, _body: &str) -> std::io::Result<String> {
        Ok("<p>Hello. {{ unsubscribe_url }}</p>".to_string())
    }
}

/// A member of the `members` list of [`PEER_JOURNEY`]'s schema (which
/// other test journeys share): `{id}@example.org`, on `plan`.
pub fn peer_member(id: &str, plan: &str) -> ContactWrite {
    let mut fields = serde_json::Map::new();
    fields.insert("email".into(), format!("{id}@example.org").into());
    fields.insert("plan".into(), plan.into());
    ContactWrite {
        external_id: id.into(),
        fields,
        zone: None,
        lists: vec!["members".into()],
        segments: vec![],
    }
}

/// The tiny journey the peer engines were measured on: send, branch on
/// `contact.plan == "gold"`, wait 2 days, end. Both benchmarks run it.
#[allow(dead_code)]
pub const PEER_JOURNEY: &str = r#"
contact {
  email: email
  plan: text
}

list members "Members"

email hello {
  kind treatment
  subject "Hello"
  body "hello.html"
}

journey peer {
  from "Example Health <care@example.org>"
  enter on list members
  send hello
  branch {
    when contact.plan == "gold" -> pause
    else -> pause
  }
  pause: wait 2 days
  end
}
"#;

/// The benchmarks' virtual start: 2026-10-26T08:53:20Z.
#[allow(dead_code)]
pub const START: i64 = 1_793_000_000;

/// Compiles one file of journey source with default project settings;
/// panics with the rendered diagnostics when it has errors.
pub fn compile_source(text: &str) -> Program {
    compile_source_with(text, &ProjectConfig::default())
}

/// Like [`compile_source`], with project settings.
pub fn compile_source_with(text: &str, config: &ProjectConfig) -> Program {
    let mut sources = Sources::new();
    sources.add("test.journey", text);
    compile_sources(&sources, config, &AnyBody)
}

fn compile_sources(
    sources: &Sources,
    config: &ProjectConfig,
    templates: &dyn TemplateSource,
) -> Program {
    let analysis = analyze_project(sources, config, templates);
    let errors = analysis
        .diagnostics
        .iter()
        .any(|d| d.severity == Severity::Error);
    match analysis.program {
        Some(program) if !errors => compile(&program),
        _ => panic!(
            "the test journey does not check:\n{}",
            render_to_string(
                Format::Human { color: false },
                sources,
                &analysis.diagnostics
            )
        ),
    }
}

/// The folder of the example projects.
pub fn examples_folder() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples")
}

/// Every example project, by folder name, in name order, compiled with its
/// `journey.toml` and its templates on disk.
pub fn example_programs() -> Vec<(String, Program)> {
    let mut folders: Vec<PathBuf> = fs::read_dir(examples_folder())
        .expect("the examples folder can be read")
        .map(|entry| entry.expect("a folder entry").path())
        .filter(|path| path.is_dir())
        .collect();
    folders.sort();
    assert!(folders.len() >= 8, "expected the example projects");

    folders
        .iter()
        .map(|folder| {
            let name = folder.file_name().unwrap().to_string_lossy().into_owned();
            (name, compile_folder(folder))
        })
        .collect()
}

/// Compiles one project folder: its `.journey` files (not below it) and
/// its `journey.toml`.
pub fn compile_folder(folder: &Path) -> Program {
    let mut files: Vec<PathBuf> = fs::read_dir(folder)
        .expect("a project folder can be read")
        .map(|entry| entry.expect("a folder entry").path())
        .filter(|path| path.extension().is_some_and(|e| e == "journey"))
        .collect();
    files.sort();

    let mut sources = Sources::new();
    for file in &files {
        let text = fs::read_to_string(file).expect("a journey file is text");
        sources.add(file.to_string_lossy(), text);
    }
    let config = match fs::read_to_string(folder.join("journey.toml")) {
        Ok(text) => parse_config(FileId(u32::MAX), &text).0,
        Err(_) => ProjectConfig::default(),
    };
    compile_sources(&sources, &config, &DiskTemplates)
}

/// The quickstart example's folder.
pub fn quickstart_folder() -> PathBuf {
    examples_folder().join("quickstart")
}

/// The quickstart compiled with its `journey.toml` and templates, encoded
/// as the artifact a store deploys.
pub fn quickstart_artifact() -> Vec<u8> {
    journey_runtime::artifact::encode(&compile_folder(&quickstart_folder()))
}

/// A contact the quickstart's journey enters: `{id}@example.org`, first
/// name `id`, in Chicago, on the `newcomers` list.
pub fn quickstart_contact(id: &str) -> ContactWrite {
    let mut fields = serde_json::Map::new();
    fields.insert("email".into(), format!("{id}@example.org").into());
    fields.insert("first_name".into(), id.into());
    ContactWrite {
        external_id: id.into(),
        fields,
        zone: Some("America/Chicago".into()),
        lists: vec!["newcomers".into()],
        segments: vec![],
    }
}

/// The quickstart's email bodies, from its templates folder, ready to render.
pub fn quickstart_templates(program: &Program) -> Templates {
    let mut templates = Templates::new();
    for email in &program.emails {
        let path = quickstart_folder().join(&email.body);
        let body = fs::read_to_string(path).expect("a quickstart template");
        templates
            .add(email, &body)
            .expect("a quickstart template renders");
    }
    templates
}

/// A person's click, at `at`, on the `portal` link of the quickstart's
/// `welcome` email.
pub fn portal_click(contact: ContactId, at: i64) -> Happening {
    Happening {
        contact,
        at,
        kind: HappeningKind::Click,
        name: Some("welcome".into()),
        link: Some("portal".into()),
        data: None,
        automated: false,
    }
}

/// `store` with `artifact` deployed and `contacts` imported, both at `at`.
pub fn deploy_and_import(
    mut store: SqliteStore,
    artifact: &[u8],
    contacts: &[ContactWrite],
    at: i64,
) -> SqliteStore {
    store.deploy(artifact, at).expect("the artifact deploys");
    store
        .import_contacts(contacts, at)
        .expect("the contacts import");
    store
}

/// `store` with the quickstart deployed and a [`quickstart_contact`] per
/// id imported, at `at`.
pub fn with_quickstart(store: SqliteStore, ids: &[&str], at: i64) -> SqliteStore {
    let contacts: Vec<ContactWrite> = ids.iter().map(|id| quickstart_contact(id)).collect();
    deploy_and_import(store, &quickstart_artifact(), &contacts, at)
}

/// Asserts that every reference the store holds (a run's contact and
/// deployment, an email's run, ...) leads to its row, and that foreign-key
/// checks are on: the engine writes its bulk batches without them.
pub fn assert_references_hold(connection: &rusqlite::Connection) {
    let broken = select(connection, "SELECT * FROM pragma_foreign_key_check", |r| {
        Ok(format!(
            "{:?} row {:?}",
            r.get::<_, String>(0)?,
            r.get::<_, Option<i64>>(1)?
        ))
    });
    assert!(broken.is_empty(), "references to no row: {broken:?}");
    let checked: bool = connection
        .pragma_query_value(None, "foreign_keys", |r| r.get(0))
        .expect("the setting reads");
    assert!(checked, "foreign-key checks are on outside a batch");
}

/// Every row `sql` (without parameters) selects, each read by `row`.
pub fn select<T>(
    connection: &rusqlite::Connection,
    sql: &str,
    row: impl FnMut(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
) -> Vec<T> {
    let mut query = connection.prepare(sql).expect("the query prepares");
    query
        .query_map([], row)
        .expect("the query runs")
        .collect::<rusqlite::Result<_>>()
        .expect("every row reads")
}

/// The index of the journey named `name`.
pub fn journey_id(program: &Program, name: &str) -> JourneyId {
    program
        .journeys
        .iter()
        .position(|j| j.code.name == name)
        .unwrap_or_else(|| panic!("no journey {name}")) as JourneyId
}

/// The index of a step by its id (`start+1`, a label).
pub fn step_index(program: &Program, journey: JourneyId, id: &str) -> u16 {
    program.journeys[journey as usize]
        .code
        .steps
        .iter()
        .position(|s| s.id == id)
        .unwrap_or_else(|| panic!("no step {id}")) as u16
}

/// A field value owned by a [`Contact`].
#[derive(Clone, Debug, PartialEq)]
pub enum Fact {
    Missing,
    Bool(bool),
    Number(f64),
    Text(String),
    Date(i32),
    Instant(i64),
}

impl Fact {
    fn view(&self) -> Value<'_> {
        match self {
            Fact::Missing => Value::Missing,
            Fact::Bool(b) => Value::Bool(*b),
            Fact::Number(n) => Value::Number(*n),
            Fact::Text(t) => Value::Text(t),
            Fact::Date(d) => Value::Date(*d),
            Fact::Instant(at) => Value::Instant(*at),
        }
    }

    /// A field's default as a value; defaults that need a zone to be read
    /// (local date-times) are not used by these tests and stay missing.
    fn of_default(constant: &Constant) -> Fact {
        match constant {
            Constant::Text(t) => Fact::Text(t.clone()),
            Constant::Number(n) => Fact::Number(*n),
            Constant::Bool(b) => Fact::Bool(*b),
            Constant::Date(d) => Fact::Date(*d),
            Constant::Instant(at) => Fact::Instant(*at),
            _ => Fact::Missing,
        }
    }
}

/// One contact and what happened to them, in memory.
#[derive(Clone, Debug)]
pub struct Contact {
    pub fields: Vec<Fact>,
    pub zone: Option<Tz>,
    pub key: u64,
    /// (email, by a person, when)
    pub opens: Vec<(u16, bool, i64)>,
    /// (email, link, by a person, when)
    pub clicks: Vec<(u16, Option<u16>, bool, i64)>,
    /// (event, when, its fields)
    pub events: Vec<(u16, i64, Vec<Fact>)>,
    pub updates: Vec<i64>,
    pub segments: Vec<u16>,
}

impl Contact {
    /// A contact with every field at its default (or missing).
    pub fn new(program: &Program, key: u64) -> Contact {
        Contact {
            fields: program
                .fields
                .iter()
                .map(|f| f.default.as_ref().map_or(Fact::Missing, Fact::of_default))
                .collect(),
            zone: None,
            key,
            opens: Vec::new(),
            clicks: Vec::new(),
            events: Vec::new(),
            updates: Vec::new(),
            segments: Vec::new(),
        }
    }

    /// Sets the field called `name`.
    pub fn with(mut self, program: &Program, name: &str, value: Fact) -> Contact {
        let index = program
            .fields
            .iter()
            .position(|f| f.name == name)
            .unwrap_or_else(|| panic!("no field {name}"));
        self.fields[index] = value;
        self
    }
}

fn earliest(times: impl Iterator<Item = i64>, since: i64, until: i64) -> Option<i64> {
    times.filter(|at| (since..=until).contains(at)).min()
}

impl Facts for Contact {
    fn field(&self, index: u16) -> Value<'_> {
        self.fields
            .get(index as usize)
            .map_or(Value::Missing, Fact::view)
    }

    fn zone(&self) -> Option<Tz> {
        self.zone
    }

    fn split_key(&self) -> u64 {
        self.key
    }

    fn opened(&self, email: u16, human: bool, since: i64, until: i64) -> Option<i64> {
        let times = self
            .opens
            .iter()
            .filter(|(e, by_person, _)| *e == email && (*by_person || !human))
            .map(|(_, _, at)| *at);
        earliest(times, since, until)
    }

    fn clicked(
        &self,
        email: u16,
        link: Option<u16>,
        human: bool,
        since: i64,
        until: i64,
    ) -> Option<i64> {
        let times = self
            .clicks
            .iter()
            .filter(|(e, l, by_person, _)| {
                *e == email && (link.is_none() || *l == link) && (*by_person || !human)
            })
            .map(|(_, _, _, at)| *at);
        earliest(times, since, until)
    }

    fn event(
        &self,
        event: u16,
        since: i64,
        until: i64,
        accept: &mut dyn FnMut(&[Value<'_>]) -> bool,
    ) -> Option<i64> {
        let mut found: Option<i64> = None;
        for (e, at, fields) in &self.events {
            if *e != event || !(since..=until).contains(at) {
                continue;
            }
            let values: Vec<Value> = fields.iter().map(Fact::view).collect();
            if accept(&values) {
                found = Some(found.map_or(*at, |f| f.min(*at)));
            }
        }
        found
    }

    fn updated(&self, since: i64, until: i64) -> Option<i64> {
        earliest(self.updates.iter().copied(), since, until)
    }

    fn in_segment(&self, segment: u16) -> bool {
        self.segments.contains(&segment)
    }
}

/// SplitMix64: a small, seeded generator, the same on every machine.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `low..high`.
    pub fn range(&mut self, low: u64, high: u64) -> u64 {
        low + self.next_u64() % (high - low)
    }
}
