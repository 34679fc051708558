//! The contract's reading of a query: which filters it applies, which hidden items it
//! asks for, which page it selects, and which items of a baseline it must return (the
//! oracle). Planning reads it to size page walks; the filter and paging checks judge
//! answers with it. The mock has its own reading, written independently.

use super::desc::{Desc, FieldRef, Filter, Match, Reading};
use super::Rule;
use crate::base::{Baseline, Inst};

/// The largest 32-bit signed integer: a paging value beyond it may be refused.
const INT32_MAX: u64 = 2_147_483_647;

/// One filter the query applies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Active {
    /// Index into the description's filters.
    pub filter: usize,
    pub value: String,
    /// Exact matching was switched on (a `contains` filter with its flag).
    pub exact: bool,
    /// The value came in the filter's alias (`id` for `instance_id`).
    pub alias: bool,
}

/// The query as the contract reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Query<'d> {
    pub desc: &'d Desc,
    /// The filters with a non-empty value, in the description's order.
    pub active: Vec<Active>,
    /// Per hidden rule of the description: its flag asks for the hidden items.
    pub include: Vec<bool>,
    /// 0-based index of the first item (C9); `None` when absent or empty.
    pub start: Option<usize>,
    /// `None` = all (C10).
    pub limit: Option<usize>,
    /// Parameters sent with an empty value (C1).
    pub empty: Vec<String>,
    /// True when a paging value is not a decimal integer in range (a 400 is due).
    pub invalid_paging: bool,
    /// True when the only paging fault is a limit above the maximum, which the page
    /// leaves open between a 400 and a clamped page (S9).
    pub over_max: bool,
    /// A paging value the page leaves open between a 400 and its reading: beyond
    /// 2^31 - 1 (the page's "Integer" may be 32-bit) or with a leading `+` (a sign is
    /// not in "decimal integer" for every server). The value is read; a 400 is accepted.
    pub refusal_tolerated: bool,
    /// The readings this query is judged under instead of the filters' own matches:
    /// (index into the description's filters, reading). Empty: the contract's own.
    pub readings: Vec<(usize, Reading)>,
}

