//! Located diagnostics: an error in a file the user wrote, rendered like rustc
//! (`--> file:line:col`, a gutter with the line, carets under the span, a hint).
//! Positions are kept as byte spans and turned into lines and columns only here.

use std::fmt;
use std::ops::Range;

/// A line and column, both 1-based, columns counted in characters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct LineCol {
    pub line: usize,
    pub col: usize,
}

/// Turns a byte offset into a 1-based line and column.
pub fn line_col(text: &str, offset: usize) -> LineCol {
    let offset = floor_char_boundary(text, offset.min(text.len()));
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let col = text[line_start..offset].chars().count() + 1;
    LineCol { line, col }
}

fn floor_char_boundary(text: &str, mut i: usize) -> usize {
    while i > 0 && !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// One problem in one file, with the excerpt it points at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// The file as the user should see it (relative where possible).
    pub file: String,
    pub at: LineCol,
    pub message: String,
    /// The source line the span starts on, and the caret range within it (in chars).
    pub excerpt: Option<(String, Range<usize>)>,
    /// More about the problem, on its own line: for example what a parser reported.
    pub note: Option<String>,
    pub hint: Option<String>,
}

impl Diagnostic {
    /// A diagnostic pointing at `span` in `text`.
    pub fn at_span(
        file: &str,
        text: &str,
        span: Range<usize>,
        message: impl Into<String>,
    ) -> Diagnostic {
        let at = line_col(text, span.start);
        let line_text = text.lines().nth(at.line - 1).unwrap_or("").to_string();
        let line_chars = line_text.chars().count();
        let start = (at.col - 1).min(line_chars);
        let end_at = line_col(text, span.end.max(span.start));
        let end = if end_at.line == at.line {
            (end_at.col - 1).clamp(start + 1, line_chars.max(start + 1))
        } else {
            line_chars.max(start + 1)
        };
        Diagnostic {
            file: file.to_string(),
            at,
            message: message.into(),
            excerpt: Some((line_text, start..end)),
            note: None,
            hint: None,
        }
    }

    /// A diagnostic about a whole file (no excerpt), pointing at line 1.
    pub fn whole_file(file: &str, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            file: file.to_string(),
            at: LineCol { line: 1, col: 1 },
            message: message.into(),
            excerpt: None,
            note: None,
            hint: None,
        }
    }

    pub fn with_note(mut self, note: impl Into<String>) -> Diagnostic {
        self.note = Some(note.into());
        self
    }

    pub fn with_hint(mut self, hint: impl Into<String>) -> Diagnostic {
        self.hint = Some(hint.into());
        self
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "error: {}", self.message)?;
        let gutter = self.at.line.to_string().len();
        writeln!(
            f,
            "{:gutter$}--> {}:{}:{}",
            "", self.file, self.at.line, self.at.col
        )?;
        if let Some((line, carets)) = &self.excerpt {
            // Tabs would shift the carets; show them as one space, as the caret math assumes.
            // Other control characters (a NUL, a terminal escape in a hostile file) are
            // shown as U+FFFD: one character each, so the carets stay put, and nothing in
            // a file can drive the user's terminal.
            let shown: String = line
                .chars()
                .map(|c| match c {
                    '\t' => ' ',
                    c if c.is_control() => '\u{FFFD}',
                    c => c,
                })
                .collect();
            writeln!(f, "{:gutter$} |", "")?;
            writeln!(f, "{} | {}", self.at.line, shown)?;
            writeln!(
                f,
                "{:gutter$} | {}{}",
                "",
                " ".repeat(carets.start),
                "^".repeat(carets.len().max(1))
            )?;
        }
        if let Some(note) = &self.note {
            writeln!(f, "{:gutter$} = note: {}", "", note)?;
        }
        if let Some(hint) = &self.hint {
            writeln!(f, "{:gutter$} = hint: {}", "", hint)?;
        }
        Ok(())
    }
}

/// The closest candidate to `word`, if it is close enough to be a likely misspelling.
pub fn did_you_mean<'a>(word: &str, candidates: &[&'a str]) -> Option<&'a str> {
    candidates
        .iter()
        .map(|c| {
            (
                strsim::levenshtein(&word.to_lowercase(), &c.to_lowercase()),
                *c,
            )
        })
        .filter(|(d, c)| *d <= 2.max(c.len() / 3))
        .min()
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_characters_not_bytes() {
        let text = "a = 1\nname = \"缓存x\"\n";
        let off = text.find('x').unwrap();
        assert_eq!(line_col(text, off), LineCol { line: 2, col: 11 });
    }

    #[test]
    fn renders_like_rustc() {
        let text = "description = \"x\"\nrulez = [\"C1\"]\n";
        let span = text.find("rulez").unwrap()..text.find("rulez").unwrap() + 5;
        let d = Diagnostic::at_span("cases/x.toml", text, span, "unknown key `rulez`")
            .with_hint("did you mean `rules`?");
        let shown = d.to_string();
        assert_eq!(
            shown,
            "error: unknown key `rulez`\n --> cases/x.toml:2:1\n  |\n2 | rulez = [\"C1\"]\n  | ^^^^^\n  = hint: did you mean `rules`?\n"
        );
    }

    #[test]
    fn suggests_close_words_only() {
        assert_eq!(did_you_mean("rulez", &["rules", "query"]), Some("rules"));
        assert_eq!(did_you_mean("zzzzzz", &["rules", "query"]), None);
    }
}
