//! Telling a person's open or click from a machine's.
//!
//! Mail privacy proxies fetch every image of a message, tracking pixel
//! included, whether or not anyone reads it; security gateways and link
//! scanners follow every link of a message to check where it goes. Both
//! would count as engagement. These heuristics mark such hits *automated*;
//! `human open` / `human click` waits and the reports' "people" figures
//! leave them out. No heuristic is certain, so each errs towards calling a
//! hit automated: a missed person costs a reminder, a machine taken for a
//! person skips one.
//!
//! A hit is automated when any of these holds:
//!
//! 1. **`HEAD`**: browsers never send `HEAD` for a link; scanners that check
//!    a URL without downloading it do ([`Sign::Head`]).
//! 2. **No `User-Agent`** ([`Sign::NoAgent`]).
//! 3. **A privacy proxy**: a `User-Agent` of exactly `Mozilla/5.0`, which is
//!    what Apple Mail Privacy Protection's proxy sends, or one naming
//!    `GoogleImageProxy` (Gmail) or `YahooMailProxy` ([`Sign::PrivacyProxy`]).
//!    A proxy fetch cannot be told from a prefetch, so an open through one
//!    is never counted as a person's: for Gmail and Apple Mail readers only
//!    clicks say that a person engaged.
//! 4. **A known agent**: a `User-Agent` naming a security gateway, a crawler,
//!    a link-preview fetcher or a programming library ([`KNOWN_AGENTS`],
//!    [`Sign::KnownAgent`]).
//! 5. **Too soon**: the hit came less than the window (`[tracking]
//!    automated_window_seconds`, 10 s by default) after the message was
//!    handed to the mail server. Gateways scan on delivery; people take
//!    longer to open a message and find a link ([`Sign::TooSoon`]).
//! 6. **A burst** (clicks only): the same message had a click on another of
//!    its links less than the window before or after this one. A person
//!    follows one link; a scanner follows them all at once. Every click of
//!    the burst is automated ([`Sign::Burst`]).
//!
//! Signs 1 to 4 are read from the request itself ([`request_sign`]); 5 and 6
//! need the message's send time and its other clicks, which the store has
//! ([`crate::tracking::engagement`] settles each hit once the window after
//! it has passed, so that a burst is seen whole before anything is decided).

/// Why a hit was taken for a machine's.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sign {
    Head,
    NoAgent,
    PrivacyProxy,
    KnownAgent,
    TooSoon,
    Burst,
}

impl Sign {
    /// The stored name of the sign.
    pub fn as_str(self) -> &'static str {
        match self {
            Sign::Head => "head",
            Sign::NoAgent => "no-agent",
            Sign::PrivacyProxy => "privacy-proxy",
            Sign::KnownAgent => "known-agent",
            Sign::TooSoon => "too-soon",
            Sign::Burst => "burst",
        }
    }

    pub fn parse(text: &str) -> Option<Sign> {
        [
            Sign::Head,
            Sign::NoAgent,
            Sign::PrivacyProxy,
            Sign::KnownAgent,
            Sign::TooSoon,
            Sign::Burst,
        ]
        .into_iter()
        .find(|sign| sign.as_str() == text)
    }
}

/// Words that mark a `User-Agent` as a machine's, compared in lower case
/// as substrings: mail security gateways, crawlers and link previewers,
/// and HTTP libraries that no mail reader uses.
pub const KNOWN_AGENTS: &[&str] = &[
    // Mail security gateways and link scanners.
    "barracuda",
    "mimecast",
    "proofpoint",
    "symantec",
    "messagelabs",
    "forcepoint",
    "trendmicro",
    "sophos",
    "fireeye",
    "ironport",
    "zscaler",
    "appriver",
    "safelinks",
    // Crawlers and link previews.
    "googlebot",
    "bingbot",
    "bingpreview",
    "applebot",
    "yandexbot",
    "duckduckbot",
    "slackbot",
    "twitterbot",
    "linkedinbot",
    "facebookexternalhit",
    "skypeuripreview",
    "whatsapp",
    "crawler",
    "spider",
    "headlesschrome",
    "phantomjs",
    "microsoft office existence discovery",
    // Programming libraries and command-line tools.
    "python-requests",
    "python-urllib",
    "aiohttp",
    "curl/",
    "wget/",
    "go-http-client",
    "java/",
    "okhttp",
    "libwww-perl",
    "apache-httpclient",
    "node-fetch",
    "axios/",
];

const PRIVACY_PROXIES: &[&str] = &["googleimageproxy", "yahoomailproxy"];

