//! A file that starts with a byte-order mark: every machine format gives
//! the columns an editor shows, which do not count the (invisible) mark.
//! Byte offsets still count it.

use journey_compiler::analyze_project;
use journey_compiler::check::config::ProjectConfig;
use journey_compiler::check::TemplateSource;
use journey_compiler::render::{render_to_string, Format};
use journey_compiler::source::Sources;

struct NoBodies;

impl TemplateSource for NoBodies {
    fn read(&self, _journey_file: &str, _body: &str) -> std::io::Result<String> {
        Err(std::io::Error::new(
            std::io::ErrorKind::NotFound,
            "no bodies here",
        ))
    }
}

/// The diagnostics of `<BOM>list 1x` (an error under `1x`, which an editor
/// shows at column 6) in `format`.
fn rendered(format: Format) -> String {
    let mut sources = Sources::new();
    sources.add("bom.journey", "\u{FEFF}list 1x\n");
    let analysis = analyze_project(&sources, &ProjectConfig::default(), &NoBodies);
    assert_eq!(analysis.diagnostics.len(), 1, "{:?}", analysis.diagnostics);
    render_to_string(format, &sources, &analysis.diagnostics)
}

#[test]
fn json_columns_skip_the_mark_and_byte_offsets_count_it() {
    let out = rendered(Format::Json);
    let value: serde_json::Value = serde_json::from_str(out.trim()).unwrap();

    assert_eq!(value["start"]["line"], 1, "{out}");
    assert_eq!(value["start"]["column"], 6, "{out}");
    assert_eq!(value["end"]["column"], 8, "{out}");
    assert_eq!(value["byte_start"], 8, "{out}");
}

#[test]
fn github_columns_skip_the_mark() {
    let out = rendered(Format::Github);

    assert!(out.contains("line=1,col=6,endColumn=7,"), "{out}");
}

#[test]
fn sarif_columns_skip_the_mark() {
    let out = rendered(Format::Sarif);
    let value: serde_json::Value = serde_json::from_str(&out).unwrap();
    let region = &value["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"];

    assert_eq!(region["startLine"], 1, "{out}");
    assert_eq!(region["startColumn"], 6, "{out}");
    assert_eq!(region["endColumn"], 8, "{out}");
    assert_eq!(region["byteOffset"], 8, "{out}");
}

#[test]
fn human_columns_skip_the_mark() {
    let out = rendered(Format::Human { color: false });

    assert!(out.contains("bom.journey:1:6"), "{out}");
}
