//! AK/SK request signing with the vendor API gateway's `SDK-HMAC-SHA256` algorithm.
//!
//! Input: a request (method, host, path, decoded query pairs, headers, body), an access
//! key, a secret key and the signing time. Output: the headers to add (`X-Sdk-Date`,
//! `Host` when the caller did not set one, `X-Sdk-Content-Sha256` when the SDK would add
//! it, `Authorization`) and the canonical query string to send.
//!
//! Every detail follows the signer of the vendor's official Python SDK core package
//! (`huaweicloudsdkcore/signer/signer.py`), and `tests/fixtures/signing/vectors.json`,
//! produced by that package, pins the result. Where the SDK has a quirk we keep it,
//! because the gateway verifies against what the SDKs send; each quirk says so below.
//!
//! Signing is pure: no clock, no randomness, no I/O. The caller passes the time.

use hmac::{Hmac, Mac};
use percent_encoding::{percent_decode_str, utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use sha2::{Digest, Sha256};
use time::macros::format_description;
use time::{OffsetDateTime, UtcOffset};

/// The algorithm name, first word of the `Authorization` header and of the string to sign.
pub const ALGORITHM: &str = "SDK-HMAC-SHA256";
pub const HEADER_DATE: &str = "X-Sdk-Date";
pub const HEADER_CONTENT_SHA256: &str = "X-Sdk-Content-Sha256";
pub const HEADER_AUTHORIZATION: &str = "Authorization";
pub const HEADER_HOST: &str = "Host";

/// Hex SHA-256 of the empty body; the SDK uses it for every request without a body.
const EMPTY_BODY_SHA256: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

/// Python's `urllib.parse.quote(s, safe='~')`: everything but `A-Z a-z 0-9 _ . - ~` is
/// percent-encoded with upper-case hex, UTF-8 first. Spaces become `%20`, never `+`.
const SDK_QUOTE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'_')
    .remove(b'.')
    .remove(b'-')
    .remove(b'~');

/// A request as the signer sees it. Header names are case-insensitive; values are
/// signed trimmed, as the SDK does.
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    /// HTTP method; upper-cased for signing.
    pub method: &'a str,
    /// `host[:port]` exactly as in the URL (the port only when the URL has one).
    pub host: &'a str,
    /// The path as sent, percent-encoded or not (it is decoded, then re-encoded).
    pub path: &'a str,
    /// Decoded query pairs, in any order; repeated keys are allowed.
    pub query: &'a [(String, String)],
    /// Headers the caller sends and wants signed. `X-Sdk-Date` and `Authorization` belong
    /// to the signer and are ignored here. Names containing `_` are sent but not signed
    /// (an SDK rule: some proxies drop such headers).
    pub headers: &'a [(String, String)],
    pub body: &'a [u8],
}

/// The owned pieces of a URL that [`Request`] borrows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UrlParts {
    pub host: String,
    pub path: String,
    pub query: Vec<(String, String)>,
}

impl UrlParts {
    /// Splits a URL the way the SDK does: the host keeps an explicit port (the SDK uses
    /// the endpoint's `netloc`), the query is decoded into pairs.
    pub fn from_url(url: &reqwest::Url) -> Self {
        let host = match (url.host_str(), url.port()) {
            (Some(h), Some(p)) => format!("{h}:{p}"),
            (Some(h), None) => h.to_owned(),
            (None, _) => String::new(),
        };
        UrlParts {
            host,
            path: url.path().to_owned(),
            query: url.query_pairs().into_owned().collect(),
        }
    }

    /// A [`Request`] for these parts.
    pub fn request<'a>(
        &'a self,
        method: &'a str,
        headers: &'a [(String, String)],
        body: &'a [u8],
    ) -> Request<'a> {
        Request {
            method,
            host: &self.host,
            path: &self.path,
            query: &self.query,
            headers,
            body,
        }
    }
}

/// What signing adds to a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signed {
    /// Headers to add, in this order: `X-Sdk-Date`, `Host` (unless the caller set one),
    /// `X-Sdk-Content-Sha256` (when the SDK adds it), `Authorization`.
    pub headers: Vec<(String, String)>,
    /// The canonical query string. Send it as the URL's query (the SDK does), so the
    /// gateway sees exactly the encoding that was signed.
    pub query: String,
    /// The signed header names, lower-case and sorted, as in `SignedHeaders=`.
    pub signed_headers: Vec<String>,
}

