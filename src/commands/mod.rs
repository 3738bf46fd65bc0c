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

/// Writes a command's output to stdout. A reader that stops early
/// (`| head`) is not an error; any other failure to write is.
pub fn show(text: &str) -> miette::Result<()> {
    use miette::{IntoDiagnostic, WrapErr};
    use std::io::Write;

    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Err(error) if error.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        written => written
            .into_diagnostic()
            .wrap_err("could not write the output to stdout"),
    }
}
