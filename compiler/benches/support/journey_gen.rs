//! Random journey source text that the grammar accepts.
//!
//! The benchmark needs megabytes of realistic input, and the fuzzer needs
//! inputs that reach deep into the grammar rather than failing on the first
//! word. Both come from here: a [`Schema`] of declared names (contact
//! fields of every type, emails with links, lists, segments, events,
//! journeys) and journeys that use every setting and step kind, with
//! expressions, waits, branches and splits that refer only to declared
//! names and labels.
//!
//! Every text made here is meant to parse without a single diagnostic; the
//! structured fuzz target asserts that, so a failure there points at a bug
//! in the parser or in this file.

use super::choices::{Choices, Seeded};
use std::fmt::Write;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ty {
    Text,
    Number,
    Bool,
    Date,
    DateTime,
    Duration,
    TimeZone,
    Email,
}

impl Ty {
    const ALL: [Ty; 8] = [
        Ty::Text,
        Ty::Number,
        Ty::Bool,
        Ty::Date,
        Ty::DateTime,
        Ty::Duration,
        Ty::TimeZone,
        Ty::Email,
    ];

    fn keyword(self) -> &'static str {
        match self {
            Ty::Text => "text",
            Ty::Number => "number",
            Ty::Bool => "bool",
            Ty::Date => "date",
            Ty::DateTime => "datetime",
            Ty::Duration => "duration",
            Ty::TimeZone => "timezone",
            Ty::Email => "email",
        }
    }

    /// A literal of this type, for defaults and comparisons.
    fn literal(self) -> &'static str {
        match self {
            Ty::Text => "\"basic\"",
            Ty::Number => "0",
            Ty::Bool => "false",
            Ty::Date => "2026-01-01",
            Ty::DateTime => "2026-01-01T09:00:00Z",
            Ty::Duration => "3 days",
            Ty::TimeZone => "\"America/Chicago\"",
            Ty::Email => "\"members@example-health.org\"",
        }
    }
}

#[derive(Clone, Debug)]
pub struct Field {
    pub name: String,
    pub ty: Ty,
    pub optional: bool,
}

impl Field {
    fn new(name: &str, ty: Ty, optional: bool) -> Field {
        Field {
            name: name.to_string(),
            ty,
            optional,
        }
    }
}

/// How many declarations of each kind a project has.
#[derive(Clone, Copy, Debug)]
pub struct Size {
    /// Contact fields beyond the eleven every schema has.
    pub extra_fields: usize,
    pub emails: usize,
    pub lists: usize,
    pub segments: usize,
    pub events: usize,
    pub journeys: usize,
    /// Steps per journey, at most.
    pub steps: usize,
    /// How deeply conditions nest `and`, `or`, `not` and parentheses.
    pub expr_depth: usize,
}

impl Size {
    /// A schema of a mid-sized team, with journeys added one by one by the
    /// caller: what a 2,000-line file or editor project is made of.
    pub fn journeys_added_later() -> Size {
        Size {
            extra_fields: 10,
            emails: 12,
            lists: 4,
            segments: 4,
            events: 4,
            journeys: 0,
            steps: 30,
            expr_depth: 2,
        }
    }
}

/// The names a project declares; journeys refer only to these.
#[derive(Clone, Debug)]
pub struct Schema {
    pub fields: Vec<Field>,
    pub emails: Vec<String>,
    pub lists: Vec<String>,
    pub segments: Vec<String>,
    pub events: Vec<(String, Vec<Field>)>,
    pub journeys: Vec<String>,
}

