//! One contact as the VM reads it: fields, history, segments, and the
//! [`Facts`] over them. The engine loads it from its store for each step.

use super::contacts::ContactRecord;
use super::value::Owned;
use crate::artifact::fnv1a;
use crate::facts::{Facts, Value};
use chrono_tz::Tz;

/// Everything that happened to a contact, in time order.
#[derive(Clone, Debug, Default)]
pub struct History {
    pub opens: Vec<(i64, u16, bool)>,
    pub clicks: Vec<(i64, u16, Option<u16>, bool)>,
    pub events: Vec<(i64, u16, Vec<Owned>)>,
    pub updates: Vec<i64>,
}

pub struct Contact {
    pub record: ContactRecord,
    pub history: History,
    split_key: u64,
}

impl Contact {
    pub fn new(record: ContactRecord) -> Contact {
        let split_key = fnv1a(record.id.as_bytes());
        Contact {
            record,
            history: History::default(),
            split_key,
        }
    }
}

impl Facts for Contact {
    fn field(&self, index: u16) -> Value<'_> {
        self.record
            .fields
            .get(index as usize)
            .map_or(Value::Missing, Owned::as_value)
    }

    fn zone(&self) -> Option<Tz> {
        self.record.zone
    }

    fn split_key(&self) -> u64 {
        self.split_key
    }

    fn opened(&self, email: u16, human: bool, since: i64, until: i64) -> Option<i64> {
        self.history
            .opens
            .iter()
            .find(|&&(at, e, automated)| {
                e == email && (since..=until).contains(&at) && !(human && automated)
            })
            .map(|&(at, ..)| at)
    }

    fn clicked(
        &self,
        email: u16,
        link: Option<u16>,
        human: bool,
        since: i64,
        until: i64,
    ) -> Option<i64> {
        self.history
            .clicks
            .iter()
            .find(|&&(at, e, l, automated)| {
                e == email
                    && (link.is_none() || l == link)
                    && (since..=until).contains(&at)
                    && !(human && automated)
            })
            .map(|&(at, ..)| at)
    }

    fn event(
        &self,
        event: u16,
        since: i64,
        until: i64,
        accept: &mut dyn FnMut(&[Value<'_>]) -> bool,
    ) -> Option<i64> {
        self.history
            .events
            .iter()
            .filter(|(at, e, _)| *e == event && (since..=until).contains(at))
            .find(|(_, _, fields)| {
                let values: Vec<Value> = fields.iter().map(Owned::as_value).collect();
                accept(&values)
            })
            .map(|(at, ..)| *at)
    }

    fn updated(&self, since: i64, until: i64) -> Option<i64> {
        self.history
            .updates
            .iter()
            .copied()
            .find(|at| (since..=until).contains(at))
    }

    fn in_segment(&self, segment: u16) -> bool {
        self.record.segments.contains(&segment)
    }
}