impl<'d> Query<'d> {
    /// Reads the decoded query; the last value of a repeated parameter wins.
    pub fn parse(desc: &'d Desc, pairs: &[(String, String)]) -> Query<'d> {
        let get = |name: &str| {
            pairs
                .iter()
                .rev()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.as_str())
        };
        let non_empty = |name: &str| get(name).filter(|v| !v.is_empty()).map(str::to_string);
        let mut empty: Vec<String> = Vec::new();
        for (k, v) in pairs {
            if v.is_empty() && !empty.contains(k) {
                empty.push(k.clone());
            }
        }
        // Flags: only their one literal value switches anything on.
        let active = desc
            .filters
            .iter()
            .enumerate()
            .filter_map(|(i, f)| {
                let own = non_empty(&f.param);
                let alias = own.is_none() && f.alias.is_some();
                let value = own.or_else(|| non_empty(f.alias.as_deref()?))?;
                Some(Active {
                    filter: i,
                    value,
                    alias,
                    exact: f
                        .exact
                        .as_ref()
                        .is_some_and(|e| get(&e.param) == Some(e.value.as_str())),
                })
            })
            .collect();
        let include = desc
            .hidden
            .iter()
            .map(|h| get(&h.unless.param) == Some(h.unless.value.as_str()))
            .collect();
        let mut invalid_paging = false;
        let mut over_max = false;
        let mut refusal_tolerated = false;
        let mut number = |name: &str, min: u64, max: Option<u64>| -> Option<u64> {
            let v = non_empty(name)?;
            let digits = v.strip_prefix('+').unwrap_or(&v);
            let read = match !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
                // Digits beyond 64 bits are still an integer (C10): past any end.
                true => Ok(digits.parse::<u64>().unwrap_or(u64::MAX)),
                false => Err(()),
            };
            if read.is_ok() && (digits.len() < v.len() || read > Ok(INT32_MAX)) {
                refusal_tolerated = true;
            }
            match read {
                Ok(n) if n >= min => match max {
                    // Above the maximum: a 400 is due, and a target that clamps instead
                    // (tolerated, S9 of the v2 notes) is judged by the maximum.
                    Some(m) if n > m => {
                        invalid_paging = true;
                        over_max = true;
                        Some(m)
                    }
                    _ => Some(n),
                },
                _ => {
                    invalid_paging = true;
                    over_max = false;
                    None
                }
            }
        };
        let start = desc.start.as_ref().and_then(|s| {
            number(&s.param, u64::from(s.base), None).map(|n| (n - u64::from(s.base)) as usize)
        });
        let limit = desc.limit.as_ref().and_then(|l| {
            number(&l.param, l.min.max(1), l.max)
                .or(l.default)
                .map(|n| n as usize)
        });
        Query {
            desc,
            active,
            include,
            start,
            limit,
            empty,
            invalid_paging,
            over_max,
            refusal_tolerated,
            readings: Vec::new(),
        }
    }

    /// The query read with the first value of a repeated parameter winning, when a
    /// parameter came more than once and that reading differs from this one (the query
    /// [`Query::parse`] read from the same `pairs`: the last wins). The page is silent on
    /// repeats: both readings are accepted and the one a target follows is recorded.
    pub fn first_wins(&self, pairs: &[(String, String)]) -> Option<Query<'d>> {
        let mut seen: Vec<&str> = Vec::new();
        let firsts: Vec<(String, String)> = pairs
            .iter()
            .filter(|(k, _)| {
                let new = !seen.contains(&k.as_str());
                seen.push(k);
                new
            })
            .cloned()
            .collect();
        if firsts.len() == pairs.len() {
            return None;
        }
        let first = Query::parse(self.desc, &firsts);
        (first != *self).then_some(first)
    }

    /// The same query without paging: every match (for walks).
    pub fn unpaged(&self) -> Query<'d> {
        Query {
            start: None,
            limit: None,
            ..self.clone()
        }
    }

    /// The hidden rule that keeps `inst` out of this query's result, if one does.
    fn hidden_by(&self, inst: &Inst) -> Option<usize> {
        self.desc.hidden.iter().position(|h| h.hides(inst))
    }

    fn matches(&self, f: &Filter, a: &Active, inst: &Inst) -> bool {
        let reading = self
            .readings
            .iter()
            .find(|(k, _)| *k == a.filter)
            .map(|&(_, r)| r);
        if a.alias && reading == Some(Reading::AliasIgnored) {
            return true;
        }
        f.admits(inst, &a.value, a.exact, reading)
    }

    /// True when `inst` belongs in this query's result (no hidden rule and no filter
    /// keeps it out): [`Query::excludes`] without building its reason, for the oracle.
    pub fn admits(&self, inst: &Inst) -> bool {
        let hidden = self
            .desc
            .hidden
            .iter()
            .enumerate()
            .any(|(k, h)| !self.include[k] && h.hides(inst));
        !hidden
            && self
                .active
                .iter()
                .all(|a| self.matches(&self.desc.filters[a.filter], a, inst))
    }

    /// Why `inst` must not be in the result (the rule it would break), if so.
    pub fn excludes(&self, inst: &Inst) -> Option<(Rule, String)> {
        for (k, h) in self.desc.hidden.iter().enumerate() {
            if !self.include[k] && h.hides(inst) {
                return Some((
                    h.rule,
                    format!("{} without {}={}", h.what(), h.unless.param, h.unless.value),
                ));
            }
        }
        for a in &self.active {
            let f = &self.desc.filters[a.filter];
            if self.matches(f, a, inst) {
                continue;
            }
            let v = f.field.of(inst);
            let (term, name) = (&a.value, &f.field_name);
            return Some(match (f.matching, a.exact, f.field) {
                (Match::Contains, true, _) => (
                    f.exact.as_ref().map_or(f.rule, |e| e.rule),
                    format!("{name} {v:?} is not exactly {term:?}"),
                ),
                (Match::Contains, false, _) => {
                    (f.rule, format!("{name} {v:?} does not contain {term:?}"))
                }
                (Match::Equals, _, FieldRef::Id) => (f.rule, format!("{name} is not {term}")),
                (Match::Equals, _, _) => (f.rule, format!("{name} {v} is not {term}")),
                (Match::OneOf, _, _) => (f.rule, format!("{term} is not one of {name} {v:?}")),
                (Match::Pairs, _, _) => {
                    let has = f.terms(inst).join(",");
                    let has = if has.is_empty() {
                        "none".to_string()
                    } else {
                        has
                    };
                    (f.rule, format!("{name} ({has}) lack one of {term:?}"))
                }
                (Match::Number, _, _) => {
                    let read = f.terms(inst).join("");
                    let read = if read.is_empty() { "no number" } else { &read };
                    (f.rule, format!("{name} is {read}, not {term}"))
                }
            });
        }
        None
    }

    /// The same query under every other combination of the readings its active filters
    /// accept (the page is silent there): each with the readings it applies. The
    /// contract's own reading is not among them. At most [`MAX_READINGS`].
    pub fn alternatives(&self) -> Vec<Query<'d>> {
        let mut choices: Vec<Vec<Option<(usize, Reading)>>> = Vec::new();
        for a in &self.active {
            let f = &self.desc.filters[a.filter];
            let mut here = vec![None];
            here.extend(
                f.readings
                    .iter()
                    .filter(|r| applies(f, a, **r))
                    .map(|&r| Some((a.filter, r))),
            );
            if here.len() > 1 {
                choices.push(here);
            }
        }
        let mut out: Vec<Vec<(usize, Reading)>> = vec![Vec::new()];
        for here in &choices {
            out = out
                .iter()
                .flat_map(|picked| {
                    here.iter().map(move |c| {
                        let mut p = picked.clone();
                        p.extend(*c);
                        p
                    })
                })
                .take(MAX_READINGS + 1)
                .collect();
        }
        out.into_iter()
            .filter(|r| !r.is_empty())
            .take(MAX_READINGS)
            .map(|readings| Query {
                readings,
                ..self.clone()
            })
            .collect()
    }

    /// The readings this query applies, in words, each with the point of the notes it
    /// answers: "S5: ip also matches a part of the member".
    pub fn readings_said(&self) -> String {
        let said: Vec<String> = self
            .readings
            .iter()
            .map(|&(k, r)| {
                let f = &self.desc.filters[k];
                let point = super::desc::point_prefix(&f.point);
                format!("{point}{}", r.says(&f.param))
            })
            .collect();
        said.join("; ")
    }

    /// The points the active filters leave open, in words, with the readings accepted
    /// there: "S5 (ip): `one_of`, also accepted: substring". Empty when none is open.
    pub fn open_points(&self) -> Vec<String> {
        self.active
            .iter()
            .filter_map(|a| {
                let f = &self.desc.filters[a.filter];
                let rs: Vec<&str> = f
                    .readings
                    .iter()
                    .filter(|r| applies(f, a, **r))
                    .map(|r| r.name())
                    .collect();
                if rs.is_empty() {
                    return None;
                }
                let rule = f.rule.to_string();
                let point = f.point.as_deref().unwrap_or(&rule);
                Some(format!(
                    "{point} ({}): `{}`, also accepted: {}",
                    f.param,
                    f.matching.name(),
                    rs.join(", ")
                ))
            })
            .collect()
    }

    /// The rule an accepted reading is recorded under: the first reading's filter's.
    pub fn readings_rule(&self) -> Option<Rule> {
        self.readings
            .first()
            .map(|&(k, _)| self.desc.filters[k].rule)
    }

    /// How many filters are active (for blaming the AND rule when they are OR-ed).
    fn active_filters(&self) -> usize {
        self.active.len()
    }

    /// True when `inst` passes at least one active filter (an OR would let it in).
    fn passes_some_filter(&self, inst: &Inst) -> bool {
        self.active
            .iter()
            .any(|a| self.matches(&self.desc.filters[a.filter], a, inst))
    }

    /// The rule a missing item is blamed on: the filter that should have let it in.
    pub fn completeness_rule(&self, inst: &Inst) -> Rule {
        if let Some(k) = self.hidden_by(inst) {
            if self.include[k] {
                return self.desc.hidden[k].rule;
            }
        }
        if let Some(a) = self.active.first() {
            let f = &self.desc.filters[a.filter];
            return match (&f.exact, a.exact) {
                (Some(e), true) => e.rule,
                _ => f.rule,
            };
        }
        if self.empty.is_empty() {
            self.desc.and_rule
        } else {
            self.desc.empty_rule
        }
    }

    /// True when the AND rule, not the filter's own, is to blame for an item that
    /// one filter would let in and another not.
    pub fn blames_and(&self, rule: Rule, inst: &Inst) -> bool {
        self.active_filters() > 1
            && self.passes_some_filter(inst)
            && !self.desc.hidden.iter().any(|h| h.rule == rule)
    }
}

