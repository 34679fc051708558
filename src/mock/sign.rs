//! The mock's check of an access-key signature (`SDK-HMAC-SHA256`, as the vendor's SDKs
//! sign requests): the canonical request rebuilt from what arrived, its hash signed with
//! the secret key, compared with the `Authorization` header. Written from the SDKs'
//! description of the scheme, apart from conform's own signer (src/auth), so that the two
//! check each other.

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

/// An access key pair the mock accepts signatures from.
#[derive(Clone)]
pub struct AccessKey {
    pub ak: String,
    pub sk: String,
}

impl std::fmt::Debug for AccessKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AccessKey")
            .field("ak", &"<redacted>")
            .field("sk", &"<redacted>")
            .finish()
    }
}

const ALGORITHM: &str = "SDK-HMAC-SHA256";

/// What arrived: the method, the path and query as sent (percent-encoded), the headers.
pub struct Arrived<'a> {
    pub method: &'a str,
    pub path: &'a str,
    pub query: Option<&'a str>,
    /// Header values by lower-case name (the first of each).
    pub header: &'a dyn Fn(&str) -> Option<String>,
    /// `signature-stale-accepted`: any signing time is accepted.
    pub stale_accepted: bool,
    /// `signature-query-fallback`: a signature that fails is tried again over the path
    /// alone, as a gateway lenient with clients that sign no query would.
    pub query_fallback: bool,
}

/// How far the signing time may be from the mock's clock (the vendor's gateways allow
/// 15 minutes; the page under test states no window, so conform accepts either answer).
const WINDOW_SECONDS: i64 = 15 * 60;

/// The signing time of `YYYYMMDDTHHMMSSZ`, in seconds since the epoch.
fn signing_time(date: &str) -> Option<i64> {
    if date.len() != 16 || !date.is_ascii() || &date[8..9] != "T" || &date[15..] != "Z" {
        return None;
    }
    let n = |from: usize, to: usize| date[from..to].parse::<u16>().ok();
    let month = time::Month::try_from(u8::try_from(n(4, 6)?).ok()?).ok()?;
    let day = time::Date::from_calendar_date(i32::from(n(0, 4)?), month, n(6, 8)? as u8).ok()?;
    let at = time::Time::from_hms(n(9, 11)? as u8, n(11, 13)? as u8, n(13, 15)? as u8).ok()?;
    Some(day.with_time(at).assume_utc().unix_timestamp())
}

/// Why a signature is refused (said in the 401's message).
pub fn verify(key: &AccessKey, r: &Arrived<'_>) -> Result<(), String> {
    let auth = (r.header)("authorization").ok_or("no Authorization header")?;
    let rest = auth
        .strip_prefix(ALGORITHM)
        .ok_or("the Authorization header is not SDK-HMAC-SHA256")?;
    let mut access = None;
    let mut signed = None;
    let mut signature = None;
    for part in rest.split(',') {
        let (k, v) = part
            .trim()
            .split_once('=')
            .ok_or("a malformed Authorization header")?;
        match k {
            "Access" => access = Some(v),
            "SignedHeaders" => signed = Some(v),
            "Signature" => signature = Some(v),
            _ => {}
        }
    }
    let (Some(access), Some(signed), Some(signature)) = (access, signed, signature) else {
        return Err("the Authorization header lacks Access, SignedHeaders or Signature".into());
    };
    if access != key.ak {
        return Err("unknown access key".into());
    }
    let date = (r.header)("x-sdk-date").ok_or("no X-Sdk-Date header")?;
    let names: Vec<&str> = signed.split(';').collect();
    if !names.contains(&"x-sdk-date") || !names.contains(&"host") {
        return Err("X-Sdk-Date and Host must be signed".into());
    }
    let mut headers = String::new();
    for name in &names {
        let value = (r.header)(name).ok_or_else(|| format!("signed header {name} is missing"))?;
        headers.push_str(&format!("{name}:{}\n", value.trim()));
    }
    let signs = |query: &str| -> Result<bool, String> {
        let canonical = format!(
            "{}\n{}\n{}\n{headers}\n{signed}\n{}",
            r.method.to_ascii_uppercase(),
            canonical_uri(r.path),
            canonical_query(query),
            hex::encode(Sha256::digest(b"")),
        );
        let to_sign = format!(
            "{ALGORITHM}\n{date}\n{}",
            hex::encode(Sha256::digest(canonical.as_bytes()))
        );
        let mut mac =
            Hmac::<Sha256>::new_from_slice(key.sk.as_bytes()).map_err(|e| e.to_string())?;
        mac.update(to_sign.as_bytes());
        let want = hex::encode(mac.finalize().into_bytes());
        Ok(want.len() == signature.len()
            && want
                .bytes()
                .zip(signature.bytes())
                .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                == 0)
    };
    if !(signs(r.query.unwrap_or(""))? || (r.query_fallback && signs("")?)) {
        return Err("the signature does not match the request".into());
    }
    let at = signing_time(&date).ok_or("X-Sdk-Date is not YYYYMMDDTHHMMSSZ")?;
    let off = (time::OffsetDateTime::now_utc().unix_timestamp() - at).abs();
    if off > WINDOW_SECONDS && !r.stale_accepted {
        return Err("X-Sdk-Date is more than 15 minutes from the server's clock".into());
    }
    Ok(())
}

/// Percent-encodes all but the unreserved characters (letters, digits, `-._~`).
fn encode(s: &str) -> String {
    const KEEP: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'.')
        .remove(b'_')
        .remove(b'~');
    percent_encoding::utf8_percent_encode(s, KEEP).to_string()
}

fn decode(s: &str) -> String {
    percent_encoding::percent_decode_str(s)
        .decode_utf8_lossy()
        .into_owned()
}

