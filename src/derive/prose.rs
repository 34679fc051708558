//! Reading constraints out of a description cell's prose, in the phrasings the vendor uses:
//! value lists (`<li>dcs.cluster：…</li>`), meanings (`0表示…，1表示…`), formats
//! (`格式为：2017-03-31T12:24:46.297Z`, `格式为HH:mm:ss`), bounds (`最小值为1`),
//! defaults (`默认为“false”`) and null values (`该字段值为null`). Each reader returns `None` when the prose does not say it
//! plainly: a missed constraint is visible in review, an invented one would be a false
//! contract.

use serde_json::Value;

use super::types::Scalar;

/// Values listed as `<li>value：meaning</li>`, every item in that form, at least two.
pub fn enum_from_items(items: &[String], kind: Scalar) -> Option<Vec<Value>> {
    if items.len() < 2 {
        return None;
    }
    let mut values = Vec::new();
    for item in items {
        let (token, _) = item.split_once(['：', ':'])?;
        values.push(literal(token.trim(), kind)?);
    }
    distinct(values)
}

/// Values given as `0表示…，1表示…`: at least two tokens, each right after a sentence
/// boundary and right before `表示`.
pub fn enum_from_meanings(text: &str, kind: Scalar) -> Option<Vec<Value>> {
    let mut values = Vec::new();
    for (at, _) in text.match_indices("表示") {
        let before = &text[..at];
        let token_start = before
            .char_indices()
            .rev()
            .take_while(|(_, c)| is_token_char(*c))
            .last()
            .map(|(i, _)| i);
        let Some(start) = token_start else { continue };
        let boundary = before[..start].chars().next_back();
        let at_boundary =
            boundary.is_none_or(|c| c.is_whitespace() || "，,。；;：:（(、".contains(c));
        if !at_boundary {
            continue;
        }
        let token = unquote(&before[start..]);
        if let Some(v) = literal(token, kind) {
            values.push(v);
        }
    }
    if values.len() < 2 {
        return None;
    }
    distinct(values)
}

fn is_token_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "._-+“”\"'".contains(c)
}

fn unquote(s: &str) -> &str {
    s.trim_matches(|c| "“”\"'".contains(c))
}

pub fn literal(token: &str, kind: Scalar) -> Option<Value> {
    if token.is_empty() || token.contains(char::is_whitespace) || !token.is_ascii() {
        return None;
    }
    match kind {
        Scalar::Integer => token.parse::<i64>().ok().map(Value::from),
        Scalar::Number => token
            .parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
            .map(Value::Number),
        Scalar::Boolean => token.parse::<bool>().ok().map(Value::Bool),
        Scalar::String => Some(Value::String(token.to_string())),
    }
}

fn distinct(values: Vec<Value>) -> Option<Vec<Value>> {
    let mut out: Vec<Value> = Vec::new();
    for v in values {
        if !out.contains(&v) {
            out.push(v);
        }
    }
    (out.len() >= 2).then_some(out)
}

/// What `格式为…` says about a string.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Format {
    /// A JSON Schema `format` (`date-time`, `date`).
    pub format: Option<String>,
    /// A regular expression for a pattern such as `HH:mm:ss`.
    pub pattern: Option<String>,
    /// The text the vendor wrote, kept as an annotation.
    pub text: String,
}

/// Reads `格式为：<example or pattern>`.
pub fn format(text: &str) -> Option<Format> {
    let at = text
        .find("格式为")
        .map(|i| i + "格式为".len())
        .or_else(|| {
            text.find("格式：")
                .or_else(|| text.find("格式:"))
                .map(|i| i + "格式".len())
        })?;
    let rest = text[at..].trim_start_matches(|c: char| c.is_whitespace() || "：:“\"".contains(c));
    let token: String = rest
        .chars()
        .take_while(|c| !c.is_whitespace() && !"。，,；;）)”\"".contains(*c))
        .collect();
    if token.is_empty() {
        return None;
    }
    if is_timestamp_example(&token) {
        return Some(Format {
            format: Some("date-time".into()),
            pattern: None,
            text: token,
        });
    }
    if is_date_example(&token) {
        return Some(Format {
            format: Some("date".into()),
            pattern: None,
            text: token,
        });
    }
    let pattern = date_pattern(&token)?;
    Some(Format {
        format: None,
        pattern: Some(pattern),
        text: token,
    })
}

fn digits(s: &str, n: usize) -> bool {
    s.len() == n && s.bytes().all(|b| b.is_ascii_digit())
}

fn is_date_example(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    parts.len() == 3 && digits(parts[0], 4) && digits(parts[1], 2) && digits(parts[2], 2)
}

/// `2017-03-31T12:24:46.297Z` and the like: a date, `T`, a time.
fn is_timestamp_example(s: &str) -> bool {
    match s.split_once('T') {
        Some((date, time)) => {
            is_date_example(date)
                && time.is_ascii()
                && time.len() >= 8
                && digits(&time[0..2], 2)
                && time.as_bytes()[2] == b':'
                && digits(&time[3..5], 2)
        }
        None => false,
    }
}