/// What the request alone says: `Some(sign)` when it looks automated.
pub fn request_sign(head: bool, user_agent: Option<&str>) -> Option<Sign> {
    if head {
        return Some(Sign::Head);
    }
    let agent = match user_agent.map(str::trim) {
        None | Some("") => return Some(Sign::NoAgent),
        Some(agent) => agent,
    };
    if agent == "Mozilla/5.0" {
        return Some(Sign::PrivacyProxy);
    }
    let lower = agent.to_ascii_lowercase();
    if PRIVACY_PROXIES.iter().any(|p| lower.contains(p)) {
        return Some(Sign::PrivacyProxy);
    }
    KNOWN_AGENTS
        .iter()
        .any(|known| lower.contains(known))
        .then_some(Sign::KnownAgent)
}

/// What the timing says: too soon after sending (`sent_at`), or (for a
/// click) within `window` seconds of a click on another link of the same
/// message (`other_links_at`).
pub fn timing_sign(
    at: i64,
    sent_at: Option<i64>,
    other_links_at: &[i64],
    window: i64,
) -> Option<Sign> {
    if sent_at.is_some_and(|sent| at - sent < window) {
        return Some(Sign::TooSoon);
    }
    other_links_at
        .iter()
        .any(|other| (at - other).abs() < window)
        .then_some(Sign::Burst)
}

#[cfg(test)]
mod tests {
    use super::*;

    const IPHONE_SAFARI: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) \
        AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1";
    const THUNDERBIRD: &str =
        "Mozilla/5.0 (X11; Linux x86_64; rv:115.0) Gecko/20100101 Thunderbird/115.9.0";
    const CUBOT_PHONE: &str = "Mozilla/5.0 (Linux; Android 9; CUBOT X19) AppleWebKit/537.36 \
        (KHTML, like Gecko) Chrome/120.0 Mobile Safari/537.36";

    #[test]
    fn readers_and_browsers_are_people() {
        for agent in [IPHONE_SAFARI, THUNDERBIRD, CUBOT_PHONE] {
            assert_eq!(request_sign(false, Some(agent)), None, "{agent}");
        }
    }

    #[test]
    fn proxies_scanners_libraries_head_and_silence_are_machines() {
        const GMAIL: &str = "Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 \
            (via ggpht.com GoogleImageProxy)";
        const YAHOO: &str = "YahooMailProxy; https://help.yahoo.com/kb/yahoo-mail-proxy";
        let cases = [
            (false, Some("Mozilla/5.0"), Sign::PrivacyProxy),
            (false, Some(" Mozilla/5.0 "), Sign::PrivacyProxy),
            (false, Some(GMAIL), Sign::PrivacyProxy),
            (false, Some(YAHOO), Sign::PrivacyProxy),
            (false, Some("Barracuda Sentinel (EE)"), Sign::KnownAgent),
            (false, Some("python-requests/2.31.0"), Sign::KnownAgent),
            (false, Some("curl/8.5.0"), Sign::KnownAgent),
            (
                false,
                Some("Mozilla/5.0 (compatible; bingbot/2.0)"),
                Sign::KnownAgent,
            ),
            (true, Some(IPHONE_SAFARI), Sign::Head),
            (false, None, Sign::NoAgent),
            (false, Some("  "), Sign::NoAgent),
        ];
        for (head, agent, sign) in cases {
            assert_eq!(request_sign(head, agent), Some(sign), "{agent:?}");
        }
    }

    #[test]
    fn timing_marks_hits_right_after_sending_and_bursts_across_links() {
        let sent = Some(1_000);
        assert_eq!(timing_sign(1_009, sent, &[], 10), Some(Sign::TooSoon));
        assert_eq!(timing_sign(1_010, sent, &[], 10), None);
        assert_eq!(timing_sign(5_000, sent, &[4_995], 10), Some(Sign::Burst));
        assert_eq!(timing_sign(5_000, sent, &[5_009], 10), Some(Sign::Burst));
        assert_eq!(timing_sign(5_000, sent, &[4_990, 5_010], 10), None);
        assert_eq!(timing_sign(5_000, None, &[], 10), None);
        assert_eq!(
            timing_sign(5_000, sent, &[4_999], 0),
            None,
            "a window of 0 is off"
        );
    }

    #[test]
    fn signs_round_trip_through_their_names() {
        for sign in [
            Sign::Head,
            Sign::NoAgent,
            Sign::PrivacyProxy,
            Sign::KnownAgent,
            Sign::TooSoon,
            Sign::Burst,
        ] {
            assert_eq!(Sign::parse(sign.as_str()), Some(sign));
        }
        assert_eq!(Sign::parse("person"), None);
    }
}
