//! The vendor's type words (the 类型 column) mapped to JSON Schema types.
//!
//! The vendor writes `String`, `Integer`, `Long`, `Float`, `Double`, `Boolean`, `Array`,
//! `Object` or `JSON`; newer pages also write element types: `Array of strings`,
//! `Array of InstanceInfo objects`, `List<String>`, `String[]`. An unknown word is an
//! error rather than a guess, so a new vendor type is noticed when the page changes.

/// A scalar JSON type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scalar {
    String,
    Integer,
    Number,
    Boolean,
}

impl Scalar {
    /// The JSON Schema `type` keyword value.
    pub fn json_type(self) -> &'static str {
        match self {
            Scalar::String => "string",
            Scalar::Integer => "integer",
            Scalar::Number => "number",
            Scalar::Boolean => "boolean",
        }
    }

    /// The vendor's type word for it (`Integer`), as written where no page gives one.
    pub fn word(self) -> &'static str {
        match self {
            Scalar::String => "String",
            Scalar::Integer => "Integer",
            Scalar::Number => "Number",
            Scalar::Boolean => "Boolean",
        }
    }
}

/// The element of an `Array` type, when the type word says it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Element {
    Scalar(Scalar),
    /// An object described by a table of its own (`Array of instance objects`).
    Named(String),
}

/// A parsed type word.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DocType {
    Scalar(Scalar),
    /// An array; `None` when the type word is a bare `Array` (the element is then found
    /// from a table that names it, or left open).
    Array(Option<Element>),
    /// An object; `Some` when the type word names the table that describes it.
    Object(Option<String>),
}

/// Parses a type word; `None` for a word the vendor is not known to use.
pub fn parse(word: &str) -> Option<DocType> {
    let w = word.trim();
    if let Some(s) = scalar(w) {
        return Some(DocType::Scalar(s));
    }
    let lower = w.to_ascii_lowercase();
    if matches!(lower.as_str(), "object" | "json" | "map" | "dict") || lower.starts_with("map<") {
        return Some(DocType::Object(None));
    }
    if matches!(lower.as_str(), "array" | "list") {
        return Some(DocType::Array(None));
    }
    // `Array of objects`: the element is an object, described by a table found from the
    // field's name or link, or left open.
    if lower == "array of objects" || lower == "array of object" {
        return Some(DocType::Array(None));
    }
    // `Array of strings`, `Array of InstanceInfo objects`, `Array of InstanceInfo`.
    if lower.starts_with("array of ") {
        let rest = w["array of ".len()..].trim();
        let rest = rest
            .strip_suffix(" objects")
            .or_else(|| rest.strip_suffix(" object"))
            .unwrap_or(rest)
            .trim();
        return element(rest).map(|e| DocType::Array(Some(e)));
    }
    // `StatusStatistic object`, `quotas object`: an object described by the named table.
    for suffix in [" objects", " object"] {
        if let Some(name) = lower.strip_suffix(suffix).map(|n| w[..n.len()].trim()) {
            if is_identifier(name) && !lower.starts_with("array") {
                return Some(DocType::Object(Some(name.to_string())));
            }
        }
    }
    // `List<String>`, `Array<String>`.
    for prefix in ["list<", "array<"] {
        if lower.starts_with(prefix) && lower.ends_with('>') {
            return element(&w[prefix.len()..w.len() - 1]).map(|e| DocType::Array(Some(e)));
        }
    }
    // `String[]`.
    if let Some(inner) = w.strip_suffix("[]") {
        return element(inner).map(|e| DocType::Array(Some(e)));
    }
    None
}

/// Misspellings of type words seen on the vendor's pages, read as the word they misspell
/// (the caller warns): (misspelling, word).
const MISSPELLINGS: &[(&str, &str)] = &[
    ("interger", "Integer"),
    ("integet", "Integer"),
    ("stirng", "String"),
    ("boolen", "Boolean"),
    ("doubule", "Double"),
];

/// A type word that is a known misspelling: the word it stands for and its parse.
pub fn corrected(word: &str) -> Option<(&'static str, DocType)> {
    let lower = word.trim().to_ascii_lowercase();
    MISSPELLINGS
        .iter()
        .find(|(m, _)| *m == lower)
        .and_then(|(_, w)| parse(w).map(|t| (*w, t)))
}

fn scalar(w: &str) -> Option<Scalar> {
    Some(match w.to_ascii_lowercase().as_str() {
        // `Enum`: one of the values the description lists (strings on the vendor's pages).
        "string" | "strings" | "str" | "enum" => Scalar::String,
        "integer" | "integers" | "int" | "int32" | "long" | "int64" | "short" => Scalar::Integer,
        "float" | "double" | "number" | "numbers" | "bigdecimal" | "decimal" | "float32"
        | "float64" => Scalar::Number,
        "boolean" | "booleans" | "bool" => Scalar::Boolean,
        _ => return None,
    })
}

fn element(w: &str) -> Option<Element> {
    let w = w.trim();
    if let Some(s) = scalar(w) {
        return Some(Element::Scalar(s));
    }
    is_identifier(w).then(|| Element::Named(w.to_string()))
}

/// An ASCII identifier such as an object table's name (`instance`, `InstanceInfo`).
pub fn is_identifier(w: &str) -> bool {
    let mut chars = w.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_the_vendor_words() {
        assert_eq!(parse("String"), Some(DocType::Scalar(Scalar::String)));
        assert_eq!(parse("Long"), Some(DocType::Scalar(Scalar::Integer)));
        assert_eq!(parse("Double"), Some(DocType::Scalar(Scalar::Number)));
        assert_eq!(parse("Boolean"), Some(DocType::Scalar(Scalar::Boolean)));
        assert_eq!(parse("JSON"), Some(DocType::Object(None)));
        assert_eq!(parse("Array"), Some(DocType::Array(None)));
        assert_eq!(
            parse("Array of strings"),
            Some(DocType::Array(Some(Element::Scalar(Scalar::String))))
        );
        assert_eq!(
            parse("List<Integer>"),
            Some(DocType::Array(Some(Element::Scalar(Scalar::Integer))))
        );
        assert_eq!(
            parse("Array of ResizeInfo objects"),
            Some(DocType::Array(Some(Element::Named("ResizeInfo".into()))))
        );
        assert_eq!(parse("Array of objects"), Some(DocType::Array(None)));
        assert_eq!(
            parse("BackupFilesBody object"),
            Some(DocType::Object(Some("BackupFilesBody".into())))
        );
        assert_eq!(
            parse("quotas object"),
            Some(DocType::Object(Some("quotas".into())))
        );
        assert_eq!(parse("Interger"), None);
        assert_eq!(
            corrected("Interger"),
            Some(("Integer", DocType::Scalar(Scalar::Integer)))
        );
        assert_eq!(parse("Strnig"), None);
        assert_eq!(parse("整数"), None);
    }
}
