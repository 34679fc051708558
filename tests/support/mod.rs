//! Shared by the integration tests: running the `conform` binary ([`conform`], [`text`]);
//! for the robustness tests (issue 9), a raw TCP server on 127.0.0.1 that answers the
//! list endpoint well or misbehaves on purpose, and a way to run the binary with a
//! deadline while watching its peak memory. A test binary that needs it includes it with
//! `#[path = "../support/mod.rs"] mod support;` (today `tests/cli/main.rs`).

#![allow(dead_code)] // each test binary uses its own part of this module

use std::io::Read;
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// Runs the binary to completion without colour, with no input and no token but the
/// environment given.
pub fn conform(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_conform"));
    cmd.args(args)
        .env("NO_COLOR", "1")
        .env_remove("CONFORM_TOKEN");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.stdin(Stdio::null()).output().expect("the binary runs")
}

/// Standard output then standard error, as text.
pub fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// Which requests a scenario's misbehaviour applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Applies {
    /// Only requests whose query carries the marker `hostile=1` (set by one case).
    Marked,
    /// Only the baseline request (`includeFailure=true`, no marker).
    Baseline,
    /// Every request.
    All,
}

/// What the server does with a request the scenario applies to.
#[derive(Debug, Clone)]
pub enum Act {
    /// Writes these bytes, then closes the connection.
    Raw(Vec<u8>),
    /// Writes `head`, then filler in 16 KiB pieces (chunk-framed when `chunked`) until
    /// `total` bytes or until the client goes away.
    Stream {
        head: Vec<u8>,
        chunked: bool,
        total: usize,
    },
    /// Writes `head`, then one byte of `body` every `every`.
    Trickle {
        head: Vec<u8>,
        body: Vec<u8>,
        every: Duration,
    },
    /// Reads the request, then resets the connection (RST, not FIN).
    Reset,
    /// Reads the request and never answers (the connection stays open for a minute).
    Silent,
    /// The first `n` matching requests get `act`, the later ones a good answer.
    FirstThenGood(usize, Box<Act>),
    /// A good answer in HTTP/1.0: no Content-Length, the body ends when the connection
    /// closes.
    Http10Good,
    /// Random data: every answer lists instances never seen before (new ids on every
    /// request), as an account that changes completely between any two looks.
    Fresh,
}

/// A running test server: its base URL and what it saw.
pub struct Server {
    pub base_url: String,
    /// Every request read.
    pub requests: Arc<AtomicUsize>,
    /// Requests the misbehaviour applied to.
    pub hostile: Arc<AtomicUsize>,
}

/// The instances the server lists: three visible instances of the built-in data set,
/// in contract order (C8: created_at newest first, then instance_id).
pub fn instances() -> Vec<Value> {
    let data = conform::mock::DataSet::builtin();
    let mut list: Vec<Value> = data
        .instances(conform::mock::MAIN_PROJECT)
        .unwrap()
        .iter()
        .filter(|i| i["status"] == "RUNNING")
        .take(3)
        .cloned()
        .collect();
    list.sort_by(|a, b| {
        let key = |v: &Value| {
            conform::base::time::timestamp_nanos(v["created_at"].as_str().unwrap_or(""))
        };
        key(b)
            .cmp(&key(a))
            .then(a["instance_id"].as_str().cmp(&b["instance_id"].as_str()))
    });
    list
}

/// A correct answer to a query: instances filtered by `id` when it is given (C5);
/// everything else the test cases send is satisfied by the unfiltered list.
pub fn good_body(query: &str) -> Vec<u8> {
    let id = form_pairs(query)
        .into_iter()
        .find(|(k, _)| k == "id")
        .map(|(_, v)| v);
    let list: Vec<Value> = instances()
        .into_iter()
        .filter(|i| id.as_deref().is_none_or(|id| i["instance_id"] == id))
        .collect();
    let n = list.len();
    serde_json::to_vec(&serde_json::json!({ "instances": list, "instance_num": n })).unwrap()
}

