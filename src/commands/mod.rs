//! One module per subcommand.

pub mod build;
pub mod check;
pub mod disasm;
pub mod fmt;
pub mod simulate;
