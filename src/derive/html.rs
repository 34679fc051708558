//! HTML tables inside the vendor's Markdown: a strict well-formedness scan (the vendor's
//! HTML is machine-written, so an unclosed tag means a damaged page, not a style), then
//! cell extraction with `scraper`: header names, and per row the cell text, list items and
//! links, each row with the line it starts on.

use scraper::{ElementRef, Html, Node, Selector};

/// One parsed `<table>`.
#[derive(Debug, Clone)]
pub struct HtmlTable {
    /// Header cell texts, in column order.
    pub header: Vec<String>,
    /// Body rows, in document order.
    pub rows: Vec<HtmlRow>,
}

/// One body row of a table.
#[derive(Debug, Clone)]
pub struct HtmlRow {
    /// 1-based line of the row's `<tr>` in the page.
    pub line: usize,
    pub cells: Vec<Cell>,
}

/// The content of one `<td>`, in the forms the prose readers need.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Cell {
    /// Text of the whole cell: one line per paragraph or list item, whitespace collapsed.
    pub text: String,
    /// The `<li>` items of lists in the cell, in order.
    pub items: Vec<String>,
    /// The `<a href>` links in the cell, in order.
    pub links: Vec<Link>,
}

/// A hyperlink in a cell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    pub href: String,
    pub text: String,
}

/// A well-formedness problem at a byte offset of the page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HtmlFault {
    pub offset: usize,
    pub what: String,
    /// Where the element that should have been closed was opened, when that matters.
    pub opened: Option<usize>,
}

/// Elements that never have a closing tag.
const VOID: &[&str] = &[
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source",
    "track", "wbr",
];

/// Scans the `<table>` that starts at `start` in `text` and returns the offset just past its
/// `</table>` and the offsets of its `<tr>` tags. Every element must be closed in order:
/// `scraper` (like browsers) would silently repair a damaged table into a different one.
pub fn scan_table(text: &str, start: usize) -> Result<(usize, Vec<usize>), HtmlFault> {
    let bytes = text.as_bytes();
    let mut stack: Vec<(String, usize)> = Vec::new();
    let mut rows = Vec::new();
    let mut i = start;
    while i < bytes.len() {
        if bytes[i] != b'<' {
            i += 1;
            continue;
        }
        if text[i..].starts_with("<!--") {
            match text[i..].find("-->") {
                Some(end) => i += end + 3,
                None => {
                    return Err(HtmlFault {
                        offset: i,
                        what: "a comment `<!--` is never closed".into(),
                        opened: None,
                    })
                }
            }
            continue;
        }
        let tag_start = i;
        let end = tag_end(bytes, i).ok_or_else(|| HtmlFault {
            offset: tag_start,
            what: "a tag is never closed with `>`".into(),
            opened: None,
        })?;
        let inner = &text[i + 1..end];
        i = end + 1;
        let closing = inner.starts_with('/');
        let name: String = inner
            .trim_start_matches('/')
            .chars()
            .take_while(char::is_ascii_alphanumeric)
            .collect::<String>()
            .to_ascii_lowercase();
        if name.is_empty() {
            // A lone `<` in text (e.g. "a < b"); html5ever treats it as text too.
            continue;
        }
        if closing {
            match stack.pop() {
                Some((open, _)) if open == name => {
                    if stack.is_empty() {
                        return Ok((i, rows));
                    }
                }
                Some((open, at)) => {
                    return Err(HtmlFault {
                        offset: tag_start,
                        what: format!("`</{name}>` closes `<{open}>`"),
                        opened: Some(at),
                    })
                }
                None => {
                    return Err(HtmlFault {
                        offset: tag_start,
                        what: format!("`</{name}>` closes nothing"),
                        opened: None,
                    })
                }
            }
        } else if !inner.ends_with('/') && !VOID.contains(&name.as_str()) {
            if name == "table" && !stack.is_empty() {
                return Err(HtmlFault {
                    offset: tag_start,
                    what: "a table inside a table is not supported".into(),
                    opened: None,
                });
            }
            if name == "tr" {
                rows.push(tag_start);
            }
            stack.push((name, tag_start));
        }
    }
    let (open, at) = stack.last().cloned().unwrap_or(("table".into(), start));
    Err(HtmlFault {
        offset: at,
        what: format!("`<{open}>` is never closed"),
        opened: None,
    })
}

