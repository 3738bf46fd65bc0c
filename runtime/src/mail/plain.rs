//! A plain-text version of an HTML body, for the `text/plain` alternative.
//!
//! Mail clients that show no HTML (and spam filters that compare the two
//! parts) read this one. It is deliberately crude, not an HTML renderer:
//!
//! - tags are dropped; `<head>`, `<style>`, `<script>` and comments are
//!   dropped with their content;
//! - paragraphs, headings, lists, tables and `<br>` start new lines, and a
//!   list item starts with `- `;
//! - a link keeps its address: `<a href="URL">label</a>` reads `label (URL)`
//!   (just `URL` when the label is the address itself), so every link of
//!   the email still works in the text part;
//! - the common entities (`&amp;`, `&lt;`, `&nbsp;`, `&#39;`, `&#x2f;`, any
//!   numeric one) are decoded; runs of spaces shrink to one and runs of empty
//!   lines to one.
//!
//! Not handled: tables keep no columns, images leave no trace (not even their
//! `alt` text), and a named entity other than the common ones stays as
//! written. A real HTML-to-text converter would fix these; the emails of
//! journeys are simple enough that none was needed yet.

/// The text of an HTML document.
pub fn text_of(html: &str) -> String {
    let html = without_hidden_parts(html);
    let mut out = String::new();
    let mut links: Vec<(String, usize)> = Vec::new();
    let mut rest = html.as_str();

    while let Some(open) = rest.find('<') {
        push_text(&mut out, &rest[..open]);
        let after = &rest[open + 1..];
        let Some(close) = after.find('>') else {
            push_text(&mut out, &rest[open..]);
            rest = "";
            break;
        };
        apply_tag(&mut out, &mut links, &after[..close]);
        rest = &after[close + 1..];
    }
    push_text(&mut out, rest);

    tidy_lines(&out)
}

/// Drops comments and the elements whose content is never shown.
fn without_hidden_parts(html: &str) -> String {
    let mut text = remove_between(html, "<!--", "-->");
    for element in ["head", "style", "script"] {
        text = remove_element(&text, element);
    }
    text
}

fn remove_between(text: &str, start: &str, end: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(start) {
        out.push_str(&rest[..at]);
        rest = match rest[at..].find(end) {
            Some(stop) => &rest[at + stop + end.len()..],
            None => "",
        };
    }
    out.push_str(rest);
    out
}

fn remove_element(text: &str, element: &str) -> String {
    let lower = text.to_ascii_lowercase();
    let open = format!("<{element}");
    let close = format!("</{element}>");
    let mut out = String::with_capacity(text.len());
    let mut position = 0;
    while let Some(found) = lower[position..].find(&open) {
        let start = position + found;
        let boundary = lower[start + open.len()..].chars().next();
        if !matches!(boundary, Some('>' | ' ' | '\t' | '\n' | '\r' | '/')) {
            out.push_str(&text[position..start + open.len()]);
            position = start + open.len();
            continue;
        }
        out.push_str(&text[position..start]);
        position = match lower[start..].find(&close) {
            Some(stop) => start + stop + close.len(),
            None => text.len(),
        };
    }
    out.push_str(&text[position..]);
    out
}

fn apply_tag(out: &mut String, links: &mut Vec<(String, usize)>, tag: &str) {
    let closing = tag.starts_with('/');
    let name: String = tag
        .trim_start_matches('/')
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric())
        .collect::<String>()
        .to_ascii_lowercase();

    match (name.as_str(), closing) {
        ("a", false) => links.push((href_of(tag).unwrap_or_default(), out.len())),
        ("a", true) => {
            if let Some((href, start)) = links.pop() {
                let label = out.get(start..).unwrap_or("").trim().to_string();
                if !href.is_empty() && label != href {
                    let space = if label.is_empty() { "" } else { " " };
                    out.push_str(&format!("{space}({href})"));
                }
            }
        }
        ("br", _) => out.push('\n'),
        ("li", false) => out.push_str("\n- "),
        ("li", true) => {}
        ("p" | "h1" | "h2" | "h3" | "h4" | "h5" | "h6" | "ul" | "ol" | "table", _) => {
            out.push_str("\n\n")
        }
        ("div" | "tr" | "blockquote" | "hr", _) => out.push('\n'),
        ("td" | "th", true) => out.push(' '),
        _ => {}
    }
}