/// Each segment decoded and encoded again, with a slash at the end.
fn canonical_uri(path: &str) -> String {
    let mut uri: String = decode(path)
        .split('/')
        .map(encode)
        .collect::<Vec<_>>()
        .join("/");
    if !uri.ends_with('/') {
        uri.push('/');
    }
    uri
}

/// The pairs decoded, sorted by name then value, encoded again.
fn canonical_query(query: &str) -> String {
    let mut pairs: Vec<(String, String)> = query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (decode(k), decode(v))
        })
        .collect();
    pairs.sort();
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `YYYYMMDDTHHMMSSZ`, `seconds_ago` before now.
    fn stamp(seconds_ago: i64) -> String {
        let t = time::OffsetDateTime::now_utc() - time::Duration::seconds(seconds_ago);
        format!(
            "{:04}{:02}{:02}T{:02}{:02}{:02}Z",
            t.year(),
            u8::from(t.month()),
            t.day(),
            t.hour(),
            t.minute(),
            t.second()
        )
    }

    fn sign(key: &AccessKey, method: &str, path: &str, query: &str, host: &str) -> String {
        sign_at(key, method, path, query, host, &stamp(0))
    }

    fn sign_at(
        key: &AccessKey,
        method: &str,
        path: &str,
        query: &str,
        host: &str,
        date: &str,
    ) -> String {
        // The scheme as the SDKs describe it, step by step, for the mock's own tests.
        let canonical = format!(
            "{method}\n{}\n{}\nhost:{host}\nx-sdk-date:{date}\n\nhost;x-sdk-date\n{}",
            canonical_uri(path),
            canonical_query(query),
            hex::encode(Sha256::digest(b""))
        );
        let to_sign = format!(
            "{ALGORITHM}\n{date}\n{}",
            hex::encode(Sha256::digest(canonical.as_bytes()))
        );
        let mut mac = Hmac::<Sha256>::new_from_slice(key.sk.as_bytes()).unwrap();
        mac.update(to_sign.as_bytes());
        format!(
            "{ALGORITHM} Access={}, SignedHeaders=host;x-sdk-date, Signature={}",
            key.ak,
            hex::encode(mac.finalize().into_bytes())
        )
    }

    #[test]
    fn a_signed_request_passes_and_any_change_to_it_fails() {
        let key = AccessKey {
            ak: "AK1".into(),
            sk: "secret".into(),
        };
        let now = stamp(0);
        let auth = sign(&key, "GET", "/v2/p/instances", "name=a%20b&limit=10", "h:1");
        let check = |path: &str, query: &str, host: &str, auth: &str| {
            verify_at(&key, path, query, host, auth, &now, (false, false))
        };
        assert_eq!(
            check("/v2/p/instances", "limit=10&name=a%20b", "h:1", &auth),
            Ok(())
        );
        assert!(check("/v2/p/instances", "limit=11&name=a%20b", "h:1", &auth).is_err());
        assert!(check("/v2/q/instances", "limit=10&name=a%20b", "h:1", &auth).is_err());
        assert!(check("/v2/p/instances", "limit=10&name=a%20b", "h:2", &auth).is_err());
        let other = AccessKey {
            ak: "AK1".into(),
            sk: "other".into(),
        };
        let forged = sign(
            &other,
            "GET",
            "/v2/p/instances",
            "name=a%20b&limit=10",
            "h:1",
        );
        assert!(check("/v2/p/instances", "limit=10&name=a%20b", "h:1", &forged).is_err());
        assert!(check("/v2/p/instances", "", "h:1", "Bearer x").is_err());
    }

    fn verify_at(
        key: &AccessKey,
        path: &str,
        query: &str,
        host: &str,
        auth: &str,
        date: &str,
        (stale_accepted, query_fallback): (bool, bool),
    ) -> Result<(), String> {
        let (auth, host, date) = (auth.to_string(), host.to_string(), date.to_string());
        let header = move |n: &str| match n {
            "authorization" => Some(auth.clone()),
            "x-sdk-date" => Some(date.clone()),
            "host" => Some(host.clone()),
            _ => None,
        };
        verify(
            key,
            &Arrived {
                method: "GET",
                path,
                query: Some(query),
                header: &header,
                stale_accepted,
                query_fallback,
            },
        )
    }

    #[test]
    fn a_stale_date_and_a_signature_over_no_query_are_refused_unless_a_fault_allows_them() {
        let key = AccessKey {
            ak: "AK1".into(),
            sk: "secret".into(),
        };
        let path = "/v2/p/instances";
        let day_ago = stamp(86_400);
        let stale = sign_at(&key, "GET", path, "limit=1", "h", &day_ago);
        let refused = verify_at(&key, path, "limit=1", "h", &stale, &day_ago, (false, false));
        assert!(refused.unwrap_err().contains("15 minutes"));
        assert_eq!(
            verify_at(&key, path, "limit=1", "h", &stale, &day_ago, (true, false)),
            Ok(())
        );
        let minute_ago = stamp(60);
        let recent = sign_at(&key, "GET", path, "limit=1", "h", &minute_ago);
        assert_eq!(
            verify_at(
                &key,
                path,
                "limit=1",
                "h",
                &recent,
                &minute_ago,
                (false, false)
            ),
            Ok(())
        );
        let now = stamp(0);
        let bare = sign_at(&key, "GET", path, "", "h", &now);
        assert!(verify_at(&key, path, "limit=1", "h", &bare, &now, (false, false)).is_err());
        assert_eq!(
            verify_at(&key, path, "limit=1", "h", &bare, &now, (false, true)),
            Ok(())
        );
        assert!(signing_time("20240101T000000").is_none());
        assert!(signing_time("20241301T000000Z").is_none());
    }
}