/// The index of the `>` that ends the tag starting at `i`, skipping quoted attribute values.
fn tag_end(bytes: &[u8], mut i: usize) -> Option<usize> {
    let mut quote = None;
    while i < bytes.len() {
        let b = bytes[i];
        match quote {
            Some(q) if b == q => quote = None,
            Some(_) => {}
            None if b == b'"' || b == b'\'' => quote = Some(b),
            None if b == b'>' => return Some(i),
            None => {}
        }
        i += 1;
    }
    None
}

/// Parses a table already checked by [`scan_table`]. `row_lines` are the lines of its
/// `<tr>` tags in document order, which is also the order `scraper` yields them in.
pub fn parse_table(html: &str, row_lines: &[usize]) -> HtmlTable {
    let doc = Html::parse_fragment(html);
    let tr = selector("tr");
    let mut header = Vec::new();
    let mut rows = Vec::new();
    for (index, row) in doc.select(&tr).enumerate() {
        let line = row_lines.get(index).copied().unwrap_or(0);
        let mut cells = Vec::new();
        let mut is_header = false;
        for child in row.children().filter_map(ElementRef::wrap) {
            match child.value().name() {
                "th" => {
                    is_header = true;
                    cells.push(cell(child));
                }
                "td" => cells.push(cell(child)),
                _ => {}
            }
        }
        if is_header && header.is_empty() {
            header = cells.into_iter().map(|c| c.text).collect();
        } else {
            rows.push(HtmlRow { line, cells });
        }
    }
    HtmlTable { header, rows }
}

fn selector(css: &str) -> Selector {
    // The selectors are string constants of this module, never input.
    Selector::parse(css).expect("a valid constant CSS selector")
}

fn cell(el: ElementRef<'_>) -> Cell {
    let mut raw = String::new();
    collect_text(el, &mut raw);
    let items = el
        .select(&selector("li"))
        .map(|li| {
            let mut s = String::new();
            collect_text(li, &mut s);
            normalise(&s)
        })
        .collect();
    let links = el
        .select(&selector("a[href]"))
        .map(|a| Link {
            href: a.value().attr("href").unwrap_or_default().to_string(),
            text: normalise(&a.text().collect::<String>()),
        })
        .collect();
    Cell {
        text: normalise(&raw),
        items,
        links,
    }
}

/// Text of an element with a line break around each block element, so paragraphs and
/// list items stay apart.
fn collect_text(el: ElementRef<'_>, out: &mut String) {
    for child in el.children() {
        match child.value() {
            Node::Text(t) => out.push_str(t),
            Node::Element(e) => {
                let block = matches!(e.name(), "p" | "li" | "ul" | "ol" | "div" | "br");
                if block {
                    out.push('\n');
                }
                if let Some(c) = ElementRef::wrap(child) {
                    collect_text(c, out);
                }
                if block {
                    out.push('\n');
                }
            }
            _ => {}
        }
    }
}

/// Collapses whitespace inside lines and drops empty lines.
pub fn normalise(s: &str) -> String {
    s.lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    const TABLE: &str = "<table><thead><tr><th><p>参数</p></th><th>类型</th></tr></thead>\n<tbody><tr><td><p>a</p></td><td><p>x。</p><ul><li>v1：one</li><li>v2：two</li></ul><a href=\"p.md\">p</a></td></tr>\n</tbody></table>\ntrailing";

    #[test]
    fn scans_and_parses_a_table() {
        let (end, rows) = scan_table(TABLE, 0).expect("well-formed");
        assert!(TABLE[..end].ends_with("</table>"));
        assert_eq!(rows.len(), 2);
        let t = parse_table(&TABLE[..end], &[1, 2]);
        assert_eq!(t.header, vec!["参数", "类型"]);
        assert_eq!(t.rows.len(), 1);
        assert_eq!(t.rows[0].line, 2);
        let c = &t.rows[0].cells[1];
        assert_eq!(c.items, vec!["v1：one", "v2：two"]);
        assert_eq!(c.links[0].href, "p.md");
        assert_eq!(c.text, "x。\nv1：one\nv2：two\np");
    }

    #[test]
    fn reports_an_unclosed_cell() {
        let bad = "<table><tr><td>a</tr></table>";
        let fault = scan_table(bad, 0).unwrap_err();
        assert!(fault.what.contains("`</tr>` closes `<td>`"), "{fault:?}");
    }

    #[test]
    fn reports_an_unclosed_table() {
        let fault = scan_table("<table><tr><td>a</td></tr>", 0).unwrap_err();
        assert_eq!(fault.what, "`<table>` is never closed");
    }
}
