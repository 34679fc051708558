//! Pointing conform at a real service (issue 7): HTTPS with a private CA and with
//! `--insecure`, only GET requests, and secrets that never show up in any output.

use std::io::Write;
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

const BODY: &str = r#"{"instances":[],"instance_num":0}"#;

use crate::support::{conform, text};

fn one_case_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("empty.toml"),
        "description = \"the list\"\nrules = [\"C7\"]\n[expect]\nresults = \"any\"\n",
    )
    .unwrap();
    dir
}

/// A plain HTTP server that records each request line and answers an empty list.
async fn recording_server(seen: Arc<Mutex<Vec<String>>>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let Ok((mut sock, _)) = listener.accept().await else {
                return;
            };
            let seen = seen.clone();
            tokio::spawn(async move {
                let mut buf = vec![0u8; 16 * 1024];
                let mut got = Vec::new();
                loop {
                    let Ok(n) = sock.read(&mut buf).await else {
                        return;
                    };
                    if n == 0 {
                        return;
                    }
                    got.extend_from_slice(&buf[..n]);
                    while let Some(end) = find(&got, b"\r\n\r\n") {
                        let head = String::from_utf8_lossy(&got[..end]).to_string();
                        got.drain(..end + 4);
                        seen.lock().unwrap().push(head);
                        let resp = format!(
                            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{BODY}",
                            BODY.len()
                        );
                        if sock.write_all(resp.as_bytes()).await.is_err() {
                            return;
                        }
                    }
                }
            });
        }
    });
    format!("http://{addr}")
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_whole_shipped_suite_sends_only_get_requests() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let url = recording_server(seen.clone()).await;
    let o = tokio::task::spawn_blocking(move || {
        conform(
            &[
                "run",
                "--explore",
                "0",
                "--target",
                &url,
                "--project-id",
                "p",
                "--other-project-id",
                "q",
                "--snapshots",
                "off",
            ],
            &[("CONFORM_TOKEN", "t0k3n-get-only")],
        )
    })
    .await
    .unwrap();
    let seen = seen.lock().unwrap();
    assert!(
        seen.len() >= 20,
        "only {} requests: {}",
        seen.len(),
        text(&o)
    );
    let not_get: Vec<&String> = seen.iter().filter(|h| !h.starts_with("GET ")).collect();
    assert!(not_get.is_empty(), "{not_get:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_recognisable_secret_appears_in_no_output() {
    const SECRET: &str = "SECRET-c0nf0rm-7f3a9e1d";
    // The target ignores auth and answers an empty list, so most cases fail and every
    // report has plenty to say.
    let seen = Arc::new(Mutex::new(Vec::new()));
    let url = recording_server(seen.clone()).await;
    let out = tempfile::tempdir().unwrap();
    let (junit, html) = (out.path().join("r.xml"), out.path().join("r.html"));
    let cases = std::fs::canonicalize("cases/v1.0").unwrap();
    for (auth, env) in [
        ("token", vec![("CONFORM_TOKEN", SECRET)]),
        (
            "aksk",
            vec![
                ("HUAWEICLOUD_SDK_AK", "AK-c0nf0rm-visible"),
                ("HUAWEICLOUD_SDK_SK", SECRET),
            ],
        ),
    ] {
        for format in ["human", "json"] {
            let args = [
                "run",
                "--explore",
                "0",
                "--target",
                &url,
                "--project-id",
                "p",
                "--auth",
                auth,
                "--format",
                format,
                "--junit",
                junit.to_str().unwrap(),
                "--html",
                html.to_str().unwrap(),
                "--cases",
                cases.to_str().unwrap(),
                "--snapshots",
                "off",
            ];
            let args: Vec<String> = args.iter().map(std::string::ToString::to_string).collect();
            let env: Vec<(String, String)> = env
                .iter()
                .map(|(a, b)| (a.to_string(), b.to_string()))
                .collect();
            let o = tokio::task::spawn_blocking(move || {
                let args: Vec<&str> = args.iter().map(String::as_str).collect();
                let env: Vec<(&str, &str)> =
                    env.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
                conform(&args, &env)
            })
            .await
            .unwrap();
            assert_eq!(o.status.code(), Some(1), "{auth}/{format}: {}", text(&o));
            let mut all = text(&o);
            all.push_str(&std::fs::read_to_string(&junit).unwrap());
            all.push_str(&std::fs::read_to_string(&html).unwrap());
            assert!(!all.contains(SECRET), "{auth}/{format}: the secret leaked");
            assert!(
                all.contains("FAIL") || all.contains("\"fail\""),
                "{auth}/{format}: the run said nothing"
            );
        }
    }
    // It was really sent: the header the target saw holds it (token) or a signature.
    let seen = seen.lock().unwrap();
    assert!(
        seen.iter().any(|h| h.contains(SECRET)),
        "the token was never sent"
    );
    assert!(
        seen.iter()
            .any(|h| h.contains("SDK-HMAC-SHA256 Access=AK-c0nf0rm-visible")),
        "AK/SK never signed"
    );
}

