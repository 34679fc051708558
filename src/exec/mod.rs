//! Sending requests: reqwest on tokio, bounded concurrency, per-request timeouts, an
//! optional rate limit, a cap on body size, and retries only where retrying cannot hide
//! a wrong answer (connection failures; 429/503 with Retry-After).
//!
//! This is the only place that builds HTTP requests, and it only builds GETs: conform
//! never changes anything on a target.

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::Value;
use tokio::sync::{Mutex, Semaphore};

use crate::case::AuthSel;
pub use crate::plan::Request;

mod baseline;
pub use baseline::{
    fetch_baseline, listed_without, walk_list, walk_query, NoBaseline, Unreachable,
};

/// A token that is certainly not valid, for C14 cases with `auth = "wrong"`.
pub const WRONG_TOKEN: &str = "conform-wrong-token";

/// How many times a retryable failure is retried.
const MAX_RETRIES: u32 = 2;
/// The longest Retry-After conform waits for; a longer one is reported, not waited out.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(10);

/// Where requests go and how.
#[derive(Clone)]
pub struct Target {
    /// Base URL without a trailing slash, e.g. `https://dcs.example.com`.
    pub base_url: String,
    /// How requests with `auth = "configured"` are authenticated (token or AK/SK).
    pub credentials: crate::auth::Credentials,
    /// Extra root certificates (PEM) to trust, for targets behind a private CA.
    pub ca_cert: Option<std::path::PathBuf>,
    /// Accept any certificate. Only ever set by an explicit `--insecure`.
    pub insecure: bool,
    pub timeout: Duration,
    pub max_body: usize,
    /// Requests per second at most; `None` = unlimited.
    pub rate: Option<f64>,
    pub jobs: usize,
    /// The header a token travels in (from the contract description).
    pub token_header: String,
}

/// What of an answer's body is kept once its checks have read it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Keep {
    /// Nothing: a long run's memory stays flat.
    #[default]
    Nothing,
    /// The parsed tree (snapshots and selfcheck read it).
    Parsed,
    /// The raw bytes (`conform diff` reduces them in one streaming pass).
    Raw,
}

/// An answer, as far as it was received.
#[derive(Debug, Clone)]
pub struct Response {
    pub status: u16,
    pub content_type: Option<String>,
    pub body: Vec<u8>,
    pub elapsed: Duration,
    /// The Retry-After header, if any.
    pub retry_after: Option<String>,
    /// The body parsed as JSON, once, for whoever needs the tree: error answers and
    /// invalid list answers in the checks, the snapshots, the reports. A valid list
    /// answer is judged without it (see `crate::contract::shape`).
    pub parsed: std::sync::OnceLock<Result<Value, Arc<serde_json::Error>>>,
    /// The share of the client's body budget this body holds, until it is released.
    budget: Option<Arc<tokio::sync::OwnedSemaphorePermit>>,
}

impl Response {
    /// An answer as received (for tests and generated answers; no body budget held).
    pub fn new(status: u16, content_type: Option<String>, body: Vec<u8>) -> Response {
        Response {
            status,
            content_type,
            body,
            elapsed: Duration::ZERO,
            retry_after: None,
            parsed: std::sync::OnceLock::new(),
            budget: None,
        }
    }

    /// Gives back the body's share of the body budget once it has been read, keeping
    /// what `keep` says: nothing, the parsed tree (parsed now if it was not), or the raw
    /// bytes alone (for a reader that streams them, `conform diff`).
    pub fn release_body(&mut self, keep: Keep) {
        match keep {
            Keep::Parsed => {
                let _ = self.json();
                self.body = Vec::new();
            }
            Keep::Raw => self.parsed = std::sync::OnceLock::new(),
            Keep::Nothing => {
                self.parsed = std::sync::OnceLock::new();
                self.body = Vec::new();
            }
        }
        self.budget = None;
    }

    /// The body as JSON, or why it is not (parsed on first use, then cached).
    pub fn json(&self) -> Result<&Value, &serde_json::Error> {
        self.parsed
            .get_or_init(|| crate::json::parse(&self.body).map_err(Arc::new))
            .as_ref()
            .map_err(|e| &**e)
    }
}

