//! Secrets and their redaction.
//!
//! [`Secret`] holds a credential so that it cannot be printed by accident: `Debug` and
//! `Display` show `<redacted>`, and [`Secret::expose`] is the one way to read the value, so
//! every place that does is easy to find. [`Redactor`] is the one place every writer
//! (terminal, reports, snapshots, error messages) passes text through before writing it:
//! it replaces each occurrence of every registered secret with that secret's placeholder.

use std::borrow::Cow;
use std::fmt;

use aho_corasick::{AhoCorasick, MatchKind};
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

/// A credential value that never prints itself.
///
/// There is deliberately no `Serialize`, `Deref` or `AsRef<str>`: a secret reaches a
/// header or a signature only through [`Secret::expose`].
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The value itself. Call it only where the value is sent (a header, a signature),
    /// never where it may be written out.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Secret(value)
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

/// Secrets shorter than this are not redacted as substrings.
///
/// Replacing every `ab` in every report would mangle ordinary text (instance ids, JSON
/// keys, dates) and, worse, the pattern of what got replaced would itself tell a reader
/// the secret. No real token, access key or secret key is this short, so a short value
/// is almost certainly a test value or a mistake; [`Redactor::too_short`] lists them so
/// the caller can warn instead of failing silently in either direction.
pub const MIN_SECRET_LEN: usize = 4;

/// Characters that `form_urlencoded`/RFC 3986 query encoding escapes, used to also catch a
/// secret that was written out as part of a URL (for example a token passed in a query).
const URL_COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Replaces every registered secret in a text with its placeholder.
///
/// Built once per run and shared by every writer. All secrets are found in a single pass
/// (Aho-Corasick, leftmost-longest, so a secret that contains another is replaced whole),
/// and a text that contains none is returned borrowed, without a copy.
#[derive(Default, Clone)]
pub struct Redactor {
    /// Patterns in the order the automaton numbers them; `placeholders[i]` replaces `patterns[i]`.
    patterns: Vec<Secret>,
    placeholders: Vec<String>,
    too_short: Vec<String>,
    matcher: Option<AhoCorasick>,
}

/// Hand-written because the automaton's own `Debug` shows the patterns' bytes.
impl fmt::Debug for Redactor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Redactor")
            .field("placeholders", &self.placeholders)
            .field("too_short", &self.too_short)
            .finish_non_exhaustive()
    }
}

impl Redactor {
    pub fn new() -> Self {
        Self::default()
    }

    /// The placeholder conform uses for a named secret, e.g. `<redacted:token>`.
    pub fn placeholder(name: &str) -> String {
        format!("<redacted:{name}>")
    }

    /// Registers `secret`, to be replaced by `placeholder` wherever it occurs.
    ///
    /// The percent-encoded form is registered too when it differs, because secrets with
    /// `+`, `/` or `=` (common in security tokens) may reach a report inside a URL.
    /// Empty secrets are ignored; secrets shorter than [`MIN_SECRET_LEN`] are not
    /// redacted and are listed by [`Redactor::too_short`] under their placeholder.
    pub fn add(&mut self, secret: &Secret, placeholder: impl Into<String>) -> &mut Self {
        let placeholder = placeholder.into();
        let value = secret.expose();
        if value.is_empty() {
            return self;
        }
        if value.chars().count() < MIN_SECRET_LEN {
            self.too_short.push(placeholder);
            return self;
        }
        let encoded = utf8_percent_encode(value, URL_COMPONENT).to_string();
        if encoded != value {
            self.push(Secret(encoded), placeholder.clone());
        }
        self.push(secret.clone(), placeholder);
        self.rebuild();
        self
    }

    fn push(&mut self, pattern: Secret, placeholder: String) {
        if !self.patterns.contains(&pattern) {
            self.patterns.push(pattern);
            self.placeholders.push(placeholder);
        }
    }

    fn rebuild(&mut self) {
        // Secrets are registered a handful of times per run and texts are redacted
        // thousands of times, so the automaton is rebuilt eagerly here, not per text.
        self.matcher = Some(
            AhoCorasick::builder()
                .match_kind(MatchKind::LeftmostLongest)
                .build(self.patterns.iter().map(Secret::expose))
                .expect("a few secret strings always fit in an Aho-Corasick automaton"),
        );
    }

    /// Placeholders of secrets that were too short to redact (see [`MIN_SECRET_LEN`]).
    pub fn too_short(&self) -> &[String] {
        &self.too_short
    }

    /// True when no secret is registered, so redaction is a no-op.
    pub fn is_empty(&self) -> bool {
        self.patterns.is_empty()
    }