impl Schema {
    pub fn new(size: &Size) -> Schema {
        let mut fields = vec![
            Field::new("first_name", Ty::Text, false),
            Field::new("plan", Ty::Text, true),
            Field::new("renewal_due", Ty::Date, true),
            Field::new("next_visit", Ty::DateTime, true),
            Field::new("timezone", Ty::TimeZone, false),
            Field::new("enrolled", Ty::Bool, false),
            Field::new("age", Ty::Number, true),
            Field::new("visits", Ty::Number, false),
            Field::new("cooldown", Ty::Duration, true),
            Field::new("work_email", Ty::Email, true),
            // The address the engine mails: without it a project does not
            // build, and a check of it would skip building the program.
            Field::new("email", Ty::Email, false),
        ];
        for i in 0..size.extra_fields {
            fields.push(Field::new(&format!("f{i}"), Ty::ALL[i % 8], i % 3 == 0));
        }

        let events = (0..size.events.max(1))
            .map(|i| {
                let fields = match i % 3 {
                    0 => vec![],
                    1 => vec![Field::new("form", Ty::Text, false)],
                    _ => vec![
                        Field::new("form", Ty::Text, false),
                        Field::new("amount", Ty::Number, false),
                    ],
                };
                (format!("ev_{i}"), fields)
            })
            .collect();

        let names =
            |prefix: &str, n: usize| (0..n.max(1)).map(|i| format!("{prefix}_{i}")).collect();
        Schema {
            fields,
            emails: names("e", size.emails),
            lists: names("l", size.lists),
            segments: names("seg", size.segments),
            events,
            journeys: names("j", size.journeys),
        }
    }

    /// Fields of type `ty`; every type has at least one.
    fn fields_of(&self, ty: Ty) -> Vec<&Field> {
        self.fields.iter().filter(|f| f.ty == ty).collect()
    }
}

/// A project of at least `bytes` bytes of source: `schema.journey` and
/// files of about 64 KB of journeys, the same for the same seed.
pub fn project(seed: u64, bytes: usize) -> Vec<(String, String)> {
    let size = Size {
        extra_fields: 40,
        emails: 80,
        lists: 12,
        segments: 12,
        events: 9,
        journeys: 0,
        steps: 40,
        expr_depth: 2,
    };
    let mut c = Seeded::new(seed);
    let mut schema = Schema::new(&size);
    schema.journeys.clear();
    let mut files = vec![("schema.journey".to_string(), schema_text(&schema, &mut c))];
    let mut total = files[0].1.len();

    while total < bytes {
        let mut text = String::new();
        while text.len() < 64_000 && total + text.len() < bytes {
            let name = format!("j_{}", schema.journeys.len());
            schema.journeys.push(name.clone());
            let steps = 10 + c.below(size.steps);
            text.push_str(&journey_text(
                &schema,
                &mut c,
                &name,
                steps,
                size.expr_depth,
            ));
        }
        total += text.len();
        files.push((format!("journeys_{}.journey", files.len()), text));
    }
    files
}

/// One self-contained file (a schema, then journeys) of at least `lines`
/// lines.
pub fn file_of_lines(seed: u64, lines: usize) -> String {
    let size = Size::journeys_added_later();
    let mut c = Seeded::new(seed);
    let mut schema = Schema::new(&size);
    schema.journeys.clear();
    let mut text = schema_text(&schema, &mut c);

    while text.lines().count() < lines {
        let name = format!("j_{}", schema.journeys.len());
        schema.journeys.push(name.clone());
        let steps = 10 + c.below(size.steps);
        text.push_str(&journey_text(
            &schema,
            &mut c,
            &name,
            steps,
            size.expr_depth,
        ));
    }
    text
}

/// A small random file for the fuzzer: maybe a schema, then journeys.
pub fn random_file(c: &mut impl Choices) -> String {
    let size = Size {
        extra_fields: c.below(4),
        emails: 1 + c.below(3),
        lists: 1 + c.below(2),
        segments: 1 + c.below(2),
        events: 1 + c.below(3),
        journeys: 1 + c.below(3),
        steps: 1 + c.below(12),
        expr_depth: c.below(6),
    };
    let schema = Schema::new(&size);

    let mut out = String::new();
    if c.chance(60) {
        out.push_str(&schema_text(&schema, c));
    }
    for name in &schema.journeys {
        let steps = 1 + c.below(size.steps);
        out.push_str(&journey_text(&schema, c, name, steps, size.expr_depth));
    }
    out
}

/// The declarations of `schema`: contact, lists, segments, events, emails.
pub fn schema_text(schema: &Schema, c: &mut impl Choices) -> String {
    let mut w = Writer::new(schema, c);
    w.schema();
    w.out
}

