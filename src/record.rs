//! Recording a real account as a mock data set (`conform record`, in `cli::record`):
//! the anonymizer that replaces identifying values with stable stand-ins.
//!
//! Input: one listed item and the description's `[record] anonymize` table (member →
//! look); output: the item with the same members, the same JSON types, the same nulls
//! and the same list lengths, so that the mock serves a recording in the shape the
//! target answered (V17): only the identifying strings differ.

use std::collections::HashMap;

use serde_json::Value;

use crate::contract::desc::{Desc, StandIn};

/// Replaces identifying values with stand-ins, the same value always by the same
/// stand-in, so relations (two instances in one VPC, one user, one tag value) survive.
///
/// Stand-ins that are addresses, UUIDs, hex ids or host names come from one numbering
/// per form, keyed by the value alone: the same address is the same stand-in in `ip` and
/// in `publicip_address`, and two members never share a stand-in for different values.
/// Stand-ins named after their member (`vpc-name-1`) are numbered per member.
#[derive(Default)]
pub struct Anonymizer {
    seen: HashMap<(String, String), String>,
    counts: HashMap<String, usize>,
}

/// The form a stand-in takes, decided by the look and, for `id`, by the value.
enum Form {
    Uuid,
    /// As many hex digits as the value has (a 32-digit user or project id).
    Hex(usize),
    Ipv4,
    Domain,
    /// `{prefix}-{n}`, with `width` digits at least.
    Labelled {
        prefix: String,
        width: usize,
    },
}

impl Form {
    fn of(kind: &str, look: StandIn, value: &str) -> Form {
        let label = |width| Form::Labelled {
            prefix: kind.replace('_', "-"),
            width,
        };
        match look {
            StandIn::Uuid => Form::Uuid,
            StandIn::Id if is_uuid(value) => Form::Uuid,
            StandIn::Id if value.len() >= 16 && value.bytes().all(|b| b.is_ascii_hexdigit()) => {
                Form::Hex(value.len())
            }
            StandIn::Id => label(4),
            StandIn::Ipv4 => Form::Ipv4,
            StandIn::Domain => Form::Domain,
            StandIn::Tenant => Form::Labelled {
                prefix: "tenant".into(),
                width: 1,
            },
            StandIn::Name => label(1),
            StandIn::PairValues => Form::Labelled {
                prefix: format!("{}-value", kind.replace('_', "-")),
                width: 1,
            },
        }
    }

    /// Which numbering the stand-in draws from: one per form for the forms a value of
    /// any member can take, one per label otherwise.
    fn scope(&self) -> &str {
        match self {
            Form::Uuid | Form::Hex(_) => "uuid",
            Form::Ipv4 => "ipv4",
            Form::Domain => "domain",
            Form::Labelled { prefix, .. } => prefix,
        }
    }

    fn render(&self, n: usize) -> String {
        match self {
            Form::Uuid => format!("00000000-0000-4000-8000-{n:012}"),
            Form::Hex(len) => format!("{n:0len$x}"),
            Form::Ipv4 => format!("10.{}.{}.{}", n / 65_536 % 256, n / 256 % 256, n % 256),
            Form::Domain => format!("host-{n}.example.com"),
            Form::Labelled { prefix, width } => format!("{prefix}-{n:0width$}"),
        }
    }
}

fn is_uuid(s: &str) -> bool {
    s.len() == 36
        && s.bytes().enumerate().all(|(i, b)| match i {
            8 | 13 | 18 | 23 => b == b'-',
            _ => b.is_ascii_hexdigit(),
        })
}

/// A value that names a default rather than an account: `0` (the default enterprise
/// project) or the nil UUID. Every account has it, so it identifies nobody, and a
/// stand-in would lose what it means.
fn is_default_id(look: StandIn, value: &str) -> bool {
    matches!(look, StandIn::Uuid | StandIn::Id)
        && value.bytes().all(|b| b == b'0' || b == b'-')
        && value.contains('0')
}

