//! Recorded answers: one target's reduced results of a diff's questions, kept in a file
//! (`conform record --answers`) so that `conform diff --against-answers FILE` compares a
//! target with how it, or another, answered then ("today against last month") without
//! the old service.
//!
//! A recording states what was asked (each question's name, its rules and the requests
//! of each answer, the project hidden), when, of which endpoint, with which exploration
//! seed and budget, and holds each answer as [`Side`] reduces it: statuses, error codes,
//! totals, hashes of the ids and of each instance's members, verdicts, findings and
//! readings. Never a body.
//!
//! Anonymised (`--anonymize`), identifying strings (UUIDs, long hexadecimal ids, IPv4
//! addresses) in requests and messages become keyed stand-ins of the same form, and every
//! hash is keyed too (HMAC-SHA256 with a secret the user keeps), curl lines and the
//! endpoint are left out. With the same key, a later answer anonymised alike compares
//! value for value; without it, only behaviour compares ([`Side::behaviour`]).

use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use super::diff::Side;

/// The format's name and version, the first member of every recording.
pub const FORMAT: &str = "conform-answers/1";

/// A recording of one target's answers.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Recording {
    pub format: String,
    pub comment: String,
    /// When the answers were recorded (RFC 3339, UTC).
    pub recorded_at: String,
    /// Of which endpoint (its base URL), or "a real account" when anonymised.
    pub endpoint: String,
    /// The conform version that recorded them.
    pub conform: String,
    pub anonymized: bool,
    /// A keyed hash of a fixed text: tells whether a key is the one the recording was
    /// anonymised with, without revealing it.
    #[serde(default)]
    pub key_check: Option<String>,
    pub contracts: Vec<Section>,
}

/// One contract's questions and answers.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Section {
    pub contract: String,
    /// The exploration's budget and seed the questions were planned with.
    pub explore: usize,
    pub seed: u64,
    pub questions: Vec<Question>,
}

/// One question and the target's reduced answer.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Question {
    pub name: String,
    pub rules: Vec<String>,
    pub side: Side,
}

impl Question {
    /// What identifies a question across two plans: its name and its first request
    /// (exploration's names are positions in a plan drawn from the account, so a
    /// changed account can put another query under the same name).
    pub fn key(&self) -> (String, String) {
        (
            self.name.clone(),
            self.side
                .answers
                .first()
                .map(|a| a.path.clone())
                .unwrap_or_default(),
        )
    }

    /// The key with identifying values in the request masked: how a question is found
    /// when only behaviour compares.
    pub fn key_masked(&self) -> (String, String) {
        let (name, path) = self.key();
        (name, masked(&path))
    }
}

/// `text` with each identifying value (as [`Key::scrub`] finds them) replaced by what
/// it is: `<uuid>`, `<id>`, `<ipv4>`.
fn masked(text: &str) -> String {
    identifying()
        .replace_all(text, |c: &regex::Captures<'_>| {
            if c.name("uuid").is_some() {
                "<uuid>".to_string()
            } else if c.name("hex").is_some() {
                if c[0].bytes().any(|b| b.is_ascii_alphabetic()) {
                    "<id>".to_string()
                } else {
                    c[0].to_string()
                }
            } else {
                "<ipv4>".to_string()
            }
        })
        .into_owned()
}

/// A side with identifying values in its requests and messages masked (no key: what
/// remains compares with any anonymisation of the same behaviour).
pub fn mask(s: &Side) -> Side {
    let mut s = s.clone();
    s.curl = None;
    for (_, message) in &mut s.broken {
        *message = masked(message);
    }
    for o in &mut s.observed {
        *o = masked(o);
    }
    for a in &mut s.answers {
        a.path = masked(&a.path);
        a.transport = a.transport.as_deref().map(masked);
    }
    s
}

impl Recording {
    /// Reads a recording, saying where and what when it is not one.
    pub fn from_json(text: &str, origin: &str) -> Result<Recording, String> {
        let r: Recording = serde_json::from_str(text).map_err(|e| {
            format!(
                "{origin}:{}:{}: not a recording of answers: {e}",
                e.line(),
                e.column()
            )
        })?;
        if r.format != FORMAT {
            return Err(format!(
                "{origin}: format {:?} is not {FORMAT:?}\n  = hint: record it again with this conform: conform record --answers FILE",
                r.format
            ));
        }
        Ok(r)
    }

    pub fn section(&self, contract: &str) -> Option<&Section> {
        self.contracts.iter().find(|s| s.contract == contract)
    }
}

/// The secret of an anonymised recording.
pub struct Key(Vec<u8>);

/// The text whose keyed hash is the recording's `key_check`.
const KEY_CHECK: &[u8] = b"conform answers key check";

impl Key {
    pub fn new(secret: &[u8]) -> Key {
        Key(secret.to_vec())
    }

    /// A key nobody keeps: the recording's values can then never be matched again, only
    /// its behaviour.
    pub fn random() -> Key {
        use std::hash::{BuildHasher, Hasher};
        let mut bytes = Vec::with_capacity(32);
        for i in 0..4u64 {
            let mut h = std::collections::hash_map::RandomState::new().build_hasher();
            h.write_u64(i);
            h.write_u128(
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .unwrap_or_default()
                    .as_nanos(),
            );
            bytes.extend_from_slice(&h.finish().to_le_bytes());
        }
        Key(bytes)
    }

    fn mac(&self, scope: &str, data: &[u8]) -> [u8; 32] {
        // HMAC takes a key of any length.
        let mut m = Hmac::<Sha256>::new_from_slice(&self.0).expect("HMAC takes any key length");
        m.update(scope.as_bytes());
        m.update(&[0]);
        m.update(data);
        m.finalize().into_bytes().into()
    }

