//! Large data sets for the mock (`conform mock --generate N`): N instances in the built-in
//! main project plus the built-in second project, deterministic for a seed, so that
//! anyone can reproduce a measurement against 10,000 or 100,000 instances.
//!
//! Every generated instance is a variant of one of the built-in main project's instances
//! (its template), so the large set has the built-in set's shape: every status, several
//! CREATEFAILED, names with spaces, `+`, `&`, `%`, `=` and Chinese characters, names that
//! are prefixes of others, that differ only by case or that repeat exactly, and groups of
//! equal created_at values. The first 56 instances are the built-in ones unchanged.

use serde_json::{json, Map, Value};
use time::format_description::well_known::Rfc3339;
use time::{Duration, OffsetDateTime};

use super::data::{DataError, DataSet, MAIN_PROJECT, OTHER_PROJECT};

/// The seed `--generate` uses unless `--seed` says otherwise.
pub const DEFAULT_SEED: u64 = 16;

pub(crate) use crate::base::Rng;

/// A name derived from a template's name for generation `g` (1, 2, ...): mostly the name
/// with a suffix (so the template's name is a prefix of it), sometimes with a space, an
/// upper-case variant, or the very same name again (an exact filter then has several hits).
fn variant(name: &str, g: usize, rng: &mut Rng) -> String {
    match rng.below(10) {
        0..=5 => format!("{name}-{g}"),
        6 => format!("{name} {g}"),
        7 => format!("{}-{g}", name.to_uppercase()),
        8 => format!("{g}-{name}"),
        _ => name.to_string(),
    }
}

/// The timestamp formats the built-in set mixes (C8 compares instants, not strings).
fn stamp(at: OffsetDateTime, group: usize) -> String {
    let whole = at.replace_nanosecond(0).unwrap_or(at);
    let text = whole.format(&Rfc3339).unwrap_or_default();
    match group % 3 {
        0 => text,
        1 => text.replace('Z', ".000Z"),
        _ => text.replace('Z', ".5Z"),
    }
}

/// `n` instances in [`MAIN_PROJECT`] and the built-in [`OTHER_PROJECT`], as a data file
/// (`{"comment": ..., "projects": {...}}`, the format `conform record` writes).
pub fn generate_json(n: usize, seed: u64) -> Value {
    let builtin = DataSet::builtin();
    let templates = builtin.instances(MAIN_PROJECT).unwrap_or_default();
    let other = builtin.instances(OTHER_PROJECT).unwrap_or_default();
    let mut rng = Rng::new(seed);
    let mut ids: std::collections::HashSet<String> = templates
        .iter()
        .chain(other)
        .filter_map(|i| i["instance_id"].as_str().map(str::to_string))
        .collect();
    // Generated instances are older than every built-in one, newest first by position;
    // every third one shares the creation time of the one before it (C8 ties).
    let oldest_builtin = OffsetDateTime::new_utc(
        time::Date::from_calendar_date(2024, time::Month::January, 1).expect("a valid date"),
        time::Time::MIDNIGHT,
    );
    let mut main = Vec::with_capacity(n);
    for k in 0..n {
        let t = templates.len().max(1);
        let Some(template) = templates.get(k % t) else {
            break;
        };
        let g = k / t;
        if g == 0 {
            main.push(template.clone());
            continue;
        }
        let mut inst = template.clone();
        // Variants are live: the built-in deleted instances are the only deleted ones, so
        // the v1.0 list of N generated instances holds nearly N.
        if let Some(o) = inst.as_object_mut() {
            o.shift_remove("deleted");
        }
        let name = template["name"].as_str().unwrap_or("dcs");
        inst["name"] = json!(variant(name, g, &mut rng));
        let id = loop {
            let r = rng.next_u64();
            let id = format!(
                "{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}",
                r >> 32,
                (r >> 16) & 0xffff,
                r & 0xfff,
                (r >> 20) & 0xfff,
                k as u64 & 0xffff_ffff_ffff
            );
            if ids.insert(id.clone()) {
                break id;
            }
        };
        inst["instance_id"] = json!(id);
        let group = (k - t) - (k - t) / 3;
        let at = oldest_builtin - Duration::seconds(7 * group as i64);
        inst["created_at"] = json!(stamp(at, group));
        if let Some(max) = inst["max_memory"].as_u64() {
            inst["used_memory"] = json!(rng.below_u64(max + 1));
        }
        inst["ip"] = json!(format!(
            "10.{}.{}.{}",
            (k >> 16) & 255,
            (k >> 8) & 255,
            k & 255
        ));
        main.push(inst);
    }
    let mut projects = Map::new();
    projects.insert(MAIN_PROJECT.to_string(), Value::Array(main));
    projects.insert(OTHER_PROJECT.to_string(), Value::Array(other.to_vec()));
    json!({
        "comment": format!("conform mock --generate {n} --seed {seed}"),
        "projects": projects,
    })
}

/// [`generate_json`], validated like any data file.
pub fn generate(n: usize, seed: u64) -> Result<DataSet, DataError> {
    DataSet::from_json(
        generate_json(n, seed),
        &format!("generated data set ({n} instances)"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn the_same_seed_gives_the_same_set_and_another_seed_another() {
        assert_eq!(generate_json(300, 7), generate_json(300, 7));
        assert_ne!(generate_json(300, 7), generate_json(300, 8));
    }

    #[test]
    fn a_generated_set_is_valid_and_has_the_built_in_shape() {
        let n = 2_000;
        let data = generate(n, DEFAULT_SEED).expect("valid");
        let counts: Vec<(&str, usize)> = data.projects().collect();
        assert_eq!(counts, [(MAIN_PROJECT, n), (OTHER_PROJECT, 5)]);
        let main = data.instances(MAIN_PROJECT).unwrap();
        let names: Vec<&str> = main.iter().filter_map(|i| i["name"].as_str()).collect();
        let set: HashSet<&str> = names.iter().copied().collect();
        assert!(set.len() < names.len(), "some names repeat exactly");
        assert!(names.iter().any(|n| n.starts_with("CACHE-PROD-")));
        assert!(set.contains("cache-prod") && set.iter().any(|n| n.starts_with("cache-prod-")));
        for c in [" ", "+", "&", "%", "=", "缓存"] {
            let with = names.iter().filter(|n| n.contains(c)).count();
            assert!(with > 10, "{with} names with {c:?}");
        }
        let statuses: HashSet<&str> = main.iter().filter_map(|i| i["status"].as_str()).collect();
        assert_eq!(statuses.len(), crate::mock::filter::STATUSES.len());
        let failed = main
            .iter()
            .filter(|i| i["status"] == "CREATEFAILED")
            .count();
        assert!(failed > n / 20, "{failed}");
        let at: HashSet<&str> = main
            .iter()
            .filter_map(|i| i["created_at"].as_str())
            .collect();
        assert!(n - at.len() > n / 5, "ties in created_at: {}", n - at.len());
    }
}