fn form_pairs(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter_map(|p| p.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// A complete HTTP/1.1 response that closes the connection.
pub fn http(status: &str, headers: &[(&str, &str)], body: &[u8]) -> Vec<u8> {
    let mut out = format!("HTTP/1.1 {status}\r\n").into_bytes();
    for (k, v) in headers {
        out.extend_from_slice(format!("{k}: {v}\r\n").as_bytes());
    }
    out.extend_from_slice(
        format!(
            "Content-Length: {}\r\nConnection: close\r\n\r\n",
            body.len()
        )
        .as_bytes(),
    );
    out.extend_from_slice(body);
    out
}

/// A 200 JSON answer with this body.
pub fn json_200(body: &[u8]) -> Vec<u8> {
    http("200 OK", &[("Content-Type", "application/json")], body)
}

/// Starts a server on 127.0.0.1 (its own thread and runtime; it lives as long as the
/// test process).
pub fn serve(applies: Applies, act: Act) -> Server {
    let requests = Arc::new(AtomicUsize::new(0));
    let hostile = Arc::new(AtomicUsize::new(0));
    let (tx, rx) = std::sync::mpsc::channel();
    let (r, h) = (requests.clone(), hostile.clone());
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            tx.send(listener.local_addr().unwrap()).unwrap();
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    continue;
                };
                let (act, r, h) = (act.clone(), r.clone(), h.clone());
                tokio::spawn(async move {
                    let _ = handle(stream, applies, act, r, h).await;
                });
            }
        });
    });
    let addr = rx.recv().unwrap();
    Server {
        base_url: format!("http://{addr}"),
        requests,
        hostile,
    }
}

/// A listener that only counts connections: "another host" a redirect points to.
pub fn counting_listener() -> (String, Arc<AtomicUsize>) {
    let count = Arc::new(AtomicUsize::new(0));
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let c = count.clone();
    std::thread::spawn(move || {
        for s in listener.incoming() {
            c.fetch_add(1, Ordering::SeqCst);
            drop(s);
        }
    });
    (format!("http://{addr}"), count)
}

async fn read_head(stream: &mut TcpStream) -> std::io::Result<String> {
    let mut buf = Vec::new();
    let mut byte = [0u8; 1024];
    while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = stream.read(&mut byte).await?;
        if n == 0 || buf.len() > 64 * 1024 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        buf.extend_from_slice(&byte[..n]);
    }
    Ok(String::from_utf8_lossy(&buf).into_owned())
}

async fn handle(
    mut stream: TcpStream,
    applies: Applies,
    act: Act,
    requests: Arc<AtomicUsize>,
    hostile: Arc<AtomicUsize>,
) -> std::io::Result<()> {
    let head = read_head(&mut stream).await?;
    requests.fetch_add(1, Ordering::SeqCst);
    let target = head.split(' ').nth(1).unwrap_or("/").to_string();
    let query = target.split_once('?').map_or("", |(_, q)| q).to_string();
    let marked = form_pairs(&query)
        .iter()
        .any(|(k, v)| k == "hostile" && v == "1");
    let applies = match applies {
        Applies::Marked => marked,
        Applies::Baseline => !marked && query.contains("includeFailure=true"),
        Applies::All => true,
    };
    let good = json_200(&good_body(&query));
    if !applies {
        return stream.write_all(&good).await;
    }
    let seen = hostile.fetch_add(1, Ordering::SeqCst);
    let act = match act {
        Act::FirstThenGood(n, _) if seen >= n => return stream.write_all(&good).await,
        Act::FirstThenGood(_, act) => *act,
        act => act,
    };
    match act {
        Act::Raw(bytes) => {
            stream.write_all(&bytes).await?;
            stream.shutdown().await
        }
        Act::Stream {
            head,
            chunked,
            total,
        } => {
            stream.write_all(&head).await?;
            let piece = vec![b'x'; 16 * 1024];
            let mut sent = 0;
            while sent < total {
                if chunked {
                    stream
                        .write_all(format!("{:x}\r\n", piece.len()).as_bytes())
                        .await?;
                    stream.write_all(&piece).await?;
                    stream.write_all(b"\r\n").await?;
                } else {
                    stream.write_all(&piece).await?;
                }
                sent += piece.len();
            }
            Ok(())
        }
        Act::Trickle { head, body, every } => {
            stream.write_all(&head).await?;
            for b in body {
                tokio::time::sleep(every).await;
                stream.write_all(&[b]).await?;
            }
            Ok(())
        }
        Act::Reset => {
            // SO_LINGER 0: closing sends RST instead of FIN.
            socket2::SockRef::from(&stream).set_linger(Some(Duration::ZERO))?;
            drop(stream);
            Ok(())
        }
        Act::Silent => {
            tokio::time::sleep(Duration::from_secs(60)).await;
            Ok(())
        }
        Act::Http10Good => {
            let mut raw = b"HTTP/1.0 200 OK\r\nContent-Type: application/json\r\n\r\n".to_vec();
            raw.extend_from_slice(&good_body(&query));
            stream.write_all(&raw).await?;
            stream.shutdown().await
        }
        Act::Fresh => {
            let mut list = instances();
            for (k, inst) in list.iter_mut().enumerate() {
                inst["instance_id"] = serde_json::json!(format!("fresh-{seen}-{k}"));
            }
            let n = list.len();
            let body = serde_json::json!({ "instances": list, "instance_num": n });
            stream
                .write_all(&json_200(&serde_json::to_vec(&body).unwrap()))
                .await?;
            stream.shutdown().await
        }
        Act::FirstThenGood(..) => unreachable!("unwrapped above"),
    }
}