/// An HTTPS server with a certificate from a throwaway CA; returns (url, CA PEM).
async fn tls_server() -> (String, String) {
    let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "conform test CA");
    let ca_key = rcgen::KeyPair::generate().unwrap();
    let ca = ca_params.self_signed(&ca_key).unwrap();
    let leaf_key = rcgen::KeyPair::generate().unwrap();
    let leaf_params = rcgen::CertificateParams::new(vec!["localhost".to_string()]).unwrap();
    let issuer = rcgen::Issuer::new(ca_params, ca_key);
    let leaf = leaf_params.signed_by(&leaf_key, &issuer).unwrap();
    let _ = rustls::crypto::ring::default_provider().install_default();
    let config = rustls::ServerConfig::builder()
        .with_no_client_auth()
        .with_single_cert(
            vec![leaf.der().clone()],
            rustls::pki_types::PrivateKeyDer::Pkcs8(leaf_key.serialize_der().into()),
        )
        .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        loop {
            let Ok((sock, _)) = listener.accept().await else {
                return;
            };
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(sock).await else {
                    return;
                };
                let mut buf = vec![0u8; 8192];
                let _ = tls.read(&mut buf).await;
                let resp = format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\nContent-Length: {}\r\n\r\n{BODY}",
                    BODY.len()
                );
                let _ = tls.write_all(resp.as_bytes()).await;
                let _ = tls.shutdown().await;
            });
        }
    });
    (format!("https://localhost:{port}"), ca.pem())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn https_needs_the_private_ca_or_an_explicit_insecure() {
    let (url, ca_pem) = tls_server().await;
    let dir = one_case_dir();
    let mut ca = tempfile::NamedTempFile::new().unwrap();
    ca.write_all(ca_pem.as_bytes()).unwrap();
    let cases = dir.path().to_str().unwrap().to_string();
    let ca_path = ca.path().to_str().unwrap().to_string();
    let run = move |extra: Vec<String>| {
        let url = url.clone();
        let cases = cases.clone();
        move || {
            let mut args = vec![
                "run".to_string(),
                "--explore".to_string(),
                "0".to_string(),
                "--target".into(),
                url,
                "--project-id".into(),
                "p".into(),
                "--cases".into(),
                cases,
                "--snapshots".into(),
                "off".into(),
                "--timeout".into(),
                "5".into(),
            ];
            args.extend(extra);
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            conform(&args, &[])
        }
    };
    let untrusted = tokio::task::spawn_blocking(run(vec![])).await.unwrap();
    assert_eq!(
        untrusted.status.code(),
        Some(3),
        "an unknown CA must not be trusted: {}",
        text(&untrusted)
    );
    let trusted = tokio::task::spawn_blocking(run(vec!["--ca-cert".into(), ca_path]))
        .await
        .unwrap();
    assert_eq!(trusted.status.code(), Some(0), "{}", text(&trusted));
    assert!(!text(&trusted).contains("WARNING"), "{}", text(&trusted));
    let insecure = tokio::task::spawn_blocking(run(vec!["--insecure".into()]))
        .await
        .unwrap();
    assert_eq!(insecure.status.code(), Some(0), "{}", text(&insecure));
    assert!(
        text(&insecure).contains("WARNING: --insecure"),
        "{}",
        text(&insecure)
    );
}
