//! Case selection: `--filter` (by name, path or rule) and `--shard K/N` (split a suite
//! across CI machines). Input: the loaded cases; output: the ones this run executes, in
//! their original order.
//!
//! Sharding hashes each case's name (its path below the cases folder, with `/`, without
//! `.toml`) with FNV-1a 64 and keeps the cases whose hash modulo N is K-1. The hash is
//! implemented here, not taken from `std` (whose hashers are allowed to change between
//! Rust releases), so **the assignment of a case to a shard is stable across conform
//! versions, platforms and runs**: adding or removing a case never moves the others.

use crate::exit::Failure;
use std::fmt;
use std::str::FromStr;

use crate::case::{Case, Rule};

/// `--filter` and `--shard`, shared by `conform run` and `conform list`.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct SelectArgs {
    /// Only cases whose name or file path contains TEXT, or that cite the rule TEXT
    /// (`C9`). Repeatable: a case matching any filter is selected.
    #[arg(long, value_name = "TEXT")]
    pub filter: Vec<String>,
    /// Run only shard K of N (1-based), e.g. `--shard 2/4` on the second of four CI
    /// machines. Cases are assigned by a stable hash of their name, so the N shards
    /// together run the whole suite exactly once.
    #[arg(long, value_name = "K/N")]
    pub shard: Option<Shard>,
}

impl SelectArgs {
    /// Loads a folder of cases against a contract and applies the selection; says on
    /// stderr what is wrong and returns the exit code: 2 for a broken case file, 4 when
    /// nothing is selected.
    pub fn load(
        &self,
        dir: &std::path::Path,
        contract: &crate::contract::Contract,
    ) -> Result<Vec<Case>, Failure> {
        self.load_each(&[(dir, contract)])
            .map(|mut each| each.pop().unwrap_or_default())
    }

    /// [`SelectArgs::load`] for several contracts' folders: every folder is read (every
    /// broken file said) before the selection is applied to each; exit code 4 only when
    /// nothing is selected in any of them (a contract with nothing selected gets an
    /// empty list).
    pub fn load_each(
        &self,
        suites: &[(&std::path::Path, &crate::contract::Contract)],
    ) -> Result<Vec<Vec<Case>>, Failure> {
        let mut loaded = Vec::new();
        let mut broken = Vec::new();
        for (dir, contract) in suites {
            match crate::case::load_dir(dir, contract) {
                Ok(cases) => loaded.push(self.apply(cases)),
                Err(e) => broken.push(e.to_string()),
            }
        }
        if !broken.is_empty() {
            return Err(Failure::with(crate::exit::INPUT_INVALID, broken.join("\n")));
        }
        if loaded.iter().all(Vec::is_empty) {
            let mut by = Vec::new();
            if !self.filter.is_empty() {
                by.push(format!("--filter {}", self.filter.join(" --filter ")));
            }
            if let Some(s) = &self.shard {
                by.push(format!("--shard {}/{}", s.index, s.count));
            }
            let by = if by.is_empty() {
                String::new()
            } else {
                format!(" by {}", by.join(", "))
            };
            let dirs: Vec<String> = suites
                .iter()
                .map(|(d, _)| d.display().to_string())
                .collect();
            return Err(Failure::with(
                crate::exit::NOTHING_SELECTED,
                format!("error: no case selected in {}{by}", dirs.join(" or ")),
            ));
        }
        Ok(loaded)
    }

    /// The cases this selection keeps, in their original order.
    pub fn apply(&self, cases: Vec<Case>) -> Vec<Case> {
        cases
            .into_iter()
            .filter(|c| matches_filters(c, &self.filter))
            .filter(|c| self.shard.is_none_or(|s| s.contains(&c.name)))
            .collect()
    }
}

/// True when a case matches one of the filters (or there are none): a filter matches
/// the case's name (`name/exact-name`), its file path (`cases/name/exact-name.toml`)
/// or, when it is a rule id, a rule the case cites (`C3`, `c3`; exact, so `C1` does not
/// select C10..C14).
pub fn matches_filters(case: &Case, filters: &[String]) -> bool {
    filters.is_empty()
        || filters.iter().any(|f| {
            let f = f.as_str();
            match Rule::parse(f) {
                Some(rule) => case.rules.contains(&rule),
                None => case.name.contains(f) || case.loc.file.contains(f),
            }
        })
}

/// One shard of N: `K/N` with 1 <= K <= N.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    /// 1-based.
    pub index: u64,
    pub count: u64,
}

