//! Recording a real account as a mock data set (`conform record`, in `cli::record`):
//! the anonymizer that replaces identifying values with stable stand-ins.

use std::collections::HashMap;

use serde_json::Value;

use crate::contract::desc::{Desc, StandIn};

/// Replaces identifying values with stand-ins, the same value always by the same
/// stand-in, so relations (two instances in one VPC, one user) survive.
#[derive(Default)]
pub struct Anonymizer {
    seen: HashMap<(String, String), String>,
    counts: HashMap<String, usize>,
}

impl Anonymizer {
    /// The stand-in for `value` of kind `kind`, looking like `look`.
    pub fn replace(&mut self, kind: &str, look: StandIn, value: &str) -> String {
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
        let stand_in = match look {
            StandIn::Uuid => format!("00000000-0000-4000-8000-{n:012}"),
            StandIn::Id => format!("{kind}-{n:04}").replace('_', "-"),
            StandIn::Ipv4 => format!("10.{}.{}.{}", n / 65_536 % 256, n / 256 % 256, n % 256),
            StandIn::Tenant => format!("tenant-{n}"),
            StandIn::Name => format!("{kind}-{n}").replace('_', "-"),
        };
        self.seen
            .insert((kind.to_string(), value.to_string()), stand_in.clone());
        stand_in
    }

    /// An item with the description's identifying members replaced.
    pub fn instance(&mut self, desc: &Desc, mut v: Value) -> Value {
        if let Some(obj) = v.as_object_mut() {
            for (field, look) in &desc.anonymize {
                if let Some(Value::String(s)) = obj.get(field) {
                    let r = self.replace(field, *look, &s.clone());
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
        let desc = crate::contract::Contract::embedded().desc();
        let x = a.instance(
            desc,
            json!({"user_id": "u-real", "ip": "192.168.1.5", "vpc_id": "v", "name": "keep-me"}),
        );
        let y = a.instance(
            desc,
            json!({"user_id": "u-real", "ip": "192.168.1.6", "vpc_id": "v"}),
        );
        assert_eq!(x["user_id"], y["user_id"], "one user stays one user");
        assert_ne!(x["ip"], y["ip"]);
        assert_eq!(x["name"], "keep-me");
        assert!(!x.to_string().contains("192.168") && !x.to_string().contains("u-real"));
    }
}
