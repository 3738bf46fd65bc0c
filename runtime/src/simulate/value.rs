//! Field values owned by a host's store.

use crate::bytecode::Constant;
use crate::facts::Value;

#[derive(Clone, Debug, PartialEq)]
pub enum Owned {
    Missing,
    Bool(bool),
    Number(f64),
    Text(String),
    Date(i32),
    Instant(i64),
}

impl Owned {
    pub fn as_value(&self) -> Value<'_> {
        match self {
            Owned::Missing => Value::Missing,
            Owned::Bool(b) => Value::Bool(*b),
            Owned::Number(n) => Value::Number(*n),
            Owned::Text(t) => Value::Text(t),
            Owned::Date(d) => Value::Date(*d),
            Owned::Instant(i) => Value::Instant(*i),
        }
    }

    /// A schema default as a stored value. Local date-times have no zone
    /// here; they are kept as the same wall time in UTC.
    pub fn from_constant(constant: &Constant) -> Owned {
        match constant {
            Constant::Text(t) => Owned::Text(t.clone()),
            Constant::Number(n) => Owned::Number(*n),
            Constant::Bool(b) => Owned::Bool(*b),
            Constant::Date(d) => Owned::Date(*d),
            Constant::Instant(i) => Owned::Instant(*i),
            Constant::LocalDateTime { days, seconds } => {
                Owned::Instant(i64::from(*days) * 86_400 + i64::from(*seconds))
            }
            Constant::Time { .. } | Constant::Duration(_) => Owned::Missing,
        }
    }
}
