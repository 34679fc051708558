//! The structure of one vendor page: title, sections (URI, request, response, status
//! codes), captioned HTML tables with their anchors, code blocks and the URI line, each
//! with the line it starts on. Markdown is read with `pulldown-cmark`; each `<table>` is
//! cut out of the source and handed to [`super::html`].

use std::path::{Path, PathBuf};

use pulldown_cmark::{CodeBlockKind, Event, HeadingLevel, Options, Parser, Tag, TagEnd};

use super::error::{DeriveError, PageProblem};
use super::html::{self, HtmlTable};

/// Which part of the page a block is in, from the `##` heading above it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    /// Before any `##` heading.
    Intro,
    /// `## URI`: the URI line and the parameter tables.
    Uri,
    /// `## 请求消息` / `## 请求参数` / `## 请求示例`.
    Request,
    /// `## 响应消息` / `## 响应参数` / `## 响应示例`.
    Response,
    /// `## 状态码`.
    StatusCodes,
    Other,
}

impl Section {
    fn of_heading(text: &str) -> Section {
        if text.contains("URI") {
            Section::Uri
        } else if text.contains("状态码") {
            Section::StatusCodes
        } else if text.contains("响应") {
            Section::Response
        } else if text.contains("请求") {
            Section::Request
        } else {
            Section::Other
        }
    }
}

/// A table with its caption (`**表 3**  instance参数说明`) and anchor (`<a name=…>`).
#[derive(Debug, Clone)]
pub struct Table {
    /// The number in the caption, or the table's position on the page when uncaptioned.
    pub number: u32,
    /// The caption text after the number (`instance参数说明`).
    pub caption: String,
    /// The `<a name>` just before the table, for `#anchor` links.
    pub anchor: Option<String>,
    /// 1-based line of `<table>`.
    pub line: usize,
    /// The status code the table is under (`**状态码： 400**` above it), if any.
    pub status: Option<String>,
    pub html: HtmlTable,
}

/// One block of the page, in document order.
#[derive(Debug, Clone)]
pub enum Block {
    Paragraph {
        line: usize,
        text: String,
    },
    Table(Table),
    /// A code block, with the status code it is under (`**状态码： 200**`), if any.
    Code {
        /// The line the block starts on (its opening fence, when fenced).
        line: usize,
        /// The line of its first line of text (after the opening fence).
        text_line: usize,
        text: String,
        status: Option<String>,
    },
}

/// A page read into blocks.
#[derive(Debug, Clone)]
pub struct Page {
    /// The path as given (errors name it).
    pub path: PathBuf,
    /// The file name, as cited in `x-source` annotations.
    pub file_name: String,
    /// The `#` heading, without anchors.
    pub title: String,
    pub blocks: Vec<(Section, Block)>,
    /// Each `##` heading's section, line and text (without anchors), in order.
    pub headings: Vec<(Section, usize, String)>,
}

impl Page {
    /// The error for a problem at `line` of this page.
    pub fn error(&self, line: usize, problem: PageProblem) -> DeriveError {
        DeriveError::Page {
            file: self.path.clone(),
            line,
            problem,
        }
    }

    /// The folder links on this page are relative to.
    pub fn dir(&self) -> &Path {
        self.path.parent().unwrap_or(Path::new(""))
    }

    /// The line of the first heading of a section.
    pub fn heading_line(&self, section: Section) -> Option<usize> {
        self.headings
            .iter()
            .find(|(s, _, _)| *s == section)
            .map(|(_, l, _)| *l)
    }

    /// The text of the last `##` heading at or above `line` (a walkthrough's step).
    pub fn heading_above(&self, line: usize) -> Option<&str> {
        self.headings
            .iter()
            .take_while(|(_, l, _)| *l <= line)
            .last()
            .map(|(_, _, text)| text.as_str())
    }

    /// The tables of one section, in order.
    pub fn tables(&self, section: Section) -> impl Iterator<Item = &Table> {
        self.blocks.iter().filter_map(move |(s, b)| match b {
            Block::Table(t) if *s == section => Some(t),
            _ => None,
        })
    }
}