/// One journey named `name` with about `steps` steps.
pub fn journey_text(
    schema: &Schema,
    c: &mut impl Choices,
    name: &str,
    steps: usize,
    expr_depth: usize,
) -> String {
    let mut w = Writer::new(schema, c);
    w.expr_depth = expr_depth;
    w.journey(name, steps);
    w.out
}

struct Writer<'a, C: Choices> {
    schema: &'a Schema,
    c: &'a mut C,
    out: String,
    expr_depth: usize,
    /// Labels of the journey being written, with the index of their step.
    labels: Vec<(usize, String)>,
    /// By step index: whether an arrow or `goto` targets its label.
    referenced: Vec<bool>,
    /// The label the current step must jump to, as it never falls through.
    must_reach: Option<String>,
    /// Emails this journey has sent so far; engagement refers only to these.
    sent: Vec<String>,
    /// How many absolute waits the journey has so far.
    absolute_waits: usize,
}

const UNITS: &[&str] = &[
    "second", "seconds", "minute", "minutes", "hour", "hours", "day", "days", "week", "weeks",
    "month", "months",
];
const TEXT_PIECES: &[&str] = &[
    "Hello",
    " ",
    "{{ contact.first_name }}",
    "\\\"quoted\\\"",
    "\\n",
    "Café",
    " 🎉",
    "#4",
    "{",
    "}",
    "->",
    "\\\\",
    "re-enroll",
    "\\t",
    "日本語",
];
const WINDOWS: &[&str] = &[
    "thursday 12:00-14:00",
    "weekdays 09:00-17:00",
    "day 1 of month 09:00",
    "09:00",
    "monday, friday 10:00",
    "weekends 8:30-11:00",
];
const ZONES: &[&str] = &["America/Chicago", "Europe/Paris", "UTC"];
const COMPARISONS: &[&str] = &["==", "!=", "<", "<=", ">", ">="];