    /// `text` with every secret replaced; borrowed (no copy) when no secret occurs.
    pub fn redact<'t>(&self, text: &'t str) -> Cow<'t, str> {
        let Some(matcher) = &self.matcher else {
            return Cow::Borrowed(text);
        };
        let mut matches = matcher.find_iter(text).peekable();
        if matches.peek().is_none() {
            return Cow::Borrowed(text);
        }
        let mut out = String::with_capacity(text.len());
        let mut last = 0;
        for m in matches {
            out.push_str(&text[last..m.start()]);
            out.push_str(&self.placeholders[m.pattern().as_usize()]);
            last = m.end();
        }
        out.push_str(&text[last..]);
        Cow::Owned(out)
    }

    /// True when `text` contains a registered secret; cheaper than [`Redactor::redact`]
    /// for callers that only need to assert nothing leaks.
    pub fn contains_secret(&self, text: &str) -> bool {
        self.matcher.as_ref().is_some_and(|m| m.is_match(text))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_never_prints_its_value() {
        let s = Secret::new("hunter2-token");
        assert_eq!(format!("{s}"), "<redacted>");
        assert_eq!(format!("{s:?}"), "<redacted>");
        assert_eq!(format!("{:?}", Some(&s)), "Some(<redacted>)");
        assert_eq!(s.expose(), "hunter2-token");
    }

    #[test]
    fn redactor_debug_shows_no_secret() {
        let mut r = Redactor::new();
        r.add(&Secret::new("s3cr3t-value"), "<redacted:token>");
        let debug = format!("{r:?}");
        assert!(!debug.contains("s3cr3t"), "{debug}");
        assert!(!debug.contains("115, 51, 99"), "{debug}");
    }

    #[test]
    fn text_without_secrets_is_borrowed() {
        let mut r = Redactor::new();
        r.add(&Secret::new("s3cr3t-value"), "<redacted:token>");
        let text = "GET /v1.0/p/instances -> 200";
        assert!(matches!(r.redact(text), Cow::Borrowed(_)));
        assert!(matches!(Redactor::new().redact(text), Cow::Borrowed(_)));
    }

    #[test]
    fn every_occurrence_of_every_secret_is_replaced() {
        let mut r = Redactor::new();
        r.add(&Secret::new("AKEXAMPLE"), "<redacted:access_key>")
            .add(&Secret::new("SKEXAMPLE"), "$HUAWEICLOUD_SDK_SK");
        let text = "ak=AKEXAMPLE sk=SKEXAMPLE again AKEXAMPLEAKEXAMPLE";
        assert_eq!(
            r.redact(text),
            "ak=<redacted:access_key> sk=$HUAWEICLOUD_SDK_SK again \
             <redacted:access_key><redacted:access_key>"
        );
        assert!(r.contains_secret(text));
        assert!(!r.contains_secret("nothing here"));
    }

    #[test]
    fn a_secret_containing_another_is_replaced_whole() {
        let mut r = Redactor::new();
        r.add(&Secret::new("abcd"), "<a>")
            .add(&Secret::new("abcdefgh"), "<long>");
        assert_eq!(r.redact("xabcdefghx abcd"), "x<long>x <a>");
    }

    #[test]
    fn percent_encoded_form_is_redacted_too() {
        let mut r = Redactor::new();
        r.add(&Secret::new("tok+en/=="), "<redacted:security_token>");
        assert_eq!(
            r.redact("?t=tok%2Ben%2F%3D%3D and tok+en/=="),
            "?t=<redacted:security_token> and <redacted:security_token>"
        );
    }

    #[test]
    fn short_and_empty_secrets_are_not_redacted_but_reported() {
        let mut r = Redactor::new();
        r.add(&Secret::new(""), "<redacted:empty>")
            .add(&Secret::new("ab"), "<redacted:short>")
            .add(&Secret::new("秘密"), "<redacted:two_chars>");
        assert!(r.is_empty());
        assert_eq!(r.too_short(), ["<redacted:short>", "<redacted:two_chars>"]);
        assert_eq!(r.redact("about a tab"), "about a tab");
    }

    #[test]
    fn unicode_secrets_and_text_are_handled_on_char_boundaries() {
        let mut r = Redactor::new();
        r.add(&Secret::new("密钥密钥"), "<k>");
        assert_eq!(r.redact("前密钥密钥后"), "前<k>后");
    }

    #[test]
    fn registering_the_same_secret_twice_keeps_one_entry() {
        let mut r = Redactor::new();
        let s = Secret::new("same-secret");
        r.add(&s, "<first>").add(&s, "<second>");
        assert_eq!(r.redact("same-secret"), "<first>");
    }
}