/// Why no usable answer came back.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransportError {
    #[error("no answer within {0:?}")]
    Timeout(Duration),
    #[error("cannot connect: {0}")]
    Connect(String),
    #[error("body larger than {0} bytes (see --max-body)")]
    TooLarge(usize),
    /// Still 429 after the retries: the target refused to answer, which says nothing
    /// about the contract either way.
    #[error("rate limited: {status} after {retries} retries{after} (see --rate)")]
    RateLimited {
        status: u16,
        retries: u32,
        /// ", Retry-After: N" when the target sent one.
        after: String,
    },
    #[error("{0}")]
    Other(String),
}

/// One request and what came of it.
#[derive(Debug, Clone)]
pub struct Exchange {
    pub request: Request,
    pub outcome: Result<Response, TransportError>,
    /// How many times it was retried (connection failure, 429/503 with Retry-After).
    pub retries: u32,
}

/// Sends requests to one target.
#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    target: Arc<Target>,
    permits: Arc<Semaphore>,
    next_slot: Arc<Mutex<Instant>>,
    /// Bytes of answer bodies that may be held at once ([`Client::with_body_budget`]).
    budget: Option<Arc<Budget>>,
    /// Requests sent so far through this client and its clones (retries included).
    sent: Arc<std::sync::atomic::AtomicU64>,
}

/// The most bytes of answer bodies a budgeted client holds at once: room for one answer
/// of the largest size accepted by default (--max-body), so that a large account's
/// answers are read one after the other instead of all at once.
pub const BODY_BUDGET: usize = 64 << 20;

/// The share taken up front by a body whose length is not declared (chunked); it takes
/// more as it grows when the budget has room, and goes over it rather than wait.
const UNDECLARED_SHARE: usize = 1 << 20;

/// True when a client for this base URL never opens a TLS connection: the target is
/// plain HTTP, redirects are never followed, and no proxy that the client may use for
/// it is reached over HTTPS.
fn plain_http_only(base_url: &str) -> bool {
    let https_proxy = ["HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"]
        .iter()
        .filter_map(|k| std::env::var(k).ok())
        .any(|v| v.trim_start().to_ascii_lowercase().starts_with("https:"));
    base_url.to_ascii_lowercase().starts_with("http:") && !https_proxy
}

/// Why the HTTP client could not be built (nothing was sent).
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("cannot read the CA certificate {path}: {source}")]
    ReadCa {
        path: std::path::PathBuf,
        source: std::io::Error,
    },
    #[error("{path} holds no PEM certificate{}", .detail.as_deref().map(|d| format!(": {d}")).unwrap_or_default())]
    NoCertificate {
        path: std::path::PathBuf,
        detail: Option<String>,
    },
    #[error("cannot build the HTTP client: {0}")]
    Build(reqwest::Error),
}