impl<'a, C: Choices> Writer<'a, C> {
    fn new(schema: &'a Schema, c: &'a mut C) -> Writer<'a, C> {
        Writer {
            schema,
            c,
            out: String::new(),
            expr_depth: 2,
            labels: Vec::new(),
            referenced: Vec::new(),
            must_reach: None,
            sent: Vec::new(),
            absolute_waits: 0,
        }
    }

    fn push(&mut self, text: &str) {
        self.out.push_str(text);
    }

    fn end_line(&mut self) {
        if self.c.chance(10) {
            self.push("  # note: {not code} \"quoted\"");
        }
        self.push("\n");
    }

    fn string(&mut self) {
        self.push("\"");
        for _ in 0..self.c.below(5) {
            let piece = *self.c.pick(TEXT_PIECES);
            self.push(piece);
        }
        self.push("\"");
    }

    fn duration(&mut self) {
        let parts = 1 + usize::from(self.c.chance(15));
        for i in 0..parts {
            if i > 0 {
                self.push(" ");
            }
            let amount = 1 + self.c.below(30);
            let unit = *self.c.pick(UNITS);
            let _ = write!(self.out, "{amount} {unit}");
        }
    }

    fn time(&mut self) {
        let _ = write!(
            self.out,
            "{:02}:{:02}",
            self.c.below(24),
            self.c.below(4) * 15
        );
    }

    fn zone(&mut self) {
        if self.c.chance(50) {
            self.push(" in contact.timezone");
        } else {
            let zone = *self.c.pick(ZONES);
            let _ = write!(self.out, " in \"{zone}\"");
        }
    }

    // ------------------------------------------------------------ schema --

    fn schema(&mut self) {
        let schema = self.schema;
        self.push("contact {\n");
        for field in &schema.fields {
            let mark = if field.optional { "?" } else { "" };
            let _ = write!(self.out, "  {}: {}{mark}", field.name, field.ty.keyword());
            if self.c.chance(15) {
                self.push(" phi");
            }
            if !field.optional && self.c.chance(40) {
                let _ = write!(self.out, " = {}", field.ty.literal());
            }
            self.end_line();
        }
        self.push("}\n\n");

        for (keyword, names) in [("list", &schema.lists), ("segment", &schema.segments)] {
            for name in names {
                let _ = write!(self.out, "{keyword} {name}");
                if self.c.chance(50) {
                    self.push(" ");
                    self.string();
                }
                self.end_line();
            }
        }

        for (name, fields) in &schema.events {
            let _ = write!(self.out, "event {name}");
            match fields.as_slice() {
                [] => {}
                [one] => {
                    let _ = write!(self.out, " {{ {}: {} }}", one.name, one.ty.keyword());
                }
                many => {
                    self.push(" {\n");
                    for f in many {
                        let _ = writeln!(self.out, "  {}: {}", f.name, f.ty.keyword());
                    }
                    self.push("}");
                }
            }
            self.end_line();
        }
        self.push("\n");

        for name in &schema.emails {
            let _ = writeln!(self.out, "email {name} {{");
            let kind = if self.c.chance(50) {
                "treatment"
            } else {
                "marketing"
            };
            let _ = writeln!(self.out, "  kind {kind}");
            self.push("  subject ");
            self.string();
            self.end_line();
            let _ = writeln!(self.out, "  body \"templates/{name}.html\"");
            self.push("  link webinar \"https://example-health.org/webinar\"\n");
            self.push("  link portal \"https://portal.example-health.org/enroll\"\n");
            self.push("}\n\n");
        }
    }

    // ----------------------------------------------------------- journey --

    fn journey(&mut self, name: &str, steps: usize) {
        let steps = steps.max(1);
        self.labels = (0..steps)
            .filter(|&i| i + 1 == steps || i > 0 && self.c.chance(50))
            .map(|i| (i, format!("step_{i}")))
            .collect();
        self.referenced = vec![false; steps];
        self.sent.clear();
        self.absolute_waits = 0;

        let _ = write!(self.out, "journey {name}");
        if self.c.chance(60) {
            let _ = write!(self.out, " \"Journey {name}\"");
        }
        self.push(" {\n");
        self.settings();
        for i in 0..steps {
            self.step(i, i + 1 == steps);
        }
        self.push("}\n\n");
    }

    fn settings(&mut self) {
        // Every journey needs a sender; the checker reports one without.
        self.push("  from \"Member Services <members@example-health.org>\"\n");
        if self.c.chance(40) {
            self.push("  reply_to \"help@example-health.org\"\n");
        }
        if self.c.chance(40) {
            let level = *self.c.pick(&["high", "normal", "low"]);
            let _ = writeln!(self.out, "  priority {level}");
        }
        for _ in 0..1 + self.c.below(2) {
            self.push("  enter ");
            self.entry();
            self.end_line();
        }
        if self.c.chance(50) {
            self.push("  exit when ");
            self.condition(self.expr_depth, None);
            self.end_line();
        }
        if self.c.chance(40) {
            match self.c.below(3) {
                0 => self.push("  reentry never\n"),
                1 => self.push("  reentry always\n"),
                _ => {
                    self.push("  reentry after ");
                    self.duration();
                    self.push("\n");
                }
            }
        }
        if self.c.chance(30) {
            let zone = *self.c.pick(ZONES);
            let _ = writeln!(self.out, "  timezone \"{zone}\"");
        }
    }

    fn entry(&mut self) {
        let schema = self.schema;
        match self.c.below(5) {
            0 => {
                let list = self.c.pick(&schema.lists);
                let _ = write!(self.out, "on list {list}");
            }
            1 => {
                let segment = self.c.pick(&schema.segments);
                let _ = write!(self.out, "on segment {segment}");
            }
            2 => {
                let event = self.c.below(schema.events.len());
                let _ = write!(self.out, "on event {}", schema.events[event].0);
                if self.c.chance(50) {
                    self.push(" where ");
                    self.condition(self.expr_depth, Some(event));
                }
            }
            3 => {
                let field = if self.c.chance(50) {
                    "renewal_due"
                } else {
                    "next_visit"
                };
                let _ = write!(self.out, "on date contact.{field}");
                if self.c.chance(40) {
                    let text = if self.c.chance(50) { " - " } else { " + " };
                    self.push(text);
                    self.duration();
                }
                if self.c.chance(50) {
                    self.push(" yearly");
                }
                self.push(" at ");
                self.time();
                if self.c.chance(30) {
                    self.zone();
                }
            }
            _ => {
                self.push("when ");
                self.condition(self.expr_depth, None);
            }
        }
    }

    /// A label after step `index` to jump to. Prefers a label nothing
    /// jumps to yet, so that steps after an `end` stay reachable.
    fn target(&mut self, index: usize) -> String {
        let later: Vec<usize> = (0..self.labels.len())
            .filter(|&k| self.labels[k].0 > index)
            .collect();
        let unreferenced = later
            .iter()
            .copied()
            .find(|&k| !self.referenced[self.labels[k].0]);
        let k = match unreferenced {
            Some(k) if self.c.chance(60) => k,
            _ if later.is_empty() => self.c.below(self.labels.len()),
            _ => later[self.c.below(later.len())],
        };
        self.referenced[self.labels[k].0] = true;
        self.labels[k].1.clone()
    }

    /// The email this journey's first step sends, which every contact
    /// reaching a later step has been sent.
    fn sent_email(&mut self) -> String {
        self.sent[0].clone()
    }

    /// The target of the last arrow of a step that never falls through:
    /// the next step's label when nothing jumps there yet.
    fn last_target(&mut self, index: usize) -> String {
        match self.must_reach.take() {
            Some(label) => {
                self.referenced[index + 1] = true;
                label
            }
            None => self.target(index),
        }
    }

    fn arrow(&mut self, index: usize) {
        let target = self.target(index);
        let _ = write!(self.out, " -> {target}");
    }

    fn step(&mut self, index: usize, last: bool) {
        self.push("  ");
        if let Some((_, label)) = self.labels.iter().find(|(i, _)| *i == index) {
            let _ = write!(self.out, "{label}: ");
        }
        if last {
            self.push("end\n");
            return;
        }

        // Steps 4 to 7 and 10 never fall through to the next step, which
        // must then have a label that something jumps to.
        let next_label = self
            .labels
            .iter()
            .find(|(i, _)| *i == index + 1)
            .map(|l| l.1.clone());
        let next_referenced = next_label.is_some() && self.referenced[index + 1];
        let mut kind = if index == 0 { 0 } else { self.c.below(11) };
        match kind {
            4..=7 | 10 if next_label.is_none() => kind %= 4,
            7 | 10 if !next_referenced => kind = 6,
            _ => {}
        }
        if !next_referenced {
            self.must_reach = next_label;
        }

        let schema = self.schema;
        match kind {
            0 => {
                let email = self.c.pick(&schema.emails).clone();
                let _ = write!(self.out, "send {email}");
                self.sent.push(email);
            }
            1 => {
                self.push("wait ");
                self.duration();
            }
            2 => self.wait_until(index),
            3 => self.wait_for(index),
            4 => self.branch(index),
            5 => self.split(index),
            6 => {
                let target = self.last_target(index);
                let _ = write!(self.out, "goto {target}");
            }
            7 => {
                let journey = self.c.pick(&schema.journeys);
                let _ = write!(self.out, "goto journey {journey}");
            }
            8 => {
                let segment = self.c.pick(&schema.segments);
                let _ = write!(self.out, "add to {segment}");
            }
            9 => {
                let segment = self.c.pick(&schema.segments);
                let _ = write!(self.out, "remove from {segment}");
            }
            _ => self.push("end"),
        }
        self.must_reach = None;
        self.end_line();
    }

    /// A date later than every earlier absolute wait of the journey, so
    /// that none has always passed.
    fn next_absolute_date(&mut self) -> String {
        self.absolute_waits += 1;
        let n = self.absolute_waits;
        format!("{}-{:02}-01", 2030 + n / 12, 1 + n % 12)
    }

    fn wait_until(&mut self, index: usize) {
        self.push("wait until ");
        let mut relative_to_optional = false;
        let target = self.c.below(4);
        match target {
            0 => {
                let offset = *self.c.pick(&["Z", "+02:00", "-05:00"]);
                let date = self.next_absolute_date();
                let _ = write!(self.out, "{date}T09:00:00{offset}");
            }
            1 => {
                let field = if self.c.chance(50) {
                    "renewal_due"
                } else {
                    "next_visit"
                };
                let _ = write!(self.out, "contact.{field}");
                relative_to_optional = true;
                if self.c.chance(60) {
                    let text = if self.c.chance(70) { " - " } else { " + " };
                    self.push(text);
                    self.duration();
                }
                if self.c.chance(60) {
                    self.push(" at ");
                    self.time();
                }
            }
            2 => {
                let date = self.next_absolute_date();
                self.push(&date);
                if self.c.chance(70) {
                    self.push(" at ");
                    self.time();
                }
            }
            _ => {
                let window = *self.c.pick(WINDOWS);
                self.push(window);
            }
        }
        if self.c.chance(50) {
            self.zone();
        }
        // A window always comes round again, so it is never late.
        if target != 3 && self.c.chance(30) {
            self.push(" late");
            self.arrow(index);
        }
        if relative_to_optional {
            self.push(" missing");
            self.arrow(index);
        }
    }

    fn wait_for(&mut self, index: usize) {
        self.push("wait for ");
        let arms = 1 + self.c.below(3);
        // The next step is reachable only if some arm has no arrow, or the
        // timeout arm has none.
        let mut falls_through = false;
        for arm in 0..arms {
            if arm > 0 {
                let text = if self.c.chance(50) {
                    ",\n           "
                } else {
                    ", "
                };
                self.push(text);
            }
            self.wait_condition();
            if self.c.chance(70) {
                self.arrow(index);
            } else {
                falls_through = true;
            }
        }
        if self.c.chance(50) {
            self.push("\n          ");
        } else {
            self.push(" ");
        }
        if falls_through && self.c.chance(15) {
            self.push("forever");
            return;
        }
        self.push("timeout ");
        self.duration();
        if falls_through && self.c.chance(60) {
            self.arrow(index);
        }
    }

    fn wait_condition(&mut self) {
        let schema = self.schema;
        let human = if self.c.chance(20) { "human " } else { "" };
        match self.c.below(6) {
            0 if !self.sent.is_empty() => {
                let email = self.sent_email();
                let _ = write!(self.out, "{human}open {email}");
            }
            1 if !self.sent.is_empty() => {
                let email = self.sent_email();
                let link = *self.c.pick(&["", ".portal", ".webinar"]);
                let _ = write!(self.out, "{human}click {email}{link}");
            }
            2 => {
                let event = self.c.below(schema.events.len());
                let _ = write!(self.out, "event {}", schema.events[event].0);
                if self.c.chance(50) {
                    self.push(" where ");
                    self.condition(self.expr_depth, Some(event));
                }
            }
            0 | 1 | 3 => {
                self.push("update");
                if self.c.chance(70) {
                    self.push(" where ");
                    self.condition(self.expr_depth, None);
                }
            }
            _ => self.condition(self.expr_depth, None),
        }
    }

    fn branch(&mut self, index: usize) {
        self.push("branch {\n");
        for _ in 0..1 + self.c.below(4) {
            self.push("    when ");
            self.condition(self.expr_depth, None);
            self.arrow(index);
            if self.c.chance(30) {
                self.push(",");
            }
            self.end_line();
        }
        if self.must_reach.is_some() || !self.c.chance(10) {
            let target = self.last_target(index);
            let _ = writeln!(self.out, "    else -> {target}");
        }
        self.push("  }");
    }

    fn split(&mut self, index: usize) {
        let arms = 2 + self.c.below(3);
        let multiline = self.c.chance(50);
        self.push("split {");
        let mut left = 100;
        for arm in 0..arms {
            let share = if arm + 1 == arms { left } else { 100 / arms };
            left -= share;
            if multiline {
                self.push("\n    ");
            } else if arm > 0 {
                self.push(", ");
            } else {
                self.push(" ");
            }
            let target = if arm + 1 == arms {
                self.last_target(index)
            } else {
                self.target(index)
            };
            let _ = write!(self.out, "{share}% -> {target}");
        }
        self.push(if multiline { "\n  }" } else { " }" });
    }

    // ------------------------------------------------------- expressions --

    /// A condition; `event` is the event whose fields it may read.
    fn condition(&mut self, depth: usize, event: Option<usize>) {
        if depth == 0 || !self.c.chance(50) {
            self.atom(event);
            return;
        }
        match self.c.below(4) {
            0 | 1 => {
                self.condition(depth - 1, event);
                let text = if self.c.chance(50) { " and " } else { " or " };
                self.push(text);
                self.condition(depth - 1, event);
            }
            2 => {
                self.push("not ");
                self.condition(depth - 1, event);
            }
            _ => {
                self.push("(");
                self.condition(depth - 1, event);
                self.push(")");
            }
        }
    }

    fn atom(&mut self, event: Option<usize>) {
        let schema = self.schema;
        match self.c.below(10) {
            0 => self.push("contact.enrolled"),
            1 => {
                let optional: Vec<&Field> = schema.fields.iter().filter(|f| f.optional).collect();
                let field = self.c.pick(&optional).name.clone();
                let test = if self.c.chance(50) {
                    "is set"
                } else {
                    "is missing"
                };
                let _ = write!(self.out, "contact.{field} {test}");
            }
            2 => {
                let value = if self.c.chance(50) { "true" } else { "false" };
                let _ = write!(self.out, "contact.enrolled == {value}");
            }
            3 if !self.sent.is_empty() => {
                let human = if self.c.chance(20) { "human " } else { "" };
                let email = self.sent_email();
                let _ = write!(self.out, "{human}opened {email}");
            }
            4 if !self.sent.is_empty() => {
                let email = self.sent_email();
                let link = *self.c.pick(&["", ".portal", ".webinar"]);
                let _ = write!(self.out, "clicked {email}{link}");
            }
            3 | 4 => self.push("contact.visits >= 2"),
            5 => {
                let segment = self.c.pick(&schema.segments);
                let _ = write!(self.out, "in segment {segment}");
            }
            6 => self.comparison(Ty::Number),
            7 => self.comparison(Ty::Text),
            8 => {
                let ty = *self.c.pick(&[Ty::Date, Ty::DateTime, Ty::Duration]);
                self.comparison(ty);
            }
            _ => self.event_comparison(event),
        }
    }

    /// A value of type `ty` read from a contact field, with a default when
    /// the field is optional.
    fn field_value(&mut self, ty: Ty) {
        let fields = self.schema.fields_of(ty);
        let field = *self.c.pick(&fields);
        let _ = write!(self.out, "contact.{}", field.name);
        if field.optional {
            let _ = write!(self.out, " ?? {}", ty.literal());
        }
    }

    fn comparison(&mut self, ty: Ty) {
        self.field_value(ty);
        match ty {
            Ty::Number => {
                if self.c.chance(30) {
                    self.push(" + 1");
                }
                let op = *self.c.pick(COMPARISONS);
                let value = *self.c.pick(&["3", "12.5", "-1", "0"]);
                let _ = write!(self.out, " {op} {value}");
            }
            Ty::Text if self.c.chance(40) => {
                let negated = if self.c.chance(30) { " not" } else { "" };
                let _ = write!(self.out, "{negated} in [\"gold\", \"silver\"");
                if self.c.chance(30) {
                    self.push(", ");
                    self.string();
                    self.push(",");
                }
                self.push("]");
            }
            Ty::Text => {
                let op = *self.c.pick(&["==", "!="]);
                let _ = write!(self.out, " {op} ");
                self.string();
            }
            Ty::DateTime => {
                let op = *self.c.pick(COMPARISONS);
                let _ = write!(self.out, " {op} now");
                if self.c.chance(60) {
                    self.push(" + ");
                    self.duration();
                }
            }
            Ty::Date => {
                let op = *self.c.pick(COMPARISONS);
                let _ = write!(self.out, " {op} 2026-06-01");
            }
            _ => {
                let op = *self.c.pick(COMPARISONS);
                let _ = write!(self.out, " {op} ");
                self.duration();
            }
        }
    }

    fn event_comparison(&mut self, event: Option<usize>) {
        let fields = event.map_or(&[][..], |e| self.schema.events[e].1.as_slice());
        let Some(field) = fields.get(self.c.below(fields.len())) else {
            self.push("contact.visits > 1");
            return;
        };
        match field.ty {
            Ty::Number => {
                let _ = write!(self.out, "event.{} >= 10", field.name);
            }
            _ => {
                let _ = write!(self.out, "event.{} == ", field.name);
                self.string();
            }
        }
    }
}
