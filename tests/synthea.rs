//! `journey run` on real-looking input: the 105 Synthea sample patients of
//! `../shared/data/synthea/` (synthetic records, no real person; see its
//! SOURCE.md), through the preventive-care outreach journey of
//! `tests/fixtures/synthea/`, on a virtual clock, with the `.eml` outbox.
//!
//! The records have no e-mail address, time zone or death date, so
//! `scripts/synthea/contacts.py` derives a contacts file from them (its doc
//! gives every rule): the address is `<Id>@patients.example.org` (the
//! Synthea UUID; `example.org` is reserved, so nothing can reach a real
//! mailbox), the zone comes from `STATE` through a table of US states
//! (default `America/New_York`; every patient here lives in Massachusetts),
//! `has_diabetes` is an active diabetes mellitus condition, `has_hypertension`
//! an active essential hypertension, `last_encounter` and `encounter_count`
//! come from the encounters, `age` is counted on the day the run starts,
//! and `deceased` is a `Death Certification` encounter.
//!
//! Deceased patients are imported and put on the list like everyone else,
//! as a full EHR export would have them, with `deceased = true`; the journey
//! says `exit when contact.deceased`, which is checked on entry, so their
//! runs end as `exited` before the first step and nothing is ever queued
//! for them. We chose this over suppressing them (`unsubscribed` and
//! `bounced` mean something else, and would show up as suppressed sends)
//! and over leaving them out of the file (the engine would then never be
//! tested on them).
//!
//! The test computes what should happen straight from the three CSV files,
//! in Rust, without the script: it sorts the patients into the journey's
//! branches (diabetes by SNOMED code rather than by the script's wording
//! rule, ages and dates with chrono-tz), then checks the script's output
//! row by row, the report's figures per send step, the `.eml` files per
//! recipient, the send times of the delayed emails, and the deceased
//! patients' runs. Python 3 must be installed (CI has it for the SMTP sink);
//! the data folder must be there: either missing fails the test and says so.

use chrono::{DateTime, Duration, Months, NaiveDate, NaiveDateTime, TimeZone, Utc};
use chrono_tz::America::New_York;
use chrono_tz::Tz;
use serde_json::Value;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::process::Command;

/// 09:00 in Boston, five days after the data's last encounter.
const START: &str = "2024-05-01T13:00:00Z";
/// The day ages are counted on: the day of `START` in Boston.
const AS_OF: &str = "2024-05-01";

/// SNOMED codes of diabetes mellitus and its complications (type 1, type 2,
/// unspecified; kidney disorder, microalbuminuria, proteinuria, retinopathy,
/// neuropathy). Prediabetes (15777000) is not among them.
const DIABETES: [&str; 9] = [
    "46635009",
    "44054006",
    "73211009",
    "127013003",
    "90781000119102",
    "157141000119108",
    "422034002",
    "368581000119106",
    "1551000119108",
];
const PREDIABETES: &str = "15777000";
const HYPERTENSION: &str = "59621000";
const DEATH_CERTIFICATION: &str = "308646001";

fn repository() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// `../shared/data/synthea`, or a failure that says where it should be.
fn data_folder() -> PathBuf {
    let folder = repository().join("../shared/data/synthea");
    for file in ["patients.csv", "conditions.csv", "encounters.csv"] {
        assert!(
            folder.join(file).is_file(),
            "the Synthea sample data is missing: expected {} (see SOURCE.md beside it); \
             this test reads it in place and never copies it",
            folder.join(file).display()
        );
    }
    folder
}

/// One patient as the records describe them.
struct Patient {
    id: String,
    first: String,
    birth: NaiveDate,
    state: String,
    diabetic: bool,
    prediabetic: bool,
    hypertensive: bool,
    /// The start of the latest encounter, local time (no zone in the data).
    last_encounter: Option<NaiveDateTime>,
    encounters: u64,
    deceased: bool,
}

fn read_csv(path: &Path) -> Vec<HashMap<String, String>> {
    let mut reader = csv::Reader::from_path(path).unwrap();
    let headers = reader.headers().unwrap().clone();
    reader
        .records()
        .map(|record| {
            let record = record.unwrap();
            headers
                .iter()
                .zip(record.iter())
                .map(|(h, v)| (h.to_string(), v.to_string()))
                .collect()
        })
        .collect()
}

