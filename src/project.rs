//! One project, loaded, checked and compiled: what `build`, `disasm`,
//! `deploy`, `simulate` and `run` start from.
//!
//! A project with errors is not compiled: its diagnostics (warnings too)
//! are printed to stderr as `journey check` prints them, followed by
//! `not compiled: N errors`, and the command ends with exit code 1.

use crate::workspace::{self, Unit};
use journey_compiler::check::config::{parse_config, ProjectConfig};
use journey_compiler::check::{program, DiskTemplates};
use journey_compiler::diagnostic::Diagnostic;
use journey_compiler::render::{self, Format};
use journey_compiler::source::Sources;
use journey_runtime::bytecode;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

pub struct Project {
    /// The project folder (a single file's folder).
    pub root: PathBuf,
    pub config: ProjectConfig,
    /// The journey files, then `journey.toml` when there is one.
    pub sources: Sources,
    pub checked: program::Program,
    pub program: bytecode::Program,
}

/// Loads and compiles the project at `path`; `Ok(None)` when it has errors
/// (already reported).
pub fn compile(path: &Path) -> miette::Result<Option<Project>> {
    let unit = workspace::load_unit(path)?;
    let root = if path.is_dir() {
        path.to_path_buf()
    } else {
        path.parent()
            .filter(|p| !p.as_os_str().is_empty())
            .map_or_else(|| ".".into(), Path::to_path_buf)
    };
    Ok(compile_unit(&unit, root))
}

/// Checks and compiles a loaded unit, reporting what it finds.
pub fn compile_unit(unit: &Unit, root: PathBuf) -> Option<Project> {
    let (sources, config, diagnostics, checked) = analyze_unit(unit);
    if !diagnostics.is_empty() {
        let color = std::io::stderr().is_terminal()
            && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
        let text = render::render_to_string(Format::Human { color }, &sources, &diagnostics);
        eprint!("{text}");
    }

    let errors = diagnostics.iter().filter(|d| d.is_error()).count();
    match checked {
        Some(checked) if errors == 0 => {
            let program = journey_runtime::compile::compile(&checked);
            Some(Project {
                root,
                config,
                sources,
                checked,
                program,
            })
        }
        _ => {
            let noun = if errors == 1 { "error" } else { "errors" };
            eprintln!("not compiled: {} {noun}", errors.max(1));
            None
        }
    }
}

/// The unit's files (journey files first, then its `journey.toml`, so the
/// journey files keep their ids), its settings, what was found in them, and
/// the checked program when the journey files have no errors.
fn analyze_unit(
    unit: &Unit,
) -> (
    Sources,
    ProjectConfig,
    Vec<Diagnostic>,
    Option<program::Program>,
) {
    let mut sources = Sources::new();
    for (_, file) in unit.sources.iter() {
        sources.add(file.path.clone(), file.text.clone());
    }

    let mut diagnostics = Vec::new();
    let config = match &unit.config {
        Some(file) => {
            let id = sources.add(file.path.clone(), file.text.clone());
            let (config, problems) = parse_config(id, &file.text);
            diagnostics.extend(problems);
            config
        }
        None => ProjectConfig::default(),
    };

    let analysis = journey_compiler::analyze_project(&unit.sources, &config, &DiskTemplates);
    diagnostics.extend(analysis.diagnostics);
    (sources, config, diagnostics, analysis.program)
}