/// Translates a Java-style date pattern (`HH:mm:ss`, `yyyy-MM-dd`) into an anchored regular
/// expression. Only the letters the vendor uses are known; anything else is `None`.
fn date_pattern(p: &str) -> Option<String> {
    const PIECES: &[(&str, &str)] = &[
        ("yyyy", "[0-9]{4}"),
        ("MM", "(0[1-9]|1[0-2])"),
        ("dd", "(0[1-9]|[12][0-9]|3[01])"),
        ("HH", "([01][0-9]|2[0-3])"),
        ("mm", "[0-5][0-9]"),
        ("ss", "[0-5][0-9]"),
        ("SSS", "[0-9]{3}"),
    ];
    let mut out = String::from("^");
    let mut rest = p;
    let mut letters = 0;
    while !rest.is_empty() {
        if let Some((piece, re)) = PIECES.iter().find(|(piece, _)| rest.starts_with(piece)) {
            out.push_str(re);
            rest = &rest[piece.len()..];
            letters += 1;
            continue;
        }
        let c = rest.chars().next()?;
        if c.is_alphanumeric() {
            return None;
        }
        if ".^$|?*+()[]{}\\/".contains(c) {
            out.push('\\');
        }
        out.push(c);
        rest = &rest[c.len_utf8()..];
    }
    (letters >= 2).then(|| out + "$")
}

/// The number after one of `phrases` (`最小值为1`, `最小值：1`).
fn number_after(text: &str, phrases: &[&str]) -> Option<i64> {
    for phrase in phrases {
        if let Some(i) = text.find(phrase) {
            let rest = text[i + phrase.len()..]
                .trim_start_matches(|c: char| c.is_whitespace() || "为是：:".contains(c));
            let num: String = rest
                .chars()
                .enumerate()
                .take_while(|(i, c)| c.is_ascii_digit() || (*i == 0 && *c == '-'))
                .map(|(_, c)| c)
                .collect();
            if let Ok(n) = num.parse() {
                return Some(n);
            }
        }
    }
    None
}

/// A lower bound stated in the text.
pub fn minimum(text: &str) -> Option<i64> {
    number_after(text, &["最小值", "最小为", "不小于", "大于等于"])
}

/// An upper bound stated in the text.
pub fn maximum(text: &str) -> Option<i64> {
    number_after(text, &["最大值", "最大为", "不大于", "小于等于"])
}

/// A default stated as `默认…为<value>` within one clause (`默认起始序号为1`,
/// `默认为“false”`, `默认值：10`).
pub fn default(text: &str) -> Option<String> {
    let at = text.find("默认")? + "默认".len();
    let clause: &str = text[at..]
        .split(|c: char| "，,。；;\n".contains(c))
        .next()
        .unwrap_or_default();
    let value = clause
        .rfind(['为', '是', '：', ':'])
        .map(|i| &clause[i..])
        .map(|s| s.trim_start_matches(|c: char| "为是：:".contains(c)))?;
    let value = unquote(value.trim());
    (!value.is_empty() && !value.contains(char::is_whitespace)).then(|| value.to_string())
}

/// Words right before `null` that state a value: `为null`, `值是null`, `返回null`, `is null`,
/// `be null`, `returns null`.
const NULL_VERBS: &[&str] = &["为", "是", "返回", "is", "are", "be", "returns", "return"];

/// Words right before such a verb that deny it: `不为null`, `返回不为null` (the vendor's
/// "is not null when …"), `cannot be null`.
const NULL_DENIALS: &[&str] = &[
    "不", "非", "不会", "不能", "不可", "不得", "不应", "无", "not", "cannot", "never", "can't",
    "won't",
];

/// The sentence of a description that says the field's value is null (`如果未开启公网访问
/// 功能，该字段值为null。`, `按需实例时此值为null。`, `扩展错误信息(暂未使用，赋值为null)`,
/// `（创建分析任务时此值为null，不返回）`), as the vendor wrote it. A sentence that says the
/// value is not null (`验证失败时该参数返回不为null`), or names null in a condition about
/// something else (`当配置为空字符串""或null时，配置会使用默认值`), is not one: `None`.
pub fn null_sentence(text: &str) -> Option<String> {
    sentences(text)
        .into_iter()
        .find(|s| says_null(s))
        .map(|s| s.trim().to_string())
}

/// A cell's text cut after each `。`, `；`, `;`, `. ` and line break, the mark kept.
fn sentences(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    for (i, c) in text.char_indices() {
        let end = i + c.len_utf8();
        let english_stop = c == '.' && text[end..].starts_with(char::is_whitespace);
        if "。；;\n".contains(c) || english_stop {
            out.push(&text[start..end]);
            start = end;
        }
    }
    out.push(&text[start..]);
    out.retain(|s| !s.trim().is_empty());
    out
}

