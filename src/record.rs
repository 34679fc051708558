//! Recording a real account as a mock data set (`conform record`, in `cli::record`):
//! the anonymizer that replaces identifying values with stable stand-ins.

use std::collections::HashMap;

use serde_json::Value;

/// Replaces identifying values with stand-ins, the same value always by the same
/// stand-in, so relations (two instances in one VPC, one user) survive.
#[derive(Default)]
pub struct Anonymizer {
    seen: HashMap<(String, String), String>,
    counts: HashMap<String, usize>,
}

/// Fields replaced by `--anonymize`. Names, statuses, timestamps and sizes stay: the
/// cases and the filters depend on them.
pub const IDENTIFYING: [&str; 7] = [
    "user_name",
    "user_id",
    "instance_id",
    "ip",
    "vpc_id",
    "vpc_name",
    "domainName",
];

impl Anonymizer {
    /// The stand-in for `value` of kind `kind`.
    pub fn replace(&mut self, kind: &str, value: &str) -> String {
        if value.is_empty() {
            return String::new();
        }
        if let Some(s) = self.seen.get(&(kind.to_string(), value.to_string())) {
            return s.clone();
        }
        let n = {
            let c = self.counts.entry(kind.to_string()).or_default();
            *c += 1;
            *c
        };
        let stand_in = match kind {
            "instance_id" => format!("00000000-0000-4000-8000-{n:012}"),
            "user_id" | "vpc_id" | "project" => format!("{kind}-{n:04}").replace('_', "-"),
            "ip" => format!("10.{}.{}.{}", n / 65_536 % 256, n / 256 % 256, n % 256),
            "domainName" => format!("tenant-{n}"),
            _ => format!("{kind}-{n}").replace('_', "-"),
        };
        self.seen
            .insert((kind.to_string(), value.to_string()), stand_in.clone());
        stand_in
    }

    pub fn instance(&mut self, mut v: Value) -> Value {
        if let Some(obj) = v.as_object_mut() {
            for field in IDENTIFYING {
                if let Some(Value::String(s)) = obj.get(field) {
                    let r = self.replace(field, &s.clone());
                    obj.insert(field.to_string(), Value::String(r));
                }
            }
        }
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn stand_ins_are_stable_and_keep_relations() {
        let mut a = Anonymizer::default();
        let x = a.instance(
            json!({"user_id": "u-real", "ip": "192.168.1.5", "vpc_id": "v", "name": "keep-me"}),
        );
        let y = a.instance(json!({"user_id": "u-real", "ip": "192.168.1.6", "vpc_id": "v"}));
        assert_eq!(x["user_id"], y["user_id"], "one user stays one user");
        assert_ne!(x["ip"], y["ip"]);
        assert_eq!(x["name"], "keep-me");
        assert!(!x.to_string().contains("192.168") && !x.to_string().contains("u-real"));
    }
}