impl Signed {
    /// The `Authorization` header's value.
    pub fn authorization(&self) -> &str {
        self.headers
            .iter()
            .find(|(k, _)| k == HEADER_AUTHORIZATION)
            .map(|(_, v)| v.as_str())
            .unwrap_or_default()
    }
}

/// Signs `request` with `SDK-HMAC-SHA256` at time `date` (converted to UTC).
pub fn sign(
    access_key: &str,
    secret_key: &str,
    request: &Request<'_>,
    date: OffsetDateTime,
) -> Signed {
    let date = format_sdk_date(date);
    let mut headers: Vec<(String, String)> = request
        .headers
        .iter()
        .filter(|(k, _)| {
            !k.eq_ignore_ascii_case(HEADER_DATE) && !k.eq_ignore_ascii_case(HEADER_AUTHORIZATION)
        })
        .cloned()
        .collect();
    let mut added = Vec::new();

    // SDK: a body that is neither JSON nor BSON is not hashed; the header says so and is
    // itself signed.
    if let Some(ct) = find_header(&headers, "content-type") {
        if !ct.starts_with("application/json") && !ct.starts_with("application/bson") {
            added.push((
                HEADER_CONTENT_SHA256.to_owned(),
                "UNSIGNED-PAYLOAD".to_owned(),
            ));
        }
    }
    added.insert(0, (HEADER_DATE.to_owned(), date.clone()));
    if find_header(&headers, "host").is_none() {
        added.insert(1, (HEADER_HOST.to_owned(), request.host.to_owned()));
    }
    headers.extend(added.iter().cloned());

    let signed_headers = signed_header_names(&headers);
    let canonical = canonical_request(request, &headers, &signed_headers);
    let string_to_sign = format!("{ALGORITHM}\n{date}\n{}", sha256_hex(canonical.as_bytes()));
    let signature = hmac_sha256_hex(secret_key.as_bytes(), string_to_sign.as_bytes());
    let authorization = format!(
        "{ALGORITHM} Access={access_key}, SignedHeaders={}, Signature={signature}",
        signed_headers.join(";")
    );
    added.push((HEADER_AUTHORIZATION.to_owned(), authorization));
    Signed {
        headers: added,
        query: canonical_query_string(request.query),
        signed_headers,
    }
}

/// `YYYYMMDDTHHMMSSZ` in UTC, the `X-Sdk-Date` format.
pub fn format_sdk_date(date: OffsetDateTime) -> String {
    date.to_offset(UtcOffset::UTC)
        .format(format_description!(
            "[year][month][day]T[hour][minute][second]Z"
        ))
        .expect("a UTC date within the year 0000..=9999 always formats")
}

/// The canonical request: method, URI, query, headers, signed header list, body hash,
/// one per line. `headers` already include the ones the signer adds.
fn canonical_request(
    request: &Request<'_>,
    headers: &[(String, String)],
    signed_headers: &[String],
) -> String {
    // SDK: header values are trimmed; for a name given twice the last value wins.
    let mut canonical_headers = String::new();
    for name in signed_headers {
        let value = headers
            .iter()
            .rev()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.trim())
            .unwrap_or_default();
        canonical_headers.push_str(name);
        canonical_headers.push(':');
        canonical_headers.push_str(value);
        canonical_headers.push('\n');
    }
    let payload_hash = if request.body.is_empty() {
        EMPTY_BODY_SHA256.to_owned()
    } else if let Some(declared) = find_header(headers, HEADER_CONTENT_SHA256) {
        declared.to_owned()
    } else {
        sha256_hex(request.body)
    };
    format!(
        "{}\n{}\n{}\n{}\n{}\n{}",
        request.method.to_uppercase(),
        canonical_uri(request.path),
        canonical_query_string(request.query),
        canonical_headers,
        signed_headers.join(";"),
        payload_hash
    )
}

/// The path decoded, then each segment re-encoded, and always ending in `/`.
///
/// The trailing slash is the SDK's rule: `/v1.0/p/instances` and `/v1.0/p/instances/`
/// sign the same canonical URI. Decoding first means `%2F` becomes a separator, as in
/// the SDK.
pub fn canonical_uri(path: &str) -> String {
    let decoded = percent_decode_str(path).decode_utf8_lossy();
    let mut uri = decoded
        .split('/')
        .map(|segment| utf8_percent_encode(segment, SDK_QUOTE).to_string())
        .collect::<Vec<_>>()
        .join("/");
    if !uri.ends_with('/') {
        uri.push('/');
    }
    uri
}