/// The `href` attribute of an `a` tag, entities decoded.
fn href_of(tag: &str) -> Option<String> {
    let lower = tag.to_ascii_lowercase();
    let at = lower.find("href")?;
    let rest = tag[at + 4..].trim_start().strip_prefix('=')?.trim_start();
    let value = match rest.chars().next()? {
        quote @ ('"' | '\'') => rest[1..].split(quote).next()?,
        _ => rest.split(|c: char| c.is_whitespace()).next()?,
    };
    Some(decode_entities(value))
}

/// Appends text from between tags: entities decoded, whitespace runs as one
/// space (line breaks come from tags only).
fn push_text(out: &mut String, raw: &str) {
    let decoded = decode_entities(raw);
    for c in decoded.chars() {
        if c.is_whitespace() {
            if !out.ends_with([' ', '\n']) && !out.is_empty() {
                out.push(' ');
            }
        } else {
            out.push(c);
        }
    }
}

fn decode_entities(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let after = &rest[amp + 1..];
        let decoded = after
            .find(';')
            .filter(|end| *end <= 10)
            .and_then(|end| entity(&after[..end]).map(|c| (c, end)));
        match decoded {
            Some((c, end)) => {
                out.push(c);
                rest = &after[end + 1..];
            }
            None => {
                out.push('&');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

fn entity(name: &str) -> Option<char> {
    let numeric = |digits: &str, radix| u32::from_str_radix(digits, radix).ok();
    let code = match name {
        "amp" => return Some('&'),
        "lt" => return Some('<'),
        "gt" => return Some('>'),
        "quot" => return Some('"'),
        "apos" => return Some('\''),
        "nbsp" => return Some(' '),
        _ => match name.strip_prefix("#x").or_else(|| name.strip_prefix("#X")) {
            Some(hex) => numeric(hex, 16)?,
            None => numeric(name.strip_prefix('#')?, 10)?,
        },
    };
    char::from_u32(code)
}

/// Trims every line, and keeps at most one empty line in a row.
fn tidy_lines(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut empty_run = 0;
    for line in text.lines().map(str::trim) {
        if line.is_empty() {
            empty_run += 1;
            if empty_run > 1 || out.is_empty() {
                continue;
            }
        } else {
            empty_run = 0;
        }
        out.push_str(line);
        out.push('\n');
    }
    while out.ends_with("\n\n") {
        out.pop();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paragraphs_lists_and_links() {
        let html = "<!doctype html>\n<html><head><title>x</title><style>p{}</style></head>\n\
            <body>\n  <p>Hi Ana,</p>\n  <p>Pick one:</p>\n  <ul>\n    \
            <li><a href=\"https://e.org/a?x=1&amp;y=2\">Renew</a> now</li>\n    \
            <li><a href=\"https://e.org/b\">https://e.org/b</a></li>\n  </ul>\n\
            <p>Q&amp;A<br>Member&nbsp;Services</p><!-- hidden --></body></html>";
        assert_eq!(
            text_of(html),
            "Hi Ana,\n\nPick one:\n\n- Renew (https://e.org/a?x=1&y=2) now\n\
            - https://e.org/b\n\nQ&A\nMember Services\n"
        );
    }

    #[test]
    fn escaped_values_read_as_written() {
        assert_eq!(
            text_of("<p>Hi &lt;script&gt;alert(1)&lt;&#x2f;script&gt; &#39;x&#39;</p>"),
            "Hi <script>alert(1)</script> 'x'\n"
        );
    }

    #[test]
    fn odd_input_does_not_panic() {
        assert_eq!(text_of("a < b & c"), "a < b & c\n");
        assert_eq!(text_of("<a href=x>"), "");
        assert_eq!(
            text_of("&#xFFFFFFFF; &unknown; é"),
            "&#xFFFFFFFF; &unknown; é\n"
        );
        assert_eq!(text_of("<scripts>kept</scripts>"), "kept\n");
    }
}
