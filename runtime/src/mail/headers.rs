//! The unsubscribe headers of a marketing email (RFC 2369, RFC 8058).
//!
//! `List-Unsubscribe` lists the ways out, each in angle brackets, the
//! one-click HTTPS URL first: `<https://.../u/TOKEN>, <mailto:...>`. When
//! there is an HTTP(S) URL, `List-Unsubscribe-Post: List-Unsubscribe=One-Click`
//! says that a POST to it unsubscribes at once, without a page to confirm;
//! mail readers show an "Unsubscribe" button for it. A `mailto:` alone gets
//! no `List-Unsubscribe-Post` (one-click needs a URL that takes a POST).

use super::message::ComposeError;

/// The ways out of a marketing email's list.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ListUnsubscribe {
    /// An `https://` (or, for tests on this machine, `http://`) URL that
    /// takes the RFC 8058 POST.
    pub one_click: Option<String>,
    /// A `mailto:` URL.
    pub mailto: Option<String>,
}

impl ListUnsubscribe {
    /// One URL, sorted by its scheme.
    pub fn for_url(url: &str) -> ListUnsubscribe {
        match url.starts_with("mailto:") {
            true => ListUnsubscribe {
                one_click: None,
                mailto: Some(url.to_string()),
            },
            false => ListUnsubscribe {
                one_click: Some(url.to_string()),
                mailto: None,
            },
        }
    }

    /// The `List-Unsubscribe` value and whether `List-Unsubscribe-Post`
    /// goes with it; `None` when there is no URL at all.
    pub(super) fn header(&self) -> Result<Option<(String, bool)>, ComposeError> {
        let urls: Vec<&String> = self.one_click.iter().chain(&self.mailto).collect();
        if urls.is_empty() {
            return Ok(None);
        }
        let mut value = String::new();
        for url in urls {
            let unfit = |c: char| c.is_whitespace() || c.is_control() || c == '>' || c == '<';
            if url.is_empty() || url.chars().any(unfit) {
                return Err(ComposeError::BadUnsubscribeUrl);
            }
            if !value.is_empty() {
                value.push_str(", ");
            }
            value.push('<');
            value.push_str(url);
            value.push('>');
        }
        Ok(Some((value, self.one_click.is_some())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn https_first_then_mailto_and_one_click_only_with_a_url() {
        let both = ListUnsubscribe {
            one_click: Some("https://t.example.org/u/abc".into()),
            mailto: Some("mailto:out@example.org?subject=unsubscribe".into()),
        };
        assert_eq!(
            both.header().unwrap(),
            Some((
                "<https://t.example.org/u/abc>, <mailto:out@example.org?subject=unsubscribe>"
                    .into(),
                true
            ))
        );
        let mailto = ListUnsubscribe::for_url("mailto:out@example.org");
        assert_eq!(
            mailto.header().unwrap(),
            Some(("<mailto:out@example.org>".into(), false))
        );
        assert_eq!(ListUnsubscribe::default().header().unwrap(), None);
    }

    #[test]
    fn urls_that_would_break_the_header_are_refused() {
        for bad in [
            "",
            "https://x.org/a b",
            "https://x.org/>",
            "https://x.org/\r\nBcc: x",
        ] {
            let header = ListUnsubscribe::for_url(bad).header();
            assert_eq!(header, Err(ComposeError::BadUnsubscribeUrl), "{bad:?}");
        }
    }
}
