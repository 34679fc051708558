//! Which parameters and members of two list contracts correspond, and which differences
//! between them the pages document (`schemas/v1.0-v2.correspond.toml`): what `conform
//! diff --across` reads to ask the v1.0 and the v2 list the same question.

use serde::Deserialize;

use super::desc::Desc;

/// The shipped correspondence of the v1.0 and the v2 list.
pub const SHIPPED: &str = include_str!("../../schemas/v1.0-v2.correspond.toml");
/// Where it lives, for messages.
pub const SHIPPED_PATH: &str = "schemas/v1.0-v2.correspond.toml";

/// The differences conform knows how to recognise; an `[[expected]]` entry names one.
pub const KNOWN: [&str; 5] = [
    "deleted",
    "status-table",
    "name-case",
    "page-total",
    "order",
];

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Correspond {
    /// The contracts' names in the manifest.
    pub left: String,
    pub right: String,
    pub param: Vec<ParamPair>,
    pub paging: PagingPair,
    /// The filter values both lists document (a question asks only these).
    pub statuses: Vec<String>,
    /// Members with the same meaning on both pages, compared per instance.
    pub members: Vec<String>,
    /// Members compared as instants rather than as text.
    #[serde(default)]
    pub instants: Vec<String>,
    #[serde(default)]
    pub not_same: Vec<NotSame>,
    #[serde(default)]
    pub expected: Vec<Expected>,
}

/// One parameter under each list's name.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ParamPair {
    pub left: String,
    pub right: String,
    pub rules: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Pair {
    pub left: String,
    pub right: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PagingPair {
    pub start: Pair,
    pub limit: Pair,
    pub rules: Vec<String>,
}

/// Members of similar names and different meanings: never compared.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NotSame {
    pub left: String,
    pub right: String,
    pub why: String,
}

/// A difference the pages document or leave open: reported as expected.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expected {
    pub id: String,
    pub rules: Vec<String>,
    pub why: String,
}

impl Correspond {
    /// Reads a correspondence, and checks every name in it against the two descriptions:
    /// a parameter neither list has, or a difference conform cannot recognise, is an
    /// error saying where.
    pub fn parse(text: &str, origin: &str, left: &Desc, right: &Desc) -> Result<Self, String> {
        let c: Correspond = toml::from_str(text).map_err(|e| {
            let at = e
                .span()
                .map(|s| {
                    let line = text[..s.start].matches('\n').count() + 1;
                    format!(":{line}")
                })
                .unwrap_or_default();
            format!("{origin}{at}: {}", e.message())
        })?;
        let mut problems = Vec::new();
        for (side, desc, names) in [
            (
                "left",
                left,
                c.param.iter().map(|p| &p.left).collect::<Vec<_>>(),
            ),
            ("right", right, c.param.iter().map(|p| &p.right).collect()),
        ] {
            for name in names {
                if !params_of(desc).contains(&name.as_str()) {
                    problems.push(format!(
                        "{side} parameter {name:?} is not a parameter of {}",
                        desc.name
                    ));
                }
            }
        }
        let (ls, rs) = (left.start.as_ref(), right.start.as_ref());
        if ls.map(|s| &s.param) != Some(&c.paging.start.left)
            || rs.map(|s| &s.param) != Some(&c.paging.start.right)
        {
            problems.push(
                "[paging] start names another parameter than the descriptions' [paging] start"
                    .into(),
            );
        }
        let (ll, rl) = (left.limit.as_ref(), right.limit.as_ref());
        if ll.map(|s| &s.param) != Some(&c.paging.limit.left)
            || rl.map(|s| &s.param) != Some(&c.paging.limit.right)
        {
            problems.push(
                "[paging] limit names another parameter than the descriptions' [paging] limit"
                    .into(),
            );
        }
        for e in &c.expected {
            if !KNOWN.contains(&e.id.as_str()) {
                problems.push(format!(
                    "[[expected]] id {:?} is not one conform recognises ({})",
                    e.id,
                    KNOWN.join(", ")
                ));
            }
        }
        if problems.is_empty() {
            Ok(c)
        } else {
            Err(format!("{origin}: {}", problems.join("; ")))
        }
    }

    /// The right list's name of a left parameter that corresponds.
    pub fn right_param(&self, left: &str) -> Option<&str> {
        self.param
            .iter()
            .find(|p| p.left == left)
            .map(|p| p.right.as_str())
    }

    /// The rules of a left parameter's correspondence.
    pub fn rules_of(&self, left: &str) -> Vec<String> {
        if left == self.paging.start.left || left == self.paging.limit.left {
            return self.paging.rules.clone();
        }
        self.param
            .iter()
            .find(|p| p.left == left)
            .map(|p| p.rules.clone())
            .unwrap_or_default()
    }

    pub fn expected(&self, id: &str) -> Option<&Expected> {
        self.expected.iter().find(|e| e.id == id)
    }
}

/// Every query parameter a description reads: its filters, their exact flags and
/// aliases, the flags of its hidden items, its paging.
fn params_of(desc: &Desc) -> Vec<&str> {
    let mut v: Vec<&str> = Vec::new();
    for f in &desc.filters {
        v.push(&f.param);
        v.extend(f.exact.as_ref().map(|e| e.param.as_str()));
        v.extend(f.alias.as_deref());
    }
    v.extend(desc.hidden.iter().map(|h| h.unless.param.as_str()));
    v.extend(desc.start.as_ref().map(|s| s.param.as_str()));
    v.extend(desc.limit.as_ref().map(|s| s.param.as_str()));
    v
}

/// The two shipped list contracts and their correspondence, for tests.
#[cfg(test)]
pub(crate) fn shipped() -> (
    crate::contract::Contract,
    crate::contract::Contract,
    Correspond,
) {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let load = |p: &str| crate::contract::Contract::from_file(&root.join(p)).unwrap();
    let (l, r) = (
        load("schemas/v1.0/list-instances.contract.toml"),
        load("schemas/v2/list-instances.contract.toml"),
    );
    let c = Correspond::parse(SHIPPED, SHIPPED_PATH, l.desc(), r.desc()).unwrap();
    (l, r, c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_correspondence_names_only_parameters_the_descriptions_read() {
        let (l, r, _) = shipped();
        let c = Correspond::parse(SHIPPED, SHIPPED_PATH, l.desc(), r.desc()).unwrap();
        assert_eq!(c.right_param("id"), Some("instance_id"));
        assert_eq!(c.right_param("includeFailure"), Some("include_failure"));
        assert_eq!(
            c.right_param("start"),
            None,
            "paging is translated, not renamed"
        );
        for id in KNOWN {
            assert!(c.expected(id).is_some(), "{id} is documented");
        }
    }

    #[test]
    fn a_wrong_name_is_an_error_saying_where() {
        let (l, r, _) = shipped();
        let broken = SHIPPED.replace("right = \"instance_id\"", "right = \"instanceid\"");
        let e = Correspond::parse(&broken, "c.toml", l.desc(), r.desc()).unwrap_err();
        assert!(e.contains("right parameter \"instanceid\""), "{e}");
        let broken = SHIPPED.replace("id = \"order\"", "id = \"sorting\"");
        let e = Correspond::parse(&broken, "c.toml", l.desc(), r.desc()).unwrap_err();
        assert!(
            e.contains("\"sorting\" is not one conform recognises"),
            "{e}"
        );
        let e = Correspond::parse("left = 3", "c.toml", l.desc(), r.desc()).unwrap_err();
        assert!(e.starts_with("c.toml:1:"), "{e}");
    }
}