impl Client {
    pub fn new(target: Target) -> Result<Client, ClientError> {
        // reqwest is built without a default TLS provider; install ring once per process
        // (a second call is a harmless no-op error), so library users need not know.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let mut builder = reqwest::Client::builder();
        if let Some(path) = &target.ca_cert {
            let pem = std::fs::read(path).map_err(|source| ClientError::ReadCa {
                path: path.clone(),
                source,
            })?;
            let certs = reqwest::Certificate::from_pem_bundle(&pem).map_err(|e| {
                ClientError::NoCertificate {
                    path: path.clone(),
                    detail: Some(e.to_string()),
                }
            })?;
            if certs.is_empty() {
                return Err(ClientError::NoCertificate {
                    path: path.clone(),
                    detail: None,
                });
            }
            for c in certs {
                builder = builder.add_root_certificate(c);
            }
        }
        if plain_http_only(&target.base_url) {
            // No TLS connection can happen: skip loading the system's certificate store,
            // which costs several milliseconds at every start (a run against the embedded
            // mock lasts tens of milliseconds).
            builder = builder.tls_certs_only([]);
        }
        // Proxies come from HTTP_PROXY / HTTPS_PROXY / NO_PROXY, as reqwest reads them.
        let http = builder
            .danger_accept_invalid_certs(target.insecure)
            // A redirect is an answer to report, never to follow: following could carry
            // credentials to another host and would hide what the target said.
            .redirect(reqwest::redirect::Policy::none())
            .timeout(target.timeout)
            .connect_timeout(target.timeout.min(Duration::from_secs(10)))
            .user_agent(concat!("conform/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(ClientError::Build)?;
        Ok(Client {
            http,
            permits: Arc::new(Semaphore::new(target.jobs.max(1))),
            next_slot: Arc::new(Mutex::new(Instant::now())),
            target: Arc::new(target),
            budget: None,
            sent: Arc::default(),
        })
    }

    /// The same client, holding at most `bytes` of answer bodies at once: a request whose
    /// answer does not fit waits, before reading its body, until earlier answers are
    /// released ([`Response::release_body`], or dropped). A body larger than the whole
    /// budget takes all of it. Whoever sends through it must release each answer before
    /// waiting for another, or the requests wait for each other forever.
    pub fn with_body_budget(&self, bytes: usize) -> Client {
        Client {
            budget: Some(Arc::new(Budget {
                permits: Arc::new(Semaphore::new(bytes.clamp(1, u32::MAX as usize))),
                size: bytes.clamp(1, u32::MAX as usize),
            })),
            ..self.clone()
        }
    }

    pub fn target(&self) -> &Target {
        &self.target
    }

    /// Sends one GET, with retries where they are safe.
    /// Requests sent so far through this client and its clones, retries included.
    pub fn sent(&self) -> u64 {
        self.sent.load(std::sync::atomic::Ordering::Relaxed)
    }

    pub async fn send(&self, request: &Request) -> Exchange {
        let mut retries = 0;
        loop {
            self.sent.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let outcome = self.send_once(request).await;
            let wait = match &outcome {
                Err(TransportError::Connect(_)) => {
                    Some(Duration::from_millis(200 * (u64::from(retries) + 1)))
                }
                Ok(r) if r.status == 429 || r.status == 503 => retry_after(r),
                _ => None,
            };
            match wait {
                Some(w) if retries < MAX_RETRIES && w <= MAX_RETRY_AFTER => {
                    retries += 1;
                    tokio::time::sleep(w).await;
                }
                _ => {
                    // A 429 that outlived the retries is no answer to judge (exit 3, not
                    // 1); a 503 stays an answer: a server error is the checks' to report.
                    let outcome = match outcome {
                        Ok(r) if r.status == 429 => Err(TransportError::RateLimited {
                            status: r.status,
                            retries,
                            after: r
                                .retry_after
                                .map(|a| format!(", Retry-After: {a}"))
                                .unwrap_or_default(),
                        }),
                        other => other,
                    };
                    return Exchange {
                        request: request.clone(),
                        outcome,
                        retries,
                    };
                }
            }
        }
    }

    async fn pace(&self) {
        let Some(rate) = self.target.rate else { return };
        let slot = {
            let mut next = self.next_slot.lock().await;
            let now = Instant::now();
            let slot = (*next).max(now);
            *next = slot + Duration::from_secs_f64(1.0 / rate.max(0.001));
            slot
        };
        tokio::time::sleep_until(slot.into()).await;
    }

    async fn send_once(&self, request: &Request) -> Result<Response, TransportError> {
        let _permit = self
            .permits
            .acquire()
            .await
            .expect("semaphore is never closed");
        self.pace().await;
        let raw = format!("{}{}", self.target.base_url, request.path_and_query());
        let mut url = reqwest::Url::parse(&raw)
            .map_err(|e| TransportError::Other(format!("invalid URL {raw}: {e}")))?;
        let mut secret_headers: Vec<(String, crate::secret::Secret)> = Vec::new();
        match request.auth {
            AuthSel::Configured
            | AuthSel::Empty
            | AuthSel::Prefix
            | AuthSel::Extended
            | AuthSel::OtherCase
            | AuthSel::StaleDate
            | AuthSel::OtherQuery => {
                let mut parts = crate::auth::UrlParts::from_url(&url);
                let mut date = time::OffsetDateTime::now_utc();
                match request.auth {
                    // Signed over the path alone, sent with the query.
                    AuthSel::OtherQuery => parts.query.clear(),
                    AuthSel::StaleDate => date -= time::Duration::days(1),
                    _ => {}
                }
                let authorized = self.target.credentials.authorize(
                    &parts.request("GET", &request.headers, b""),
                    date,
                    &self.target.token_header,
                );
                // AK/SK: send exactly the query string that was signed.
                if let Some(q) = authorized
                    .query
                    .filter(|_| request.auth != AuthSel::OtherQuery)
                {
                    url.set_query((!q.is_empty()).then_some(q.as_str()));
                }
                secret_headers = authorized.headers;
                // A shape of the real credentials (C14): the token, or the signature's
                // header, changed as asked; still a secret.
                let carrier = secret_headers.iter_mut().find(|(k, _)| {
                    k.eq_ignore_ascii_case(&self.target.token_header)
                        || k.eq_ignore_ascii_case("authorization")
                });
                if let Some((_, v)) = carrier {
                    if let Some(shaped) = request.auth.shape(v.expose()) {
                        *v = crate::secret::Secret::new(shaped);
                    }
                }
            }
            AuthSel::Wrong => secret_headers.push((
                self.target.token_header.clone(),
                crate::secret::Secret::new(WRONG_TOKEN),
            )),
            AuthSel::None => {}
        }
        // The only request conform ever builds: a GET (DESIGN: never change a target).
        let mut builder = self.http.get(url);
        for (k, v) in &request.headers {
            builder = builder.header(k, v);
        }
        for (k, v) in &secret_headers {
            let mut value = reqwest::header::HeaderValue::from_str(v.expose()).map_err(|_| {
                TransportError::Other(format!(
                    "the {k} header holds characters HTTP does not allow"
                ))
            })?;
            // Sensitive: kept out of reqwest's and hyper's debug output.
            value.set_sensitive(true);
            builder = builder.header(k, value);
        }
        let started = Instant::now();
        let timeout = self.target.timeout;
        let classify = |e: reqwest::Error| {
            if e.is_timeout() {
                TransportError::Timeout(timeout)
            } else if e.is_connect() {
                // The request's URL is in every message about it already.
                TransportError::Connect(error_chain(&e.without_url()))
            } else {
                TransportError::Other(error_chain(&e.without_url()))
            }
        };
        let mut resp = builder.send().await.map_err(classify)?;
        let status = resp.status().as_u16();
        let content_type = resp
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
        let retry_after = resp
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        // A declared length over the cap is refused before a byte of it is read.
        if resp
            .content_length()
            .is_some_and(|n| n > self.target.max_body as u64)
        {
            return Err(TransportError::TooLarge(self.target.max_body));
        }
        let declared = resp.content_length().and_then(|n| usize::try_from(n).ok());
        let mut share = match &self.budget {
            Some(b) => Some(b.take(declared.unwrap_or(UNDECLARED_SHARE)).await),
            None => None,
        };
        // The declared length is reserved at once: growing by doubling would hold up to
        // twice a large body while it is read.
        let capacity = declared.unwrap_or(0).min(self.target.max_body);
        let mut body = Vec::with_capacity(capacity);
        while let Some(chunk) = resp.chunk().await.map_err(classify)? {
            if body.len() + chunk.len() > self.target.max_body {
                return Err(TransportError::TooLarge(self.target.max_body));
            }
            body.extend_from_slice(&chunk);
            if let (Some(b), Some(held)) = (&self.budget, &mut share) {
                b.grow(held, body.len());
            }
        }
        Ok(Response {
            status,
            content_type,
            body,
            elapsed: started.elapsed(),
            retry_after,
            parsed: std::sync::OnceLock::new(),
            budget: share.map(Arc::new),
        })
    }
}

/// Bytes of answer bodies a client may hold at once, as permits.
struct Budget {
    permits: Arc<Semaphore>,
    size: usize,
}

impl Budget {
    /// Waits for `bytes` of the budget (all of it when more is asked).
    async fn take(&self, bytes: usize) -> tokio::sync::OwnedSemaphorePermit {
        let n = u32::try_from(bytes.clamp(1, self.size)).unwrap_or(u32::MAX);
        Arc::clone(&self.permits)
            .acquire_many_owned(n)
            .await
            .expect("the body budget is never closed")
    }

    /// A body read past its share takes more of the budget when there is room, without
    /// waiting: two growing bodies waiting for each other would never finish.
    fn grow(&self, held: &mut tokio::sync::OwnedSemaphorePermit, len: usize) {
        let have = held.num_permits();
        if len > have && have < self.size {
            let more = (len - have).max(UNDECLARED_SHARE).min(self.size - have);
            let more = u32::try_from(more).unwrap_or(u32::MAX);
            if let Ok(extra) = Arc::clone(&self.permits).try_acquire_many_owned(more) {
                held.merge(extra);
            }
        }
    }
}

/// The wait a 429/503 asks for, in seconds (the HTTP-date form is not waited for).
fn retry_after(r: &Response) -> Option<Duration> {
    let secs: u64 = r.retry_after.as_deref()?.trim().parse().ok()?;
    Some(Duration::from_secs(secs))
}

/// The error and its causes on one line: reqwest's top-level message alone is vague.
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        source = s.source();
    }
    out
}

/// The start of a body, printable, for messages.
pub fn preview(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(&body[..body.len().min(80)]);
    let mut s: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if body.len() > 80 {
        s.push('…');
    }
    format!("{s:?}")
}