/// What a run of the binary left behind.
pub struct Run {
    pub code: Option<i32>,
    /// The signal that ended it, if one did.
    pub signal: Option<i32>,
    pub stdout: String,
    pub stderr: String,
    pub elapsed: Duration,
    /// Peak resident memory of the process (VmHWM) as last read while it ran, in KiB.
    pub max_rss_kib: u64,
}

impl Run {
    pub fn text(&self) -> String {
        format!(
            "exit {:?} signal {:?} in {:?}, peak {} KiB\n--- stdout\n{}--- stderr\n{}",
            self.code, self.signal, self.elapsed, self.max_rss_kib, self.stdout, self.stderr
        )
    }
}

/// Runs `conform` with `args`, killing it after `deadline`. `during` is called with the
/// child's pid every 20 ms while it runs and may return true once to have it sent
/// SIGINT (the interruption test). The peak memory is the child's VmHWM, read from /proc
/// at every poll (wait4's ru_maxrss would not do: Linux folds the parent's memory at
/// spawn time into it).
pub fn run_conform(
    args: &[&str],
    deadline: Duration,
    mut during: impl FnMut(Duration) -> bool,
) -> Run {
    let started = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_conform"))
        .args(args)
        .env("NO_COLOR", "1")
        .env_remove("CONFORM_TOKEN")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    let pid = child.id() as libc::pid_t;
    let mut out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    let out_t = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = out.read_to_string(&mut s);
        s
    });
    let err_t = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = err.read_to_string(&mut s);
        s
    });
    let mut signalled = false;
    let mut max_rss_kib = 0;
    let status = loop {
        if let Some(kib) = vm_hwm_kib(pid) {
            max_rss_kib = max_rss_kib.max(kib);
        }
        let mut status = 0;
        // SAFETY: waitpid writes only into the local we pass; pid is our own child.
        let r = unsafe { libc::waitpid(pid, &mut status, libc::WNOHANG) };
        if r == pid {
            break status;
        }
        assert!(r == 0, "waitpid failed");
        if started.elapsed() > deadline {
            // SAFETY: sending a signal to our own child.
            unsafe { libc::kill(pid, libc::SIGKILL) };
        } else if !signalled && during(started.elapsed()) {
            signalled = true;
            // SAFETY: sending a signal to our own child.
            unsafe { libc::kill(pid, libc::SIGINT) };
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let elapsed = started.elapsed();
    // Reaped by waitpid above; dropping a `Child` neither waits nor kills.
    drop(child);
    let exited = libc::WIFEXITED(status);
    Run {
        code: exited.then(|| libc::WEXITSTATUS(status)),
        signal: libc::WIFSIGNALED(status).then(|| libc::WTERMSIG(status)),
        stdout: out_t.join().unwrap(),
        stderr: err_t.join().unwrap(),
        elapsed,
        max_rss_kib,
    }
}

fn vm_hwm_kib(pid: libc::pid_t) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// The built-in mock on an ephemeral loopback port, requiring `token`.
pub async fn mock_with_token(token: &str) -> conform::mock::RunningMock {
    conform::mock::spawn(
        conform::mock::MockConfig {
            token: Some(token.into()),
            ..conform::mock::MockConfig::builtin()
        },
        "127.0.0.1:0".parse().unwrap(),
    )
    .await
    .unwrap()
}
