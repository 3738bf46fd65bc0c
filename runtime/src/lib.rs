//! The journey runtime: bytecode, the pure VM, exact time rules and the
//! simulator.
//!
//! `time` holds every rule about instants, zones and calendars; nothing else
//! in the runtime does date arithmetic, and nothing reads the system clock or
//! the host's zone except through `clock`.

pub mod artifact;
pub mod bytecode;
pub mod clock;
pub mod compile;
pub mod disasm;
pub mod engine;
mod entry_rules;
pub mod eval;
pub mod facts;
pub mod http;
pub mod mail;
pub mod simulate;
pub mod state;
pub mod store;
pub mod time;
pub mod timing;
pub mod tracking;
pub mod vm;