impl Anonymizer {
    /// The stand-in for `value` of member (or kind) `kind`, looking like `look`. An empty
    /// value stays empty and a default id (`0`) stays; an `ipv4` value that is a
    /// comma-separated list (a cluster's addresses, V9) becomes a list of as many
    /// stand-ins, blanks around each kept.
    pub fn replace(&mut self, kind: &str, look: StandIn, value: &str) -> String {
        if look == StandIn::Ipv4 && value.contains(',') {
            let parts: Vec<String> = value
                .split(',')
                .map(|part| {
                    let trimmed = part.trim();
                    let at = part.find(trimmed).unwrap_or(0);
                    let (before, after) = (&part[..at], &part[at + trimmed.len()..]);
                    format!("{before}{}{after}", self.replace(kind, look, trimmed))
                })
                .collect();
            return parts.join(",");
        }
        if value.is_empty() || is_default_id(look, value) {
            return value.to_string();
        }
        let form = Form::of(kind, look, value);
        let key = (form.scope().to_string(), value.to_string());
        if let Some(s) = self.seen.get(&key) {
            return s.clone();
        }
        let n = {
            let c = self.counts.entry(key.0.clone()).or_default();
            *c += 1;
            *c
        };
        let stand_in = form.render(n);
        self.seen.insert(key, stand_in.clone());
        stand_in
    }

    /// A member's value with its identifying strings replaced, its shape kept: a string
    /// becomes its stand-in; an array or object keeps its length and keys, each string
    /// inside replaced (for `pair-values`, only each pair's `value`); null, numbers and
    /// booleans stay.
    fn member(&mut self, kind: &str, look: StandIn, v: &Value) -> Value {
        match v {
            Value::String(s) => Value::String(self.replace(kind, look, s)),
            Value::Array(items) => items.iter().map(|i| self.member(kind, look, i)).collect(),
            Value::Object(o) if look == StandIn::PairValues => {
                let mut o = o.clone();
                if let Some(value) = o.get("value").cloned() {
                    o.insert("value".into(), self.member(kind, look, &value));
                }
                Value::Object(o)
            }
            Value::Object(o) => Value::Object(
                o.iter()
                    .map(|(k, v)| (k.clone(), self.member(kind, look, v)))
                    .collect(),
            ),
            Value::Null | Value::Bool(_) | Value::Number(_) => v.clone(),
        }
    }

