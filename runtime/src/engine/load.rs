//! Contacts as the VM reads them, from what the store keeps.
//!
//! The store keeps fields as a JSON object by name, segments and emails by
//! name, and happenings as rows; the VM reads fields, segments, emails,
//! links and events by their index in the program. A step reads its
//! contact through here; a batch of steps reads all its contacts from the
//! store at once ([`Rows`]) and converts each as its step comes. A run
//! that may read nothing of its contact is first tried on [`Unread`].

use super::{convert, Result};
use crate::bytecode::Program;
use crate::facts::{Facts, Value};
use crate::simulate::contacts::ContactRecord;
use crate::simulate::history::{Contact, History};
use crate::store::{ContactId, ContactRow, HappeningKind, Store, StoreError};
use chrono_tz::Tz;
use std::cell::Cell;
use std::collections::BTreeSet;

/// The stored contacts of one batch, in id order.
pub(super) struct Rows(Vec<ContactRow>);

impl Rows {
    pub(super) fn read<S: Store + ?Sized>(store: &S, ids: &[ContactId]) -> Result<Rows> {
        Ok(Rows(store.engine_contacts(ids)?))
    }

    pub(super) fn get(&self, id: ContactId) -> Result<&ContactRow> {
        match self.0.binary_search_by_key(&id, |row| row.id) {
            Ok(at) => Ok(&self.0[at]),
            Err(_) => Err(StoreError::Corrupt(format!("contact {id} vanished")).into()),
        }
    }
}

/// The contact of `row` as the VM reads it under `program`.
pub(super) fn facts(program: &Program, row: &ContactRow) -> Result<Contact> {
    let fields = convert::from_json_text(program, &row.fields)
        .ok_or_else(|| StoreError::Corrupt(format!("contact {} has unreadable fields", row.id)))?;
    let segments: BTreeSet<u16> = row
        .segments
        .iter()
        .filter_map(|s| program.segments.iter().position(|p| p == s))
        .map(|i| i as u16)
        .collect();
    let record = ContactRecord {
        id: row.external_id.clone(),
        fields,
        zone: row.zone.as_deref().and_then(|z| z.parse().ok()),
        lists: BTreeSet::new(),
        segments,
    };
    let mut contact = Contact::new(record);
    contact.history = history(program, row);
    Ok(contact)
}

/// The contact's happenings by the program's emails, links and events;
/// those it does not declare (a later deployment's) are left out.
fn history(program: &Program, row: &ContactRow) -> History {
    let mut history = History::default();
    let email = |name: &Option<String>| {
        name.as_ref()
            .and_then(|n| program.emails.iter().position(|e| &e.name == n))
    };
    for happening in &row.happenings {
        match happening.kind {
            HappeningKind::Open => {
                if let Some(e) = email(&happening.name) {
                    history
                        .opens
                        .push((happening.at, e as u16, happening.automated));
                }
            }
            HappeningKind::Click => {
                if let Some(e) = email(&happening.name) {
                    let links = &program.emails[e].links;
                    let link = happening
                        .link
                        .as_ref()
                        .and_then(|l| links.iter().position(|(n, _)| n == l))
                        .map(|l| l as u16);
                    history
                        .clicks
                        .push((happening.at, e as u16, link, happening.automated));
                }
            }
            HappeningKind::Event => {
                let name = happening.name.as_deref().unwrap_or("");
                if let Some(event) = program.events.iter().position(|e| e.name == name) {
                    let fields = convert::event_fields(program, event, happening);
                    history.events.push((happening.at, event as u16, fields));
                }
            }
            HappeningKind::Update => history.updates.push(happening.at),
        }
    }
    history
}

/// A contact not read from the store. Most timers resume a run into steps
/// that read nothing of its contact (an `end`, a `send`, another `wait`),
/// and a contact's read is much of what such a resume costs; so a run is
/// first tried on this, and its contact read only when the VM asked it
/// something. Every answer is a placeholder: a try that asked is thrown
/// away whole, so no placeholder ever reaches a decision that is kept.
#[derive(Default)]
pub(super) struct Unread {
    asked: Cell<bool>,
}

impl Unread {
    /// Whether the VM asked anything of the contact.
    pub(super) fn asked(&self) -> bool {
        self.asked.get()
    }

    fn ask(&self) {
        self.asked.set(true);
    }
}

impl Facts for Unread {
    fn field(&self, _: u16) -> Value<'_> {
        self.ask();
        Value::Missing
    }

    fn zone(&self) -> Option<Tz> {
        self.ask();
        None
    }

    fn split_key(&self) -> u64 {
        self.ask();
        0
    }

    fn opened(&self, _: u16, _: bool, _: i64, _: i64) -> Option<i64> {
        self.ask();
        None
    }

    fn clicked(&self, _: u16, _: Option<u16>, _: bool, _: i64, _: i64) -> Option<i64> {
        self.ask();
        None
    }

    fn event(
        &self,
        _: u16,
        _: i64,
        _: i64,
        _: &mut dyn FnMut(&[Value<'_>]) -> bool,
    ) -> Option<i64> {
        self.ask();
        None
    }

    fn updated(&self, _: i64, _: i64) -> Option<i64> {
        self.ask();
        None
    }

    fn in_segment(&self, _: u16) -> bool {
        self.ask();
        false
    }
}
