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

/// Writes a line for the person running the command on stderr (a
/// summary). Nobody reading it, a closed pipe, is not an error: the exit
/// code still says what the command found.
pub fn tell(line: &str) {
    use std::io::Write;

    let _ = writeln!(std::io::stderr(), "{line}");
}