fn patients(folder: &Path) -> Vec<Patient> {
    let mut diabetic = HashSet::new();
    let mut prediabetic = HashSet::new();
    let mut hypertensive = HashSet::new();
    for condition in read_csv(&folder.join("conditions.csv")) {
        if !condition["STOP"].is_empty() {
            continue;
        }
        let patient = condition["PATIENT"].clone();
        match condition["CODE"].as_str() {
            code if DIABETES.contains(&code) => diabetic.insert(patient),
            PREDIABETES => prediabetic.insert(patient),
            HYPERTENSION => hypertensive.insert(patient),
            _ => false,
        };
    }

    let mut latest: HashMap<String, NaiveDateTime> = HashMap::new();
    let mut counts: HashMap<String, u64> = HashMap::new();
    let mut deceased = HashSet::new();
    for encounter in read_csv(&folder.join("encounters.csv")) {
        let patient = encounter["PATIENT"].clone();
        let start = NaiveDateTime::parse_from_str(&encounter["START"], "%Y-%m-%dT%H:%M:%S")
            .unwrap_or_else(|_| panic!("encounter START `{}`", encounter["START"]));
        let last = latest.entry(patient.clone()).or_insert(start);
        *last = (*last).max(start);
        *counts.entry(patient.clone()).or_default() += 1;
        if encounter["CODE"] == DEATH_CERTIFICATION {
            deceased.insert(patient);
        }
    }

    read_csv(&folder.join("patients.csv"))
        .into_iter()
        .map(|row| {
            let id = row["Id"].clone();
            Patient {
                first: row["FIRST"].clone(),
                birth: NaiveDate::parse_from_str(&row["BIRTHDATE"], "%Y-%m-%d").unwrap(),
                state: row["STATE"].clone(),
                diabetic: diabetic.contains(&id),
                prediabetic: prediabetic.contains(&id),
                hypertensive: hypertensive.contains(&id),
                last_encounter: latest.get(&id).copied(),
                encounters: counts.get(&id).copied().unwrap_or(0),
                deceased: deceased.contains(&id),
                id,
            }
        })
        .collect()
}

fn start() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(START).unwrap().to_utc()
}

/// Whole years of age on `AS_OF`.
fn age(patient: &Patient) -> u32 {
    let day = NaiveDate::parse_from_str(AS_OF, "%Y-%m-%d").unwrap();
    day.years_since(patient.birth).unwrap()
}

/// The patient's zone. Every patient of the sample lives in Massachusetts;
/// a state this table lacks fails here rather than guess.
fn zone(patient: &Patient) -> Tz {
    match patient.state.as_str() {
        "Massachusetts" => New_York,
        other => panic!("no zone known for the state `{other}` in this test"),
    }
}

/// Where the journey sends a patient, worked out from the records: the
/// emails in the order they go out, each with the instant it is due.
fn expected_emails(patient: &Patient) -> Vec<(&'static str, DateTime<Utc>)> {
    let now = start();
    let mut emails = Vec::new();
    if patient.deceased {
        return emails;
    }
    let age = age(patient);
    if age < 18 {
        emails.push(("well_child_visit", now));
        return emails;
    }

    if patient.diabetic {
        emails.push(("diabetes_care", now));
    } else if patient.hypertensive {
        emails.push(("blood_pressure_check", now));
    }
    if (45..=75).contains(&age) {
        emails.push(("colorectal_screening", now));
    }

    let zone = zone(patient);
    let local_now = now.with_timezone(&zone);
    let year_ago = local_now.checked_sub_months(Months::new(12)).unwrap();
    let last_visit = patient
        .last_encounter
        .map(|local| zone.from_local_datetime(&local).earliest().unwrap());
    let mut at = now;
    if last_visit.is_none_or(|visit| visit < year_ago) {
        emails.push(("wellness_visit", now));
        at = in_days(now, 10, zone);
        emails.push(("wellness_reminder", at));
    }
    if patient.diabetic {
        emails.push(("diabetes_eye_exam", in_days(at, 14, zone)));
    }
    emails
}

/// `days` calendar days after `instant`, at the same local time in `zone`.
fn in_days(instant: DateTime<Utc>, days: i64, zone: Tz) -> DateTime<Utc> {
    let local = instant.with_timezone(&zone).naive_local() + Duration::days(days);
    zone.from_local_datetime(&local)
        .earliest()
        .unwrap()
        .to_utc()
}