/// Reads and parses a page file.
pub fn read(path: &Path) -> Result<Page, DeriveError> {
    let bytes = std::fs::read(path).map_err(|source| DeriveError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    from_bytes(path, &bytes)
}

/// Parses a page's bytes as if read from `path`: refuses empty, binary and non-UTF-8
/// input with a located error, then [`parse`]s the text.
pub fn from_bytes(path: &Path, bytes: &[u8]) -> Result<Page, DeriveError> {
    let page_error = |line, problem| DeriveError::Page {
        file: path.to_path_buf(),
        line,
        problem,
    };
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(page_error(1, PageProblem::Empty));
    }
    if let Some(at) = bytes.iter().position(|&b| b == 0) {
        let line = 1 + bytes[..at].iter().filter(|&&b| b == b'\n').count();
        return Err(page_error(
            line,
            PageProblem::NotText {
                what: "it contains NUL bytes (a binary file?)".into(),
            },
        ));
    }
    let text = std::str::from_utf8(bytes).map_err(|e| {
        let at = e.valid_up_to();
        let line = 1 + bytes[..at].iter().filter(|&&b| b == b'\n').count();
        page_error(
            line,
            PageProblem::NotText {
                what: format!("invalid UTF-8 at byte {at}"),
            },
        )
    })?;
    parse(path, text)
}

/// Byte offsets of line starts, to turn offsets into 1-based lines.
struct Lines(Vec<usize>);

impl Lines {
    fn new(text: &str) -> Lines {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        Lines(starts)
    }
    fn of(&self, offset: usize) -> usize {
        self.0.partition_point(|&s| s <= offset)
    }
}

/// Parses page text; `path` is only used for error messages and links.
pub fn parse(path: &Path, text: &str) -> Result<Page, DeriveError> {
    let lines = Lines::new(text);
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut page = Page {
        path: path.to_path_buf(),
        file_name,
        title: String::new(),
        blocks: Vec::new(),
        headings: Vec::new(),
    };
    let mut section = Section::Intro;
    // Text being collected for the current heading, paragraph or code block.
    let mut buf = String::new();
    let mut block_start = 0;
    let mut pending_caption: Option<(u32, String)> = None;
    let mut pending_anchor: Option<String> = None;
    let mut skip_until = 0;
    let mut uncaptioned = 0;
    // The status code of the `状态码： 200` line above, until the next heading.
    let mut status: Option<String> = None;
    // Whether the code block being collected opened with a fence (its text starts a line
    // further down).
    let mut fenced = false;

    let parser = Parser::new_ext(text, Options::empty()).into_offset_iter();
    for (event, range) in parser {
        if range.start < skip_until {
            continue;
        }
        match event {
            Event::Start(Tag::Heading { .. } | Tag::Paragraph | Tag::CodeBlock(_)) => {
                buf.clear();
                block_start = range.start;
                fenced = matches!(
                    event,
                    Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(_)))
                );
            }
            Event::Text(t) | Event::Code(t) => buf.push_str(&t),
            Event::SoftBreak | Event::HardBreak => buf.push('\n'),
            Event::End(TagEnd::Heading(level)) => {
                let heading = buf.trim().to_string();
                if level == HeadingLevel::H1 && page.title.is_empty() {
                    page.title = heading;
                } else {
                    section = Section::of_heading(&heading);
                    page.headings
                        .push((section, lines.of(block_start), heading));
                    status = None;
                }
                pending_caption = None;
                pending_anchor = None;
            }
            Event::End(TagEnd::Paragraph) => {
                let para = buf.trim().to_string();
                let line = lines.of(block_start);
                // A paragraph of only inline HTML (the `<a name=…></a>` anchor line
                // between a caption and its table) keeps the caption and anchor pending.
                if !para.is_empty() {
                    if let Some(code) = status_line(&para) {
                        status = Some(code);
                    }
                    pending_caption = caption(&para);
                    pending_anchor = None;
                    if pending_caption.is_none() {
                        page.blocks
                            .push((section, Block::Paragraph { line, text: para }));
                    }
                }
            }
            Event::End(TagEnd::CodeBlock) => {
                let line = lines.of(block_start);
                page.blocks.push((
                    section,
                    Block::Code {
                        line,
                        text_line: line + usize::from(fenced),
                        text: buf.clone(),
                        status: status.clone(),
                    },
                ));
            }
            Event::Html(h) | Event::InlineHtml(h) => {
                // Search the source, not the event text: inside lists or quotes the event
                // text is de-indented and its offsets would not match the page's.
                let Some(rel) = text[range.clone()].find("<table") else {
                    if let Some(name) = anchor_name(&h) {
                        pending_anchor = Some(name);
                    }
                    continue;
                };
                let start = range.start + rel;
                let (end, row_offsets) = html::scan_table(text, start).map_err(|fault| {
                    let mut what = fault.what;
                    if let Some(at) = fault.opened {
                        what.push_str(&format!(" (opened at line {})", lines.of(at)));
                    }
                    page.error(lines.of(fault.offset), PageProblem::MalformedHtml { what })
                })?;
                skip_until = end;
                let row_lines: Vec<usize> = row_offsets.iter().map(|&o| lines.of(o)).collect();
                let parsed = html::parse_table(&text[start..end], &row_lines);
                uncaptioned += 1;
                let (number, caption) = pending_caption
                    .take()
                    .unwrap_or((uncaptioned, String::new()));
                page.blocks.push((
                    section,
                    Block::Table(Table {
                        number,
                        caption,
                        anchor: pending_anchor.take(),
                        line: lines.of(start),
                        status: status.clone(),
                        html: parsed,
                    }),
                ));
            }
            _ => {}
        }
    }
    Ok(page)
}