impl Shard {
    /// True when the case named `name` belongs to this shard.
    pub fn contains(&self, name: &str) -> bool {
        fnv1a64(name.as_bytes()) % self.count == self.index - 1
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

/// A `--shard` value that is not K/N with 1 <= K <= N.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a shard: write K/N with 1 <= K <= N, e.g. 2/4")]
pub struct ShardError(String);

impl FromStr for Shard {
    type Err = ShardError;

    fn from_str(s: &str) -> Result<Shard, ShardError> {
        let bad = || ShardError(s.to_string());
        let (k, n) = s.split_once('/').ok_or_else(bad)?;
        let index: u64 = k.trim().parse().map_err(|_| bad())?;
        let count: u64 = n.trim().parse().map_err(|_| bad())?;
        if index == 0 || count == 0 || index > count {
            return Err(bad());
        }
        Ok(Shard { index, count })
    }
}

/// FNV-1a, 64 bits (http://www.isthe.com/chongo/tech/comp/fnv/): a tiny, fully specified
/// hash. Do not change it: shard assignments in users' pipelines depend on its output.
pub fn fnv1a64(bytes: &[u8]) -> u64 {
    const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    bytes
        .iter()
        .fold(OFFSET, |h, b| (h ^ u64::from(*b)).wrapping_mul(PRIME))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract::Contract;

    fn suite() -> Vec<Case> {
        crate::case::load_dir(std::path::Path::new("cases/v1.0"), Contract::embedded())
            .expect("the shipped cases load")
    }

    #[test]
    fn fnv1a64_matches_the_published_test_vectors() {
        // Vectors from the FNV reference test suite: the output is a promise to users.
        assert_eq!(fnv1a64(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a64(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a64(b"foobar"), 0x8594_4171_f739_67e8);
    }

    #[test]
    fn shard_assignment_is_pinned() {
        // Computed once with an independent FNV-1a implementation. If this changes,
        // every user's shard split changes: don't.
        let shard_of = |name: &str| {
            (1..=4)
                .find(|k| {
                    Shard {
                        index: *k,
                        count: 4,
                    }
                    .contains(name)
                })
                .unwrap()
        };
        assert_eq!(shard_of("basics/unfiltered"), 4);
        assert_eq!(shard_of("name/exact-name"), 3);
        assert_eq!(shard_of("paging/walk"), 4);
    }

    #[test]
    fn shards_partition_the_suite() {
        let all = suite();
        let names: Vec<String> = all.iter().map(|c| c.name.clone()).collect();
        for n in 1..=5 {
            let mut union: Vec<String> = Vec::new();
            for k in 1..=n {
                let sel = SelectArgs {
                    filter: vec![],
                    shard: Some(Shard { index: k, count: n }),
                };
                let part: Vec<String> =
                    sel.apply(all.clone()).into_iter().map(|c| c.name).collect();
                if n > 1 {
                    assert!(part.len() < names.len(), "shard {k}/{n} took everything");
                }
                union.extend(part);
            }
            union.sort();
            let mut want = names.clone();
            want.sort();
            assert_eq!(union, want, "the {n} shards are not a partition");
        }
    }

    #[test]
    fn shard_parsing() {
        assert_eq!("2/4".parse(), Ok(Shard { index: 2, count: 4 }));
        assert_eq!("1/1".parse(), Ok(Shard { index: 1, count: 1 }));
        for bad in ["0/4", "5/4", "2/0", "2", "a/b", "", "-1/3"] {
            assert!(bad.parse::<Shard>().is_err(), "{bad}");
        }
    }

    #[test]
    fn filter_by_name_path_and_rule() {
        let all = suite();
        let pick = |f: &str| -> Vec<String> {
            SelectArgs {
                filter: vec![f.into()],
                shard: None,
            }
            .apply(all.clone())
            .into_iter()
            .map(|c| c.name)
            .collect()
        };
        let by_name = pick("exact-name");
        assert!(
            by_name.contains(&"name/exact-name".to_string()),
            "{by_name:?}"
        );
        let by_path = pick("cases/v1.0/errors/");
        assert!(!by_path.is_empty());
        assert!(
            by_path.iter().all(|n| n.starts_with("errors/")),
            "{by_path:?}"
        );
        let by_file = pick("errors/limit-zero.toml");
        assert_eq!(by_file, ["errors/limit-zero"]);
        // A rule id is matched exactly: C1 must not select cases citing only C10..C14.
        let c1 = pick("c1");
        assert!(!c1.is_empty());
        for name in &c1 {
            let case = all.iter().find(|c| &c.name == name).unwrap();
            assert!(case.rules.contains(&Rule::c(1)), "{name}");
        }
        assert!(pick("no-such-case").is_empty());
    }
}
