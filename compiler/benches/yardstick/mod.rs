//! The yardstick the benchmark compares against: a JSON parser written
//! with pest, like the journey parser, so the ratio between the two shows
//! what our grammar and recovering driver cost beyond pest itself.
//!
//! It parses into a small value tree, as the journey parser lowers into
//! its syntax tree, so both sides do comparable work per byte.

use pest::iterators::Pair;
use pest::Parser;
use pest_derive::Parser;

#[derive(Parser)]
#[grammar_inline = r#"
WHITESPACE = _{ " " | "\t" | "\r" | "\n" }

json    = _{ SOI ~ value ~ EOI }
value   = _{ object | array | string | number | boolean | null }
object  = { "{" ~ (member ~ ("," ~ member)*)? ~ "}" }
member  = { string ~ ":" ~ value }
array   = { "[" ~ (value ~ ("," ~ value)*)? ~ "]" }
boolean = { "true" | "false" }
null    = { "null" }

string  = ${ "\"" ~ chars ~ "\"" }
chars   = @{ (!("\"" | "\\") ~ ANY | "\\" ~ (escape | "u" ~ ASCII_HEX_DIGIT{4}))* }
escape  = _{ "\"" | "\\" | "/" | "b" | "f" | "n" | "r" | "t" }

number  = @{
    "-"? ~ ("0" | ASCII_NONZERO_DIGIT ~ ASCII_DIGIT*)
  ~ ("." ~ ASCII_DIGIT+)? ~ (^"e" ~ ("+" | "-")? ~ ASCII_DIGIT+)?
}
"#]
struct JsonParser;

/// The tree is built only to do the work a parser does; nothing reads it.
#[allow(dead_code)]
#[derive(Debug)]
pub enum Value {
    Null,
    Bool(bool),
    Number(f64),
    Text(String),
    List(Vec<Value>),
    Object(Vec<(String, Value)>),
}

/// Parses a JSON document; panics on invalid JSON, which the benchmark
/// never hands it.
pub fn parse(text: &str) -> Value {
    let mut pairs = JsonParser::parse(Rule::json, text).expect("the benchmark's JSON is valid");
    lower(pairs.next().expect("a document holds one value"))
}

fn lower(pair: Pair<Rule>) -> Value {
    match pair.as_rule() {
        Rule::object => Value::Object(
            pair.into_inner()
                .map(|member| {
                    let mut inner = member.into_inner();
                    let key = text(inner.next().expect("a member has a key"));
                    (key, lower(inner.next().expect("a member has a value")))
                })
                .collect(),
        ),
        Rule::array => Value::List(pair.into_inner().map(lower).collect()),
        Rule::string => Value::Text(text(pair)),
        Rule::number => Value::Number(pair.as_str().parse().unwrap_or(f64::NAN)),
        Rule::boolean => Value::Bool(pair.as_str() == "true"),
        _ => Value::Null,
    }
}

fn text(string: Pair<Rule>) -> String {
    string
        .into_inner()
        .next()
        .map_or_else(String::new, |chars| chars.as_str().to_string())
}