    /// What a recording keeps to recognise this key.
    pub fn check(&self) -> String {
        hex::encode(&self.mac("check", KEY_CHECK)[..8])
    }

    /// A hash, keyed: without the key it cannot be matched to a guessed value.
    fn hash(&self, h: u64) -> u64 {
        let m = self.mac("hash", &h.to_le_bytes());
        u64::from_le_bytes(m[..8].try_into().unwrap_or_default())
    }

    /// `text` with each UUID, hexadecimal id of 16 digits or more (with a letter among
    /// them: a long decimal number is a value, not an id) and IPv4 address replaced by a
    /// keyed stand-in of the same form: the same value, the same stand-in.
    pub fn scrub(&self, text: &str) -> String {
        identifying()
            .replace_all(text, |c: &regex::Captures<'_>| {
                let found = &c[0];
                if c.name("uuid").is_some() {
                    let h = hex::encode(self.mac("uuid", found.to_ascii_lowercase().as_bytes()));
                    format!(
                        "{}-{}-4{}-8{}-{}",
                        &h[..8],
                        &h[8..12],
                        &h[13..16],
                        &h[17..20],
                        &h[20..32]
                    )
                } else if c.name("hex").is_some() {
                    if !found.bytes().any(|b| b.is_ascii_alphabetic()) {
                        return found.to_string();
                    }
                    let mut h = String::new();
                    let mut n = 0u8;
                    while h.len() < found.len() {
                        h.push_str(&hex::encode(
                            self.mac(&format!("hex{n}"), found.to_ascii_lowercase().as_bytes()),
                        ));
                        n += 1;
                    }
                    h.truncate(found.len());
                    h
                } else {
                    let m = self.mac("ipv4", found.as_bytes());
                    format!("10.{}.{}.{}", m[0], m[1], m[2])
                }
            })
            .into_owned()
    }

    /// A side with its identifying values replaced and its hashes keyed.
    pub fn side(&self, s: &Side) -> Side {
        let mut s = s.clone();
        s.curl = None;
        for (_, message) in &mut s.broken {
            *message = self.scrub(message);
        }
        for o in &mut s.observed {
            *o = self.scrub(o);
        }
        for a in &mut s.answers {
            a.path = self.scrub(&a.path);
            a.transport = a.transport.as_deref().map(|t| self.scrub(t));
            for id in &mut a.first_ids {
                *id = self.scrub(id);
            }
            for h in a.ids.iter_mut().chain(a.members.iter_mut()) {
                *h = self.hash(*h);
            }
        }
        s
    }
}

fn identifying() -> &'static regex::Regex {
    static RE: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    RE.get_or_init(|| {
        regex::Regex::new(
            r"(?P<uuid>\b[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}\b)|(?P<hex>\b[0-9A-Fa-f]{16,}\b)|(?P<ipv4>\b\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}\b)",
        )
        .expect("the pattern is valid")
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outcome::diff::Answer;
    use crate::outcome::Verdict;

    fn side() -> Side {
        Side {
            verdict: Verdict::Fail,
            broken: vec![(
                "C4".into(),
                "instance 3f2a9c1e-0b4d-4e8a-9c3f-1a2b3c4d5e6f at 192.168.0.12 is missing".into(),
            )],
            observed: vec!["C2: reading followed: ignore_case".into()],
            answers: vec![Answer {
                path: "/v1.0/<project>/instances?id=3f2a9c1e-0b4d-4e8a-9c3f-1a2b3c4d5e6f&limit=18446744073709551617".into(),
                status: Some(200),
                ids: vec![1, 2],
                first_ids: vec!["3f2a9c1e-0b4d-4e8a-9c3f-1a2b3c4d5e6f".into()],
                members: vec![3, 4],
                ..Answer::default()
            }],
            moved: false,
            curl: Some("curl http://real.example.com/...".into()),
        }
    }

    #[test]
    fn an_anonymised_side_keeps_its_form_and_loses_its_values() {
        let key = Key::new(b"secret");
        let a = key.side(&side());
        let text = format!("{a:?}");
        assert!(!text.contains("3f2a9c1e"), "{text}");
        assert!(!text.contains("192.168.0.12"), "{text}");
        assert!(
            text.contains("18446744073709551617"),
            "a decimal number stays"
        );
        assert_eq!(a.curl, None, "the endpoint is left out");
        assert_eq!(a.answers[0].ids.len(), 2);
        assert_ne!(a.answers[0].ids, vec![1, 2], "hashes are keyed");
        // The same id is the same stand-in in the path, the ids and the message.
        let stand_in = &a.answers[0].first_ids[0];
        assert_eq!(stand_in.len(), 36);
        assert!(a.answers[0].path.contains(stand_in.as_str()));
        assert!(a.broken[0].1.contains(stand_in.as_str()));
        assert!(a.broken[0].1.contains(" at 10."), "{}", a.broken[0].1);
        // The same key gives the same stand-ins; another key others.
        assert_eq!(key.side(&side()), a);
        assert_ne!(Key::new(b"other").side(&side()).answers, a.answers);
        assert_ne!(Key::new(b"other").check(), key.check());
    }

    #[test]
    fn a_recording_that_is_not_one_says_where_and_what() {
        let e = Recording::from_json("{\"format\": 3}", "old.json").unwrap_err();
        assert!(e.starts_with("old.json:1:"), "{e}");
        let r = Recording {
            format: "conform-answers/0".into(),
            comment: String::new(),
            recorded_at: String::new(),
            endpoint: String::new(),
            conform: String::new(),
            anonymized: false,
            key_check: None,
            contracts: Vec::new(),
        };
        let e = Recording::from_json(&serde_json::to_string(&r).unwrap(), "old.json").unwrap_err();
        assert!(e.contains("is not \"conform-answers/1\""), "{e}");
    }
}