    /// An item with the description's identifying members replaced.
    pub fn instance(&mut self, desc: &Desc, mut v: Value) -> Value {
        if let Some(obj) = v.as_object_mut() {
            for (field, look) in &desc.anonymize {
                if let Some(old) = obj.get(field) {
                    let new = self.member(field, *look, old);
                    obj.insert(field.clone(), new);
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

    #[test]
    fn each_look_keeps_the_form_of_what_it_replaces() {
        let mut a = Anonymizer::default();
        let uuid = a.replace(
            "vpc_id",
            StandIn::Id,
            "5b3a7c9e-1d2f-4a6b-8c0d-2e4f6a8b0c1d",
        );
        assert!(is_uuid(&uuid), "{uuid}");
        let hex = a.replace("user_id", StandIn::Id, "450c1c3bc09546d396e12ebf016a9329");
        assert_eq!(hex.len(), 32);
        assert!(hex.bytes().all(|b| b.is_ascii_hexdigit()), "{hex}");
        assert_eq!(
            a.replace("order_id", StandIn::Id, "CS2405AC1E"),
            "order-id-0001"
        );
        assert!(is_uuid(&a.replace(
            "publicip_id",
            StandIn::Uuid,
            "not-a-uuid"
        )));
        assert_eq!(
            a.replace("domain_name", StandIn::Domain, "redis-x.dcs.acme.com"),
            "host-1.example.com"
        );
        assert_eq!(a.replace("domainName", StandIn::Tenant, "acme"), "tenant-1");
        assert_eq!(
            a.replace("access_user", StandIn::Name, "svc_acme"),
            "access-user-1"
        );
        let ip = a.replace("ip", StandIn::Ipv4, "172.31.0.9");
        assert!(ip.parse::<std::net::Ipv4Addr>().is_ok(), "{ip}");
    }

    /// One numbering per form: an address is one stand-in in every member, and two
    /// members never get the same stand-in for different values.
    #[test]
    fn forms_shared_by_members_share_one_numbering() {
        let mut a = Anonymizer::default();
        let private = a.replace("ip", StandIn::Ipv4, "192.168.0.1");
        let public = a.replace("publicip_address", StandIn::Ipv4, "121.36.0.1");
        assert_ne!(private, public);
        assert_eq!(
            a.replace("publicip_address", StandIn::Ipv4, "192.168.0.1"),
            private
        );
        let instance = a.replace(
            "instance_id",
            StandIn::Uuid,
            "a4d31cb6-3d72-4fdc-8ec9-6e3a41e47f71",
        );
        let vpc = a.replace(
            "vpc_id",
            StandIn::Id,
            "c71d9731-9b0c-43e9-ab2a-716af9d9fd55",
        );
        assert_ne!(instance, vpc);
    }

    /// V9: a cluster lists its addresses separated by commas; each becomes a stand-in,
    /// the count and the blanks stay, and an address shared with another instance stays
    /// shared.
    #[test]
    fn a_cluster_address_list_becomes_as_many_stand_ins() {
        let mut a = Anonymizer::default();
        let single = a.replace("ip", StandIn::Ipv4, "192.168.0.22");
        let list = a.replace(
            "ip",
            StandIn::Ipv4,
            "192.168.0.21, 192.168.0.22,192.168.0.23",
        );
        let parts: Vec<&str> = list.split(',').collect();
        assert_eq!(parts.len(), 3, "{list}");
        assert!(parts[1].starts_with(' '), "{list}");
        assert_eq!(parts[1].trim(), single);
        for p in parts {
            assert!(p.trim().parse::<std::net::Ipv4Addr>().is_ok(), "{list}");
        }
        assert!(!list.contains("192.168"));
    }

    #[test]
    fn nulls_empty_strings_and_the_default_project_stay() {
        let mut a = Anonymizer::default();
        assert_eq!(a.replace("order_id", StandIn::Id, ""), "");
        assert_eq!(a.replace("ip", StandIn::Ipv4, ""), "");
        assert_eq!(a.replace("enterprise_project_id", StandIn::Uuid, "0"), "0");
        let nil = "00000000-0000-0000-0000-000000000000";
        assert_eq!(a.replace("enterprise_project_id", StandIn::Uuid, nil), nil);
        assert_eq!(
            a.member("access_user", StandIn::Name, &Value::Null),
            Value::Null
        );
        assert_eq!(a.member("ip", StandIn::Ipv4, &json!(3)), json!(3));
    }

    /// The shipped descriptions name only looks the anonymizer knows, `domain` and
    /// `pair-values` among them, and the v2 one every identifying member of V17's table.
    #[test]
    fn the_v2_description_anonymizes_every_identifying_member() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("schemas/v2/list-instances.contract.toml");
        let v2 = crate::contract::Contract::from_file(&path).unwrap();
        let looks = &v2.desc().anonymize;
        let look = |m: &str| looks.iter().find(|(f, _)| f == m).map(|(_, l)| *l);
        assert_eq!(look("domain_name"), Some(StandIn::Domain));
        assert_eq!(look("tags"), Some(StandIn::PairValues));
        for member in [
            "instance_id",
            "ip",
            "publicip_id",
            "publicip_address",
            "vpc_id",
            "vpc_name",
            "subnet_id",
            "security_group_id",
            "domain_name",
            "readonly_domain_name",
            "access_user",
            "user_id",
            "user_name",
            "order_id",
            "enterprise_project_id",
            "service_task_id",
            "description",
            "tags",
        ] {
            assert!(look(member).is_some(), "{member}");
        }
        let v1 = crate::contract::Contract::embedded().desc();
        assert!(v1
            .anonymize
            .iter()
            .any(|(f, l)| f == "domainName" && *l == StandIn::Tenant));
    }

    /// V8: tags keep their keys and their number; each value is replaced, the same value
    /// by the same stand-in, so a `tags=key=value` filter still finds the same instances.
    #[test]
    fn tags_keep_their_keys_and_lose_their_values() {
        let mut a = Anonymizer::default();
        let tags = json!([{"key": "owner", "value": "alice"}, {"key": "cc", "value": ""}]);
        let x = a.member("tags", StandIn::PairValues, &tags);
        assert_eq!(
            x,
            json!([{"key": "owner", "value": "tags-value-1"}, {"key": "cc", "value": ""}])
        );
        let y = a.member(
            "tags",
            StandIn::PairValues,
            &json!([{"key": "boss", "value": "alice"}]),
        );
        assert_eq!(y[0]["value"], "tags-value-1");
    }
}
