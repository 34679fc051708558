//! A request as planned: the contract's path for a project, the query in the order it is
//! sent, the credentials to use and extra headers. Sending it is `exec`'s job.

use std::sync::Arc;

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

use crate::case::AuthSel;
use crate::contract::desc::{Desc, PathTemplate};

/// Everything except RFC 3986's unreserved characters is percent-encoded, so names with
/// spaces, `+`, `&`, `%`, `=` or Chinese characters arrive exactly as written.
const QUERY_VALUE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// One request, before it is sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// The contract's path, with the project's place in it.
    pub path: Arc<PathTemplate>,
    pub project: String,
    pub auth: AuthSel,
    /// Sent first, exactly as written.
    pub raw_query: Option<String>,
    pub query: Vec<(String, String)>,
    pub headers: Vec<(String, String)>,
}

impl Request {
    /// A request for a project's list, with the configured credentials.
    pub fn list(desc: &Desc, project: &str, query: Vec<(String, String)>) -> Request {
        Request {
            path: desc.path.clone(),
            project: project.to_string(),
            auth: AuthSel::Configured,
            raw_query: None,
            query,
            headers: Vec::new(),
        }
    }

    /// Path and query, as sent (no credentials ever appear here).
    pub fn path_and_query(&self) -> String {
        let mut q = self.raw_query.clone().unwrap_or_default();
        for (k, v) in &self.query {
            if !q.is_empty() {
                q.push('&');
            }
            q.push_str(&utf8_percent_encode(k, QUERY_VALUE).to_string());
            q.push('=');
            q.push_str(&utf8_percent_encode(v, QUERY_VALUE).to_string());
        }
        let path = self
            .path
            .render(&utf8_percent_encode(&self.project, QUERY_VALUE).to_string());
        if q.is_empty() {
            path
        } else {
            format!("{path}?{q}")
        }
    }

    /// The query as the server will decode it: what the checks reason about.
    pub fn decoded_query(&self) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = self
            .raw_query
            .as_deref()
            .map(|r| {
                form_urlencoded::parse(r.as_bytes())
                    .map(|(k, v)| (k.into_owned(), v.into_owned()))
                    .collect()
            })
            .unwrap_or_default();
        out.extend(self.query.iter().cloned());
        out
    }

    /// The same request with one query parameter set (replacing earlier values).
    pub fn with_param(&self, name: &str, value: &str) -> Request {
        let mut r = self.clone();
        r.query.retain(|(k, _)| k != name);
        if let Some(raw) = &r.raw_query {
            let kept: Vec<(String, String)> = form_urlencoded::parse(raw.as_bytes())
                .filter(|(k, _)| k != name)
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect();
            r.raw_query = None;
            let mut q = kept;
            q.append(&mut r.query);
            r.query = q;
        }
        r.query.push((name.to_string(), value.to_string()));
        r
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn special_characters_are_percent_encoded() {
        let r = Request::list(
            crate::contract::Contract::embedded().desc(),
            "p1",
            vec![("name".into(), "a b+c&d%e=f缓存".into())],
        );
        assert_eq!(
            r.path_and_query(),
            "/v1.0/p1/instances?name=a%20b%2Bc%26d%25e%3Df%E7%BC%93%E5%AD%98"
        );
        assert_eq!(
            r.decoded_query(),
            vec![("name".into(), "a b+c&d%e=f缓存".into())]
        );
    }

    #[test]
    fn raw_query_goes_first_and_with_param_replaces() {
        let mut r = Request::list(crate::contract::Contract::embedded().desc(), "p", vec![]);
        r.raw_query = Some("start=1&limit=10&name=".into());
        assert_eq!(
            r.path_and_query(),
            "/v1.0/p/instances?start=1&limit=10&name="
        );
        let r2 = r.with_param("start", "11");
        assert_eq!(
            r2.path_and_query(),
            "/v1.0/p/instances?limit=10&name=&start=11"
        );
    }
}