/// The subject line each email has, for the patient with this first name.
fn subject(email: &str, first_name: &str) -> String {
    match email {
        "well_child_visit" => format!("Time to book {first_name}'s well-child visit"),
        "diabetes_care" => "Your diabetes check-up: A1c and kidney tests".into(),
        "diabetes_eye_exam" => "Your yearly diabetic eye exam".into(),
        "blood_pressure_check" => format!("A blood pressure check, {first_name}"),
        "colorectal_screening" => "Colorectal cancer screening: are you up to date?".into(),
        "wellness_visit" => {
            format!("It has been a while, {first_name}: book your yearly visit")
        }
        "wellness_reminder" => "A reminder: your yearly visit".into(),
        other => panic!("no such email `{other}`"),
    }
}

fn first_name(patient: &Patient) -> &str {
    patient.first.trim_end_matches(|c: char| c.is_ascii_digit())
}

fn address(patient: &Patient) -> String {
    format!("{}@patients.example.org", patient.id)
}

/// What the outreach run left behind.
struct Outreach {
    dir: tempfile::TempDir,
    patients: Vec<Patient>,
    /// The converted contacts, by id.
    contacts: HashMap<String, HashMap<String, String>>,
    run_stderr: String,
    report: Value,
    /// Every `.eml` file of the outbox.
    messages: Vec<Message>,
}

struct Message {
    headers: HashMap<String, String>,
    text: String,
}

impl Outreach {
    fn project(&self) -> PathBuf {
        self.dir.path().join("project")
    }

    fn journey(&self, args: &[&str]) -> (Option<i32>, String, String) {
        let output = Command::new(env!("CARGO_BIN_EXE_journey"))
            .args(args)
            .current_dir(self.dir.path())
            .output()
            .expect("the journey binary runs");
        (
            output.status.code(),
            String::from_utf8(output.stdout).unwrap(),
            String::from_utf8(output.stderr).unwrap(),
        )
    }

    /// The report's figures of one step, by step id.
    fn step(&self, id: &str) -> &Value {
        let steps = self.report["journeys"][0]["steps"].as_array().unwrap();
        steps
            .iter()
            .find(|s| s["step"] == id)
            .unwrap_or_else(|| panic!("no step `{id}` in the report: {:#}", self.report))
    }

    /// The patient a message went to.
    fn recipient(&self, message: &Message) -> &Patient {
        let to = &message.headers["To"];
        self.patients
            .iter()
            .find(|p| &address(p) == to)
            .unwrap_or_else(|| panic!("a message to `{to}`, who is no patient"))
    }
}

/// Converts the records into a contacts file and copies the fixture
/// project, both into a temporary folder.
fn convert() -> Outreach {
    let data = data_folder();
    let dir = tempfile::tempdir().unwrap();
    copy_folder(
        &repository().join("tests/fixtures/synthea"),
        &dir.path().join("project"),
    );

    let contacts = dir.path().join("contacts.csv");
    let script = repository().join("scripts/synthea/contacts.py");
    let converted = Command::new("python3")
        .arg(&script)
        .arg(&data)
        .arg(&contacts)
        .args(["--as-of", AS_OF])
        .output()
        .unwrap_or_else(|e| panic!("cannot run python3 (is Python 3 installed?): {e}"));
    assert!(
        converted.status.success(),
        "{} failed: {}",
        script.display(),
        String::from_utf8_lossy(&converted.stderr)
    );

    Outreach {
        patients: patients(&data),
        contacts: read_csv(&contacts)
            .into_iter()
            .map(|row| (row["id"].clone(), row))
            .collect(),
        dir,
        run_stderr: String::new(),
        report: Value::Null,
        messages: Vec::new(),
    }
}

/// [`convert`], then the project run for sixty virtual days and its report.
fn run_outreach() -> Outreach {
    let mut outreach = convert();
    let (code, _, stderr) = outreach.journey(&[
        "run",
        "project",
        "--clock",
        "virtual",
        "--start",
        START,
        "--until",
        "60 days",
        "--contacts",
        "contacts.csv",
    ]);
    assert_eq!(code, Some(0), "journey run failed:\n{stderr}");
    outreach.run_stderr = stderr;

    let (code, stdout, stderr) =
        outreach.journey(&["report", "--format", "json", "--db", "project/journey.db"]);
    assert_eq!(code, Some(0), "journey report failed:\n{stderr}");
    outreach.report = serde_json::from_str(&stdout).unwrap();

    outreach.messages = read_outbox(&outreach.project().join("outbox"));
    outreach
}