/// The most combinations of readings one query is judged under.
pub const MAX_READINGS: usize = 32;

/// True when reading `r` can change how filter `f` meets this active value.
fn applies(f: &Filter, a: &Active, r: Reading) -> bool {
    match r {
        Reading::IgnoreCase => !a.exact,
        Reading::AliasIgnored => a.alias,
        Reading::KeyOnly | Reading::ItemIgnored => !f.readable(&a.value),
        Reading::Substring | Reading::IntegerToo => true,
    }
}

/// Every instance of the baseline the query must return, in contract order (all pages).
pub fn expected<'a>(baseline: &'a Baseline, q: &Query<'_>) -> Vec<&'a Inst> {
    expected_positions(baseline, q)
        .into_iter()
        .map(|p| &baseline.instances[p])
        .collect()
}

/// The same, as positions in the baseline.
pub fn expected_positions(baseline: &Baseline, q: &Query<'_>) -> Vec<usize> {
    // The baseline is kept in the contract's order, so filtering keeps it.
    (0..baseline.len())
        .filter(|&p| q.admits(&baseline.instances[p]))
        .collect()
}

/// The rules of the start and limit parameters (either standing in for the other
/// when the description has only one; the AND rule when it has neither).
pub fn paging_rules(desc: &Desc) -> (Rule, Rule) {
    let start = desc.start.as_ref().map(|s| s.rule);
    let limit = desc.limit.as_ref().map(|l| l.rule);
    (
        start.or(limit).unwrap_or(desc.and_rule),
        limit.or(start).unwrap_or(desc.and_rule),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract::Contract;

    fn pairs(p: &[(&str, &str)]) -> Vec<(String, String)> {
        p.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn inst(id: &str, name: &str, status: &str, at: &str) -> Inst {
        Contract::embedded().item(
            id,
            &[("name", name), ("status", status), ("created_at", at)],
        )
    }

    fn desc() -> &'static Desc {
        Contract::embedded().desc()
    }

    #[test]
    fn query_reads_the_contract_literally() {
        let q = Query::parse(
            desc(),
            &pairs(&[
                ("name", ""),
                ("isExactMatchName", "TRUE"),
                ("includeFailure", "1"),
                ("start", "2"),
                ("limit", "x"),
            ]),
        );
        assert!(q.active.is_empty(), "C1: empty is absent");
        assert_eq!(q.include, vec![false], "C6: only `true`");
        assert_eq!(q.start, Some(1), "C9: 1-based, read as the index 1");
        assert!(q.invalid_paging);
        assert_eq!(q.empty, vec!["name".to_string()]);
        let q = Query::parse(
            desc(),
            &pairs(&[("name", "x"), ("isExactMatchName", "TRUE")]),
        );
        assert!(!q.active[0].exact, "C3: only `true`");
        let q = Query::parse(
            desc(),
            &pairs(&[("name", "x"), ("isExactMatchName", "true")]),
        );
        assert!(q.active[0].exact);
    }

    #[test]
    fn a_repeated_parameter_is_read_last_first_and_first_as_a_reading() {
        let q = |p: &[(&str, &str)]| Query::parse(desc(), &pairs(p));
        let twice = pairs(&[("limit", "5"), ("name", "a"), ("limit", "1")]);
        assert_eq!(q(&[("limit", "5"), ("limit", "1")]).limit, Some(1));
        let first = Query::parse(desc(), &twice)
            .first_wins(&twice)
            .expect("another reading");
        assert_eq!(first.limit, Some(5));
        assert_eq!(first.active.len(), 1, "the other parameters are kept");
        // The same value twice, or no repeat at all, is one reading.
        let same = pairs(&[("limit", "1"), ("limit", "1")]);
        assert!(Query::parse(desc(), &same).first_wins(&same).is_none());
        let once = pairs(&[("limit", "1")]);
        assert!(Query::parse(desc(), &once).first_wins(&once).is_none());
        // An empty last value leaves the parameter absent; the first reading keeps it.
        let emptied = pairs(&[("name", "a"), ("name", "")]);
        assert!(q(&[("name", "a"), ("name", "")]).active.is_empty());
        let first = Query::parse(desc(), &emptied).first_wins(&emptied);
        assert_eq!(first.unwrap().active.len(), 1);
    }

    #[test]
    fn paging_edges_the_page_leaves_open_are_read_with_a_400_tolerated() {
        let q = |v: &str| Query::parse(desc(), &pairs(&[("start", v)]));
        for (v, start) in [
            ("2147483647", 2_147_483_646usize),
            ("2147483648", 2_147_483_647),
            ("18446744073709551617", usize::MAX - 1),
            ("+2", 1),
        ] {
            let r = q(v);
            assert!(!r.invalid_paging, "{v}");
            assert_eq!(r.start, Some(start), "{v}");
            assert_eq!(r.refusal_tolerated, v != "2147483647", "{v}");
        }
        for v in ["+", "-1", "+-1", "1.5", " 1", "0"] {
            let r = q(v);
            assert!(r.invalid_paging, "{v}: a 400 is due");
        }
    }

    #[test]
    fn expected_list_filters_and_orders_by_contract() {
        let b = Contract::embedded().baseline(vec![
            inst("b", "cache-a", "RUNNING", "2020-01-01T00:00:00.000Z"),
            inst("a", "cache-b", "RUNNING", "2020-01-01T00:00:00.000Z"),
            inst("c", "Cache-c", "RUNNING", "2021-01-01T00:00:00.000Z"),
            inst("d", "cache-d", "CREATEFAILED", "2022-01-01T00:00:00.000Z"),
        ]);
        let q = Query::parse(desc(), &pairs(&[("name", "cache")]));
        let ids: Vec<&str> = expected(&b, &q).iter().map(|i| i.id()).collect();
        assert_eq!(
            ids,
            vec!["a", "b"],
            "C2 case-sensitive, C6 hides failed, C8 tie by id"
        );
        let q = Query::parse(
            desc(),
            &pairs(&[("name", "cache"), ("includeFailure", "true")]),
        );
        let ids: Vec<&str> = expected(&b, &q).iter().map(|i| i.id()).collect();
        assert_eq!(ids, vec!["d", "a", "b"]);
        let q = Query::parse(desc(), &pairs(&[("status", "RUNNING"), ("name", "Cache")]));
        let cache_b = b.get("a").unwrap();
        let (rule, why) = q.excludes(cache_b).unwrap();
        assert_eq!(
            (rule, why.as_str()),
            (Rule::c(2), "name \"cache-b\" does not contain \"Cache\"")
        );
        assert!(
            q.blames_and(rule, cache_b),
            "C7: status lets it in, name not"
        );
    }

    fn v2() -> Contract {
        Contract::from_file(std::path::Path::new(
            "schemas/v2/list-instances.contract.toml",
        ))
        .expect("the v2 contract loads")
    }

    /// The ids `q` must return, under its own reading or under one of its alternatives.
    fn ids<'a>(b: &'a Baseline, q: &Query<'_>) -> Vec<&'a str> {
        expected(b, q).iter().map(|i| i.id()).collect()
    }

    #[test]
    fn silent_points_offer_their_readings_and_nothing_else() {
        let v2 = v2();
        let desc = v2.desc();
        let item = |id: &str, ip: &str, tags: &str, cap: &str, minor: &str| {
            v2.item(
                id,
                &[
                    ("name", id),
                    ("status", "RUNNING"),
                    ("created_at", "2024-01-01T00:00:00Z"),
                    ("ip", ip),
                    ("tags", tags),
                    ("capacity", cap),
                    ("capacity_minor", minor),
                ],
            )
        };
        let b = v2.baseline(vec![
            item(
                "a",
                "192.168.0.82",
                r#"[{"key":"env","value":"prod"}]"#,
                "0",
                ".125",
            ),
            item("b", "10.0.0.1,10.0.0.2", "[]", "2", ""),
            item(
                "c",
                "172.16.0.5",
                r#"[{"key":"team","value":"x"}]"#,
                "0",
                "",
            ),
        ]);
        // S5: a prefix of an address is nothing exactly, the instance as a substring.
        let q = Query::parse(desc, &pairs(&[("ip", "192.168.0.8")]));
        assert!(ids(&b, &q).is_empty());
        let alts = q.alternatives();
        assert_eq!(alts.len(), 1);
        assert_eq!(ids(&b, &alts[0]), ["a"]);
        assert!(
            alts[0].readings_said().starts_with("S5: ip also matches"),
            "{}",
            alts[0].readings_said()
        );
        // S4: an item without `=`: nothing, the key alone, or every instance.
        let q = Query::parse(desc, &pairs(&[("tags", "env")]));
        assert!(ids(&b, &q).is_empty());
        let mut under: Vec<Vec<&str>> = q.alternatives().iter().map(|a| ids(&b, a)).collect();
        under.sort();
        assert_eq!(under, vec![vec!["a"], vec!["a", "b", "c"]]);
        // A well-formed pair has no alternative reading.
        assert!(Query::parse(desc, &pairs(&[("tags", "env=prod")]))
            .alternatives()
            .is_empty());
        // S7: capacity=0 finds no small instance, or every one whose integer capacity is 0.
        let q = Query::parse(desc, &pairs(&[("capacity", "0")]));
        assert_eq!(ids(&b, &q), ["c"]);
        assert_eq!(ids(&b, &q.alternatives()[0]), ["a", "c"]);
        let q = Query::parse(desc, &pairs(&[("capacity", "0.125")]));
        assert_eq!(
            ids(&b, &q),
            ["a"],
            "both readings find the small instance by its size"
        );
        assert_eq!(ids(&b, &q.alternatives()[0]), ["a"]);
        // S1: `id` is the synonym of instance_id when that is absent, or ignored.
        let q = Query::parse(desc, &pairs(&[("id", "b")]));
        assert!(q.active[0].alias);
        assert_eq!(ids(&b, &q), ["b"]);
        assert_eq!(ids(&b, &q.alternatives()[0]), ["a", "b", "c"]);
        let q = Query::parse(desc, &pairs(&[("instance_id", "c"), ("id", "b")]));
        assert_eq!(ids(&b, &q), ["c"], "instance_id wins over its alias");
        assert!(q.alternatives().is_empty());
        // Two open points at once: every combination is offered.
        let q = Query::parse(desc, &pairs(&[("ip", "10.0.0"), ("capacity", "0")]));
        assert_eq!(q.alternatives().len(), 3);
        // v1.0's C2 tolerates case; nothing else is open there.
        let q = Query::parse(
            Contract::embedded().desc(),
            &pairs(&[("name", "x"), ("id", "y")]),
        );
        assert_eq!(q.alternatives().len(), 1);
        assert_eq!(q.alternatives()[0].readings, vec![(0, Reading::IgnoreCase)]);
    }
}
