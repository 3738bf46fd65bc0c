//! The open pixel: a 1×1 image whose URL carries the message's open token.
//!
//! It goes into HTML bodies only, just before `</body>` (or at the end of a
//! body without one), so it never shifts the layout above it. A plain-text
//! body cannot load an image; opens of those are not seen, and only clicks
//! tell that they were read.

use super::render::{Body, Rendered};

/// Adds the pixel for `url` to an HTML body; text bodies stay as they are.
pub fn add_open_pixel(rendered: &mut Rendered, url: &str) {
    let Body::Html { html, .. } = &mut rendered.body else {
        return;
    };
    let tag = format!(
        "<img src=\"{}\" width=\"1\" height=\"1\" alt=\"\" \
         style=\"display:block;width:1px;height:1px;border:0\">",
        attribute(url)
    );
    let at = html
        .to_ascii_lowercase()
        .rfind("</body>")
        .unwrap_or(html.len());
    html.insert_str(at, &tag);
}

fn attribute(url: &str) -> String {
    url.replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn html(body: &str) -> Rendered {
        Rendered {
            subject: "s".into(),
            body: Body::Html {
                html: body.into(),
                text: "t".into(),
            },
            list_unsubscribe: None,
        }
    }

    fn html_of(rendered: &Rendered) -> &str {
        match &rendered.body {
            Body::Html { html, .. } => html,
            Body::Text(_) => panic!("html expected"),
        }
    }

    #[test]
    fn the_pixel_goes_before_the_last_closing_body_tag() {
        let mut rendered = html("<html><BODY><p>Hi</p></BODY></html>");
        add_open_pixel(&mut rendered, "https://t.example.org/t/o/abc");
        assert_eq!(
            html_of(&rendered),
            "<html><BODY><p>Hi</p><img src=\"https://t.example.org/t/o/abc\" width=\"1\" \
             height=\"1\" alt=\"\" style=\"display:block;width:1px;height:1px;border:0\">\
             </BODY></html>"
        );
    }

    #[test]
    fn a_fragment_gets_it_at_the_end_and_text_gets_nothing() {
        let mut rendered = html("<p>Hi</p>");
        add_open_pixel(&mut rendered, "https://t.example.org/t/o/a&b");
        assert!(html_of(&rendered)
            .starts_with("<p>Hi</p><img src=\"https://t.example.org/t/o/a&amp;b\""));

        let mut text = Rendered {
            body: Body::Text("Hi".into()),
            ..html("")
        };
        add_open_pixel(&mut text, "https://t.example.org/t/o/abc");
        assert_eq!(text.body, Body::Text("Hi".into()));
    }
}
