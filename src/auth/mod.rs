//! Credentials for real targets: what they are, where they are loaded from, and how they
//! turn into request headers.
//!
//! Two schemes, as the vendor's APIs accept them: an IAM token sent in the header the
//! contract description names, or an access key pair (AK/SK, optionally with a temporary security token) that signs
//! each request ([`sign`]). Loading is in [`load`]. Every value is a [`Secret`], and
//! [`Credentials::register`] hands them to the [`Redactor`] so no writer prints them.

pub mod load;
pub mod sign;

use time::OffsetDateTime;

use crate::secret::{Redactor, Secret};

pub use load::{Env, LoadError, ProcessEnv, TokenSource};
pub use sign::{Request, Signed, UrlParts};

/// Header that carries a temporary credential's security token; signed with the request.
pub const HEADER_SECURITY_TOKEN: &str = "X-Security-Token";

/// How requests to a target are authenticated.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Credentials {
    /// Nothing is added (the mock, or a target that needs no auth).
    #[default]
    None,
    /// An IAM token, sent in the contract's token header.
    Token(Secret),
    /// An access key pair; `security_token` is set for temporary credentials.
    AkSk {
        access_key: Secret,
        secret_key: Secret,
        security_token: Option<Secret>,
    },
}

/// What authenticating a request adds to it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Authorized {
    /// Headers to add. Values are [`Secret`]s because some are (the token); mark them
    /// sensitive when building the HTTP request.
    pub headers: Vec<(String, Secret)>,
    /// For AK/SK, the query string that was signed: send it as the URL's query. `None`
    /// means the URL is sent as built.
    pub query: Option<String>,
}

impl Credentials {
    /// The headers (and, for AK/SK, the query string) that authenticate `request` at `date`.
    ///
    /// For AK/SK the security token header is added before signing, so it is signed, as
    /// the vendor SDKs do. `date` is ignored by the other schemes.
    /// A token travels in `token_header` (the contract description's).
    pub fn authorize(
        &self,
        request: &Request<'_>,
        date: OffsetDateTime,
        token_header: &str,
    ) -> Authorized {
        match self {
            Credentials::None => Authorized::default(),
            Credentials::Token(token) => Authorized {
                headers: vec![(token_header.to_owned(), token.clone())],
                query: None,
            },
            Credentials::AkSk {
                access_key,
                secret_key,
                security_token,
            } => {
                let mut headers = request.headers.to_vec();
                let mut extra = Vec::new();
                if let Some(token) = security_token {
                    let header = (HEADER_SECURITY_TOKEN.to_owned(), token.clone());
                    headers.push((header.0.clone(), token.expose().to_owned()));
                    extra.push(header);
                }
                let request = Request {
                    headers: &headers,
                    ..*request
                };
                let signed = sign::sign(access_key.expose(), secret_key.expose(), &request, date);
                extra.extend(signed.headers.into_iter().map(|(k, v)| (k, Secret::new(v))));
                Authorized {
                    headers: extra,
                    query: Some(signed.query),
                }
            }
        }
    }

    /// Registers every secret value with `redactor`, under placeholders named after it:
    /// `<redacted:token>`, `<redacted:access_key>`, `<redacted:secret_key>`,
    /// `<redacted:security_token>`. The access key is not secret on its own but names
    /// the account, so reports leave it out as well.
    pub fn register(&self, redactor: &mut Redactor) {
        match self {
            Credentials::None => {}
            Credentials::Token(token) => {
                redactor.add(token, Redactor::placeholder("token"));
            }
            Credentials::AkSk {
                access_key,
                secret_key,
                security_token,
            } => {
                redactor
                    .add(access_key, Redactor::placeholder("access_key"))
                    .add(secret_key, Redactor::placeholder("secret_key"));
                if let Some(token) = security_token {
                    redactor.add(token, Redactor::placeholder("security_token"));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn request(headers: &[(String, String)]) -> Request<'_> {
        Request {
            method: "GET",
            host: "dcs.cn-north-4.myhuaweicloud.com",
            path: "/v1.0/p/instances",
            query: &[],
            headers,
            body: b"",
        }
    }

    #[test]
    fn token_is_sent_as_x_auth_token() {
        let creds = Credentials::Token(Secret::new("tok-123456"));
        let auth = creds.authorize(
            &request(&[]),
            datetime!(2024-01-01 0:00 UTC),
            "X-Auth-Token",
        );
        assert_eq!(auth.headers.len(), 1);
        assert_eq!(auth.headers[0].0, "X-Auth-Token");
        assert_eq!(auth.headers[0].1.expose(), "tok-123456");
        assert_eq!(auth.query, None);
    }

    #[test]
    fn security_token_is_sent_and_signed() {
        let creds = Credentials::AkSk {
            access_key: Secret::new("AKEXAMPLE"),
            secret_key: Secret::new("SKEXAMPLE"),
            security_token: Some(Secret::new("STS-TOKEN")),
        };
        let auth = creds.authorize(
            &request(&[]),
            datetime!(2024-01-01 0:00 UTC),
            "X-Auth-Token",
        );
        let names: Vec<&str> = auth.headers.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(
            names,
            ["X-Security-Token", "X-Sdk-Date", "Host", "Authorization"]
        );
        let authorization = auth.headers[3].1.expose();
        assert!(authorization.contains("SignedHeaders=host;x-sdk-date;x-security-token,"));
        assert_eq!(auth.query.as_deref(), Some(""));
    }

    #[test]
    fn debug_output_of_credentials_shows_no_secret() {
        let creds = Credentials::AkSk {
            access_key: Secret::new("AKEXAMPLE"),
            secret_key: Secret::new("SKEXAMPLE"),
            security_token: None,
        };
        let debug = format!("{creds:?}");
        assert!(!debug.contains("AKEXAMPLE") && !debug.contains("SKEXAMPLE"));
    }

    #[test]
    fn registered_credentials_are_redacted() {
        let creds = Credentials::AkSk {
            access_key: Secret::new("AKEXAMPLE"),
            secret_key: Secret::new("SKEXAMPLE"),
            security_token: Some(Secret::new("STS-TOKEN")),
        };
        let mut redactor = Redactor::new();
        creds.register(&mut redactor);
        assert_eq!(
            redactor.redact("Access=AKEXAMPLE sk=SKEXAMPLE t=STS-TOKEN"),
            "Access=<redacted:access_key> sk=<redacted:secret_key> t=<redacted:security_token>"
        );
    }
}
