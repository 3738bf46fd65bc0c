//! One module per subcommand.

pub mod build;
pub mod check;
pub mod contacts;
pub mod deploy;
pub mod disasm;
pub mod enroll;
pub mod event;
pub mod fmt;
pub mod lsp;
pub mod report;
pub mod run;
pub mod serve;
pub mod simulate;
pub mod token;
