//! Formatting: the same formatter as `journey fmt`, so a file formatted in
//! the editor is one `journey fmt --check` accepts. A file with syntax
//! errors is refused, as `journey fmt` refuses it. The answer is one edit
//! covering only the region that changes, so the editor keeps its cursor
//! and folds elsewhere.

use crate::text_map::TextMap;
use crate::world::View;
use journey_compiler::format::format_file;
use journey_compiler::span::Span;
use tower_lsp_server::ls_types::TextEdit;

pub fn format(view: &View) -> Result<Vec<TextEdit>, String> {
    let coords = view
        .coords(view.file)
        .ok_or("the file is not part of a project")?;
    let old = coords.text;
    let new = format_file(old).map_err(|error| error.to_string())?;
    if new == old {
        return Ok(Vec::new());
    }

    let map = TextMap::between(old, &new);
    let (prefix, old_end, new_end) = map.region();
    let range = coords.range(Span::new(prefix, old_end));
    Ok(vec![TextEdit::new(range, new[prefix..new_end].to_string())])
}
