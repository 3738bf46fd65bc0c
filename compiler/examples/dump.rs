fn main() {
    let path = std::env::args().nth(1).unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    let parsed = journey_compiler::syntax::parse_file(journey_compiler::source::FileId(0), &text);
    if std::env::args().nth(2).is_some() { println!("{:#?}", parsed.tree); }
    for d in parsed.diagnostics { println!("{} {:?} {:?} | {} | {:?}", d.code, d.primary.span, d.primary.span.text(&text), d.message, d.help); }
}