fn copy_folder(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_folder(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

fn read_outbox(folder: &Path) -> Vec<Message> {
    let mut messages = Vec::new();
    for entry in std::fs::read_dir(folder).unwrap() {
        let path = entry.unwrap().path();
        assert_eq!(path.extension().unwrap(), "eml", "{}", path.display());
        let text = std::fs::read_to_string(&path).unwrap();
        let headers = text
            .split("\r\n")
            .take_while(|line| !line.is_empty())
            .filter_map(|line| line.split_once(": "))
            .map(|(name, value)| (name.to_string(), value.to_string()))
            .collect();
        messages.push(Message { headers, text });
    }
    messages
}

#[test]
fn the_contacts_file_follows_the_documented_rules() {
    let outreach = convert();

    assert_eq!(outreach.patients.len(), 105);
    assert_eq!(outreach.contacts.len(), 105);
    for patient in &outreach.patients {
        let row = &outreach.contacts[&patient.id];
        let yes_no = |flag: bool| flag.to_string();
        assert_eq!(row["email"], address(patient));
        assert_eq!(row["first_name"], first_name(patient));
        assert_eq!(row["birth_date"], patient.birth.to_string());
        assert_eq!(row["timezone"], zone(patient).name());
        assert_eq!(row["age"], age(patient).to_string());
        assert_eq!(
            row["has_diabetes"],
            yes_no(patient.diabetic),
            "{}",
            patient.id
        );
        assert_eq!(row["has_hypertension"], yes_no(patient.hypertensive));
        assert_eq!(row["encounter_count"], patient.encounters.to_string());
        assert_eq!(row["deceased"], yes_no(patient.deceased), "{}", patient.id);
        assert_eq!(row["lists"], "patients");

        let last = DateTime::parse_from_rfc3339(&row["last_encounter"]).unwrap();
        let local = last.with_timezone(&zone(patient)).naive_local();
        assert_eq!(Some(local), patient.last_encounter, "{}", patient.id);
    }

    let first_names = outreach.contacts.values().map(|row| &row["first_name"]);
    assert!(first_names.clone().all(|name| !name.is_empty()));
    assert!(first_names
        .clone()
        .all(|name| !name.ends_with(|c: char| c.is_ascii_digit())));
}

#[test]
fn report_counts_match_the_branches_computed_from_the_records() {
    let outreach = run_outreach();
    let patients = &outreach.patients;
    let deceased = patients.iter().filter(|p| p.deceased).count();
    let living = patients.len() - deceased;
    assert_eq!(
        deceased, 5,
        "the sample has five Death Certification encounters"
    );

    let mut sends: BTreeMap<&str, u64> = BTreeMap::new();
    for patient in patients {
        for (email, _) in expected_emails(patient) {
            *sends.entry(email).or_default() += 1;
        }
    }
    let total: u64 = sends.values().sum();
    assert!(
        sends.len() == 7 && sends.values().all(|n| *n > 0),
        "every branch has patients, or this test proves little: {sends:?}"
    );

    assert!(
        outreach.run_stderr.contains(&format!(
            "entered {}, advanced {}; emails sent {total}, suppressed 0, failed 0, to retry 0",
            patients.len(),
            sends["wellness_reminder"] + sends["diabetes_eye_exam"],
        )),
        "{}",
        outreach.run_stderr
    );

    let first = outreach.step("start+1");
    assert_eq!(
        first["arrived"], living as u64,
        "the living reach the first step"
    );
    assert_eq!(
        first["ended"], deceased as u64,
        "the deceased exit on entry"
    );
    assert_eq!(outreach.report["journeys"][0]["active"], 0);

    let steps = [
        ("child", "well_child_visit"),
        ("diabetes", "diabetes_care"),
        ("blood_pressure", "blood_pressure_check"),
        ("colorectal", "colorectal_screening"),
        ("overdue", "wellness_visit"),
        ("overdue+2", "wellness_reminder"),
        ("diabetic+1", "diabetes_eye_exam"),
    ];
    for (step, email) in steps {
        let send = &outreach.step(step)["send"];
        assert_eq!(send["email"], email);
        assert_eq!(send["sent"], sends[email], "{email}: {send}");
        assert_eq!(send["queued"], 0, "{email}");
        assert_eq!(send["suppressed"], 0, "{email}");
        assert_eq!(send["failed"], 0, "{email}");
    }
    assert_eq!(outreach.messages.len() as u64, total);
}

#[test]
fn each_patient_gets_their_own_emails_at_the_right_time() {
    let outreach = run_outreach();

    let mut received: HashMap<&str, Vec<(String, String)>> = HashMap::new();
    for message in &outreach.messages {
        let patient = outreach.recipient(message);
        received.entry(patient.id.as_str()).or_default().push((
            message.headers["Subject"].clone(),
            message.headers["Date"].clone(),
        ));
        assert_eq!(
            message.headers["From"],
            "\"Example Health Primary Care\" <care@example-health.org>"
        );
    }

    for patient in &outreach.patients {
        let mut expected: Vec<(String, String)> = expected_emails(patient)
            .into_iter()
            .map(|(email, at)| (subject(email, first_name(patient)), date_header(at)))
            .collect();
        let mut got = received.remove(patient.id.as_str()).unwrap_or_default();
        expected.sort();
        got.sort();
        assert_eq!(got, expected, "patient {}", patient.id);
    }
}

#[test]
fn a_wellness_invitation_shows_the_visits_from_the_records() {
    let outreach = run_outreach();
    let invitations: Vec<&Message> = outreach
        .messages
        .iter()
        .filter(|m| m.headers["Subject"].ends_with("book your yearly visit"))
        .collect();
    assert!(!invitations.is_empty());

    for message in invitations {
        let patient = outreach.recipient(message);
        let last = patient.last_encounter.unwrap().format("%Y-%m-%d %H:%M");
        let shown = format!(
            "<p>Our records show {} visits with us, the last\r\n  one on {last}.",
            patient.encounters
        );
        assert!(message.text.contains(&shown), "{shown}\n{}", message.text);
    }
}

#[test]
fn deceased_patients_exit_on_entry_and_are_never_emailed() {
    let outreach = run_outreach();
    let deceased: Vec<&Patient> = outreach.patients.iter().filter(|p| p.deceased).collect();
    assert_eq!(deceased.len(), 5);

    for patient in deceased {
        let (code, stdout, stderr) = outreach.journey(&[
            "report",
            "--contact",
            &patient.id,
            "--format",
            "json",
            "--db",
            "project/journey.db",
        ]);
        assert_eq!(code, Some(0), "{stderr}");
        let report: Value = serde_json::from_str(&stdout).unwrap();
        let runs = report["runs"].as_array().unwrap();
        assert_eq!(runs.len(), 1, "{report:#}");
        assert_eq!(runs[0]["end_reason"], "exited (exit when held)");
        assert_eq!(runs[0]["ended_at"], "2024-05-01T13:00:00Z");
        assert_eq!(report["emails"], Value::Array(Vec::new()), "{report:#}");

        let to = address(patient);
        assert!(
            outreach.messages.iter().all(|m| m.headers["To"] != to),
            "a message went to the deceased patient {}",
            patient.id
        );
    }
}

#[test]
fn prediabetes_alone_is_not_diabetes() {
    let outreach = run_outreach();
    let prediabetic: Vec<&Patient> = outreach
        .patients
        .iter()
        .filter(|p| p.prediabetic && !p.diabetic && !p.deceased && age(p) >= 18)
        .collect();
    assert!(!prediabetic.is_empty(), "the sample has prediabetic adults");

    for patient in prediabetic {
        assert_eq!(outreach.contacts[&patient.id]["has_diabetes"], "false");
        let to = address(patient);
        let diabetes_mail = outreach.messages.iter().any(|m| {
            m.headers["To"] == to && m.headers["Subject"].to_lowercase().contains("diabet")
        });
        assert!(
            !diabetes_mail,
            "patient {} got a diabetes email",
            patient.id
        );
    }
}

/// An instant as the `Date` header writes it.
fn date_header(at: DateTime<Utc>) -> String {
    at.format("%a, %d %b %Y %H:%M:%S +0000").to_string()
}