/// `表 3  instance参数说明` → (3, "instance参数说明").
fn caption(para: &str) -> Option<(u32, String)> {
    let rest = para.strip_prefix('表')?.trim_start();
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    let number = digits.parse().ok()?;
    Some((number, rest[digits.len()..].trim().to_string()))
}

/// `状态码： 400` (the newer pages' line above each status's tables) → "400".
fn status_line(para: &str) -> Option<String> {
    let rest = para.strip_prefix("状态码")?;
    let code = rest.trim_start_matches(|c: char| c.is_whitespace() || "：:".contains(c));
    (code.len() == 3 && code.bytes().all(|b| b.is_ascii_digit())).then(|| code.to_string())
}

/// The anchor of a page file's title (`# 缓存实例状态说明<a name="dcs-api-0312047"></a>`):
/// the name the vendor publishes the page under (`…/dcs-api-0312047.html`). Only the lines
/// up to the title are read.
pub fn title_anchor(path: &Path) -> Option<String> {
    use std::io::BufRead;
    let file = std::fs::File::open(path).ok()?;
    let title = std::io::BufReader::new(file)
        .lines()
        .take(8)
        .map_while(Result::ok)
        .find(|l| l.starts_with("# "))?;
    anchor_name(&title)
}

/// The `name` of `<a name="…">`, as used for table anchors.
fn anchor_name(html: &str) -> Option<String> {
    let at = html.find("<a name=\"")? + "<a name=\"".len();
    let end = html[at..].find('"')?;
    Some(html[at..at + end].to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_sections_captions_and_tables() {
        let text = "# T<a name=\"x\"></a>\n\n## URI\n\nGET /v1/\\{a\\}/things\n\n**表 1**  参数说明\n\n<a name=\"t1\"></a>\n<table><tr><th>参数</th></tr>\n<tr><td>a</td></tr>\n</table>\n\n## 响应\n\n```\n{}\n```\n";
        let page = parse(Path::new("dir/p.md"), text).expect("parses");
        assert_eq!(page.title, "T");
        assert_eq!(page.file_name, "p.md");
        let tables: Vec<_> = page.tables(Section::Uri).collect();
        assert_eq!(tables.len(), 1);
        assert_eq!(tables[0].number, 1);
        assert_eq!(tables[0].caption, "参数说明");
        assert_eq!(tables[0].anchor.as_deref(), Some("t1"));
        assert_eq!(tables[0].line, 10);
        assert_eq!(tables[0].html.rows[0].line, 11);
        assert!(page.blocks.iter().any(|(s, b)| *s == Section::Uri
            && matches!(b, Block::Paragraph { text, line: 5 } if text == "GET /v1/{a}/things")));
        assert!(page.blocks.iter().any(|(s, b)| *s == Section::Response
            && matches!(
                b,
                Block::Code {
                    line: 16,
                    text_line: 17,
                    ..
                }
            )));
        let headings: Vec<(Section, usize, &str)> = page
            .headings
            .iter()
            .map(|(s, l, t)| (*s, *l, t.as_str()))
            .collect();
        assert_eq!(
            headings,
            [(Section::Uri, 3, "URI"), (Section::Response, 14, "响应")]
        );
        assert_eq!(page.heading_above(13), Some("URI"));
        assert_eq!(page.heading_above(2), None);
    }
}