/// Whether one sentence states that the value is null: `null` as a word, right after a
/// verb that states a value (quotes and spaces aside), the verb not denied, and not the
/// condition of a `…时` clause (`为null时` says what happens when something is null).
fn says_null(sentence: &str) -> bool {
    let lower = sentence.to_ascii_lowercase();
    let is_word = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_');
    lower.match_indices("null").any(|(at, _)| {
        let before = &lower[..at];
        let after = &lower[at + "null".len()..];
        if is_word(before.chars().next_back()) || is_word(after.chars().next()) {
            return false;
        }
        let quotes = |c: char| c.is_whitespace() || "“”\"'「」`".contains(c);
        let before = before.trim_end_matches(quotes);
        let Some(verb) = NULL_VERBS.iter().find(|v| ends_with_word(before, v)) else {
            return false;
        };
        let rest = before[..before.len() - verb.len()].trim_end();
        let denied = NULL_DENIALS.iter().any(|d| ends_with_word(rest, d));
        let condition = after.trim_start_matches(quotes).starts_with('时');
        !denied && !condition
    })
}

/// `text` ends with `word`; an ASCII word must stand apart from the letters before it
/// (`is`, not the end of `this`).
fn ends_with_word(text: &str, word: &str) -> bool {
    text.strip_suffix(word).is_some_and(|rest| {
        !word.is_ascii() || !rest.ends_with(|c: char| c.is_ascii_alphanumeric())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn list_items_and_meanings_become_enums() {
        let items = vec!["a.one：表示单机".to_string(), "a.two：表示主备".to_string()];
        assert_eq!(
            enum_from_items(&items, Scalar::String),
            Some(vec![json!("a.one"), json!("a.two")])
        );
        assert_eq!(
            enum_from_meanings(
                "计费模式，0表示按需计费，1表示包年/包月计费。",
                Scalar::Integer
            ),
            Some(vec![json!(0), json!(1)])
        );
        // One meaning, after a word rather than a boundary: not an enumeration.
        assert_eq!(
            enum_from_meanings(
                "默认为“false”，表示模糊。若参数值为“true”表示精确。",
                Scalar::String
            ),
            None
        );
    }

    #[test]
    fn formats_bounds_and_defaults() {
        let f = format("创建时间。格式为：2017-03-31T12:24:46.297Z").expect("a format");
        assert_eq!(f.format.as_deref(), Some("date-time"));
        let f = format("维护时间窗开始时间，格式为HH:mm:ss。").expect("a pattern");
        assert_eq!(
            f.pattern.as_deref(),
            Some("^([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]$")
        );
        assert_eq!(minimum("每页显示条数，最小值为1，若不设置"), Some(1));
        assert_eq!(maximum("取值范围，最大值为1000。"), Some(1000));
        assert_eq!(
            default("数据的起始序号，默认起始序号为1。").as_deref(),
            Some("1")
        );
        assert_eq!(
            default("默认为“false”，表示模糊匹配").as_deref(),
            Some("false")
        );
        assert_eq!(default("默认不限制。"), None);
    }

    #[test]
    fn sentences_that_say_the_value_is_null() {
        // Every phrasing of the vendor's reference that says so (see docs/derive.md).
        for (cell, sentence) in [
            (
                "Redis缓存实例绑定的弹性IP地址的id。 如果未开启公网访问功能，该字段值为null。",
                "如果未开启公网访问功能，该字段值为null。",
            ),
            (
                "Redis缓存实例绑定的弹性IP地址。\n如果未开启公网访问功能，该字段值为null。",
                "如果未开启公网访问功能，该字段值为null。",
            ),
            (
                "订单ID，仅在创建包周期实例时返回，按需实例时此值为null。",
                "订单ID，仅在创建包周期实例时返回，按需实例时此值为null。",
            ),
            (
                "扩展错误信息(暂未使用，赋值为null)\n最大长度：1024",
                "扩展错误信息(暂未使用，赋值为null)",
            ),
            (
                "大key记录（创建分析任务时此值为null，不返回）",
                "大key记录（创建分析任务时此值为null，不返回）",
            ),
            (
                "The field returns null when unset.",
                "The field returns null when unset.",
            ),
            ("值为“null”。", "值为“null”。"),
        ] {
            assert_eq!(null_sentence(cell).as_deref(), Some(sentence), "{cell}");
        }
    }

    #[test]
    fn sentences_that_deny_null_or_speak_of_something_else_do_not_count() {
        for cell in [
            "密码验证剩余次数。验证失败时该参数返回不为null。",
            "锁定时间。验证失败时和锁定时该参数返回不为null",
            "当配置为空字符串\"\"或null时，配置会使用默认值Ex。",
            "当该参数为null时，使用默认值。",
            "The instances parameter in the request cannot be a null value or left unspecified.",
            "The value is not null.",
            "This null check is done by the service.",
            "取值为nullable的对象。",
            "实例名称。",
        ] {
            assert_eq!(null_sentence(cell), None, "{cell}");
        }
    }
}