/// Query pairs sorted by key, then value (by code point, as Python sorts strings), each
/// side encoded, joined with `&`. An empty value keeps its `=` (`name=`).
pub fn canonical_query_string(query: &[(String, String)]) -> String {
    let mut pairs: Vec<(&str, &str)> = query
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    // Byte order of UTF-8 equals code point order, which is what Python's sort uses.
    pairs.sort_unstable();
    pairs
        .iter()
        .map(|(k, v)| {
            format!(
                "{}={}",
                utf8_percent_encode(k, SDK_QUOTE),
                utf8_percent_encode(v, SDK_QUOTE)
            )
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// Lower-case names of the headers that are signed, sorted. SDK rule: names containing
/// `_` are left out. A name given twice is listed twice, as the SDK does.
fn signed_header_names(headers: &[(String, String)]) -> Vec<String> {
    let mut names: Vec<String> = headers
        .iter()
        .filter(|(k, _)| !k.contains('_'))
        .map(|(k, _)| k.to_ascii_lowercase())
        .collect();
    names.sort_unstable();
    names
}

fn find_header<'h>(headers: &'h [(String, String)], name: &str) -> Option<&'h str> {
    headers
        .iter()
        .rev()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

fn sha256_hex(data: &[u8]) -> String {
    hex::encode(Sha256::digest(data))
}

fn hmac_sha256_hex(key: &[u8], data: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC accepts a key of any length");
    mac.update(data);
    hex::encode(mac.finalize().into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
        items
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn date_is_formatted_in_utc() {
        let date = datetime!(2024-03-05 09:07:02 +08:00);
        assert_eq!(format_sdk_date(date), "20240305T010702Z");
    }

    #[test]
    fn canonical_uri_always_ends_with_a_slash() {
        assert_eq!(canonical_uri("/v1.0/p/instances"), "/v1.0/p/instances/");
        assert_eq!(canonical_uri("/v1.0/p/instances/"), "/v1.0/p/instances/");
        assert_eq!(canonical_uri(""), "/");
        assert_eq!(canonical_uri("/a%20b/c d"), "/a%20b/c%20d/");
    }

    #[test]
    fn canonical_query_sorts_and_encodes_like_python_quote() {
        let q = pairs(&[
            ("name", "a b+c&d%"),
            ("limit", "10"),
            ("id", ""),
            ("k", "名"),
        ]);
        assert_eq!(
            canonical_query_string(&q),
            "id=&k=%E5%90%8D&limit=10&name=a%20b%2Bc%26d%25"
        );
        let repeated = pairs(&[("t", "b"), ("t", "a")]);
        assert_eq!(canonical_query_string(&repeated), "t=a&t=b");
        assert_eq!(canonical_query_string(&[]), "");
    }

    #[test]
    fn host_is_added_unless_given_and_headers_with_underscore_are_not_signed() {
        let headers = pairs(&[("X_Custom", "v"), ("X-Project-Id", "p")]);
        let req = Request {
            method: "get",
            host: "dcs.example.com",
            path: "/",
            query: &[],
            headers: &headers,
            body: b"",
        };
        let signed = sign("ak", "sk", &req, datetime!(2024-01-01 0:00 UTC));
        assert_eq!(
            signed.signed_headers,
            ["host", "x-project-id", "x-sdk-date"]
        );
        let names: Vec<&str> = signed.headers.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(names, ["X-Sdk-Date", "Host", "Authorization"]);

        let with_host = pairs(&[("host", "other.example.com")]);
        let req = Request {
            headers: &with_host,
            ..req
        };
        let signed = sign("ak", "sk", &req, datetime!(2024-01-01 0:00 UTC));
        let names: Vec<&str> = signed.headers.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(names, ["X-Sdk-Date", "Authorization"]);
    }

    #[test]
    fn url_parts_keep_an_explicit_port_and_decode_the_query() {
        let url =
            reqwest::Url::parse("https://127.0.0.1:8443/v1.0/p/instances?name=a%20b&limit=10")
                .unwrap();
        let parts = UrlParts::from_url(&url);
        assert_eq!(parts.host, "127.0.0.1:8443");
        assert_eq!(parts.path, "/v1.0/p/instances");
        assert_eq!(parts.query, pairs(&[("name", "a b"), ("limit", "10")]));
        let url = reqwest::Url::parse("https://dcs.cn-north-4.myhuaweicloud.com:443/x").unwrap();
        assert_eq!(
            UrlParts::from_url(&url).host,
            "dcs.cn-north-4.myhuaweicloud.com"
        );
    }
}
