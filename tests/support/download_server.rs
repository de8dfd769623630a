//! A loopback HTTP/1.1 server in the test process that serves release assets the test builds, and
//! misbehaves on request: error statuses, truncated bodies, slow bodies. It records every request and
//! the largest number of bodies it was sending at once (to show downloads overlap).
//!
//! Also the fake assets: a k3d "binary" (a shell script printing k3d's real version lines) and a helm
//! release archive (a .tar.gz with `{os}-{arch}/helm` printing `v3.19.0`).

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use sha2::{Digest, Sha256};

/// How the server answers one request.
#[derive(Clone)]
pub enum Reply {
    /// 200 with the body.
    Ok(Arc<Vec<u8>>),
    /// This status and a short text body.
    Status(u16),
    /// 200 announcing the whole body's length, then only the first `n` bytes and a closed connection.
    Truncated(Arc<Vec<u8>>, usize),
    /// 200, the body in `chunks` pieces with `pause` between them.
    Slow(Arc<Vec<u8>>, usize, Duration),
}

impl Reply {
    pub fn ok(body: &[u8]) -> Reply {
        Reply::Ok(Arc::new(body.to_vec()))
    }

    pub fn slow(body: &[u8], chunks: usize, pause: Duration) -> Reply {
        Reply::Slow(Arc::new(body.to_vec()), chunks, pause)
    }

    pub fn truncated(body: &[u8], keep: usize) -> Reply {
        Reply::Truncated(Arc::new(body.to_vec()), keep)
    }
}

#[derive(Default)]
struct State {
    /// Path → replies; each request takes the first, the last one repeats.
    routes: HashMap<String, Vec<Reply>>,
    log: Vec<String>,
}

pub struct DownloadServer {
    addr: SocketAddr,
    state: Arc<Mutex<State>>,
    sending: Arc<AtomicUsize>,
    max_sending: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
}

impl DownloadServer {
    pub fn start() -> DownloadServer {
        let listener = TcpListener::bind(("127.0.0.1", 0)).expect("bind loopback");
        let addr = listener.local_addr().unwrap();
        let server = DownloadServer {
            addr,
            state: Arc::default(),
            sending: Arc::default(),
            max_sending: Arc::default(),
            stop: Arc::default(),
        };
        let (state, sending, max_sending, stop) =
            (server.state.clone(), server.sending.clone(), server.max_sending.clone(), server.stop.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                if stop.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(stream) = stream else { continue };
                let (state, sending, max_sending) = (state.clone(), sending.clone(), max_sending.clone());
                std::thread::spawn(move || handle(stream, &state, &sending, &max_sending));
            }
        });
        server
    }

    /// `http://127.0.0.1:PORT`, to be used as `tools.mirror`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Serves `replies` at `path`, in order, repeating the last.
    pub fn serve(&self, path: &str, replies: Vec<Reply>) {
        assert!(!replies.is_empty());
        self.state.lock().unwrap().routes.insert(path.to_string(), replies);
    }

    /// Every request so far, as `GET /path`.
    pub fn requests(&self) -> Vec<String> {
        self.state.lock().unwrap().log.clone()
    }

    pub fn count(&self, path: &str) -> usize {
        self.requests().iter().filter(|r| r.ends_with(&format!(" {path}"))).count()
    }

    pub fn clear_log(&self) {
        self.state.lock().unwrap().log.clear();
    }

    /// The most response bodies that were being sent at the same time.
    pub fn max_concurrent_bodies(&self) -> usize {
        self.max_sending.load(Ordering::SeqCst)
    }
}

impl Drop for DownloadServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(self.addr); // wakes the accept loop
    }
}

fn handle(stream: TcpStream, state: &Mutex<State>, sending: &AtomicUsize, max_sending: &AtomicUsize) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut request_line = String::new();
    if reader.read_line(&mut request_line).unwrap_or(0) == 0 {
        return;
    }
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header).unwrap_or(0) == 0 || header == "\r\n" || header == "\n" {
            break;
        }
    }
    let mut parts = request_line.split_whitespace();
    let method = parts.next().unwrap_or("").to_string();
    let path = parts.next().unwrap_or("").to_string();
    let reply = {
        let mut state = state.lock().unwrap();
        state.log.push(format!("{method} {path}"));
        match state.routes.get_mut(&path) {
            Some(replies) if replies.len() > 1 => Some(replies.remove(0)),
            Some(replies) => Some(replies[0].clone()),
            None => None,
        }
    };
    let mut stream = stream;
    let reply = reply.unwrap_or(Reply::Status(404));
    let head = |status: u16, len: usize| {
        let reason = match status {
            200 => "OK",
            404 => "Not Found",
            500 => "Internal Server Error",
            503 => "Service Unavailable",
            _ => "Status",
        };
        format!(
            "HTTP/1.1 {status} {reason}\r\nContent-Length: {len}\r\nContent-Type: application/octet-stream\r\nConnection: close\r\n\r\n"
        )
    };
    let active = sending.fetch_add(1, Ordering::SeqCst) + 1;
    max_sending.fetch_max(active, Ordering::SeqCst);
    let _ = match reply {
        Reply::Ok(body) => stream.write_all(head(200, body.len()).as_bytes()).and_then(|_| stream.write_all(&body)),
        Reply::Status(code) => {
            let body = format!("status {code}\n");
            stream.write_all(head(code, body.len()).as_bytes()).and_then(|_| stream.write_all(body.as_bytes()))
        }
        Reply::Truncated(body, keep) => stream
            .write_all(head(200, body.len()).as_bytes())
            .and_then(|_| stream.write_all(&body[..keep.min(body.len())])),
        Reply::Slow(body, chunks, pause) => (|| {
            stream.write_all(head(200, body.len()).as_bytes())?;
            let size = body.len().div_ceil(chunks.max(1)).max(1);
            for piece in body.chunks(size) {
                stream.write_all(piece)?;
                stream.flush()?;
                std::thread::sleep(pause);
            }
            Ok(())
        })(),
    };
    let _ = stream.flush();
    let _ = stream.shutdown(Shutdown::Both);
    sending.fetch_sub(1, Ordering::SeqCst);
}

/// Lower-case hex SHA-256.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// This machine in the assets' vocabulary (`linux-amd64`), as ssp maps it.
pub fn host_platform() -> String {
    let os = match std::env::consts::OS {
        "macos" => "darwin",
        other => other,
    };
    let arch = match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        other => other,
    };
    format!("{os}-{arch}")
}

/// A k3d stand-in: prints what `k3d version` prints for the real v5.8.3 (or `version`), then
/// `padding` bytes that the shell never reaches (to make the asset large for benchmarks).
pub fn fake_k3d(version: &str, padding: usize) -> Vec<u8> {
    let mut script = format!(
        "#!/bin/sh\nif [ \"$1\" = version ]; then\n  echo \"k3d version {version}\"\n  echo \"k3s version v1.31.5-k3s1 (default)\"\n  exit 0\nfi\necho \"fake k3d: $*\" >&2\nexit 3\n"
    )
    .into_bytes();
    append_padding(&mut script, padding);
    script
}

/// A helm release archive: `{platform}/helm` (printing `version` for
/// `helm version --template '{{.Version}}'`), `{platform}/LICENSE`, `{platform}/README.md`.
pub fn fake_helm_tgz(platform: &str, version: &str, padding: usize) -> Vec<u8> {
    let mut helm = format!(
        "#!/bin/sh\nif [ \"$1\" = version ]; then\n  printf '%s' '{version}'\n  exit 0\nfi\necho \"fake helm: $*\" >&2\nexit 3\n"
    )
    .into_bytes();
    append_padding(&mut helm, padding);
    let encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    let mut tar = tar::Builder::new(encoder);
    for (name, body, mode) in [
        ("LICENSE", b"Apache License 2.0\n".to_vec(), 0o644),
        ("helm", helm, 0o755),
        ("README.md", b"# Helm\n".to_vec(), 0o644),
    ] {
        let mut header = tar::Header::new_gnu();
        header.set_size(body.len() as u64);
        header.set_mode(mode);
        header.set_cksum();
        tar.append_data(&mut header, format!("{platform}/{name}"), body.as_slice()).unwrap();
    }
    tar.into_inner().unwrap().finish().unwrap()
}

/// Pseudo-random bytes after the script's `exit` (incompressible, like a real binary).
fn append_padding(script: &mut Vec<u8>, padding: usize) {
    if padding == 0 {
        return;
    }
    script.push(b'\n');
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    script.reserve(padding);
    for _ in 0..padding.div_ceil(8) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        script.extend_from_slice(&x.to_le_bytes());
    }
    script.truncate(script.len() - (padding.div_ceil(8) * 8 - padding));
}

/// The fake assets of the pinned k3d v5.8.3 and helm v3.19.0 for the host platform, as
/// [`DownloadServer::serve_pinned_tools`] serves them.
pub struct PinnedTools {
    pub platform: String,
    pub k3d: Vec<u8>,
    pub helm: Vec<u8>,
    /// The ssp.toml that installs them from the server, with their checksums.
    pub ssp_toml: String,
}

impl DownloadServer {
    /// Serves the fake pinned k3d and helm for the host platform at their release paths.
    pub fn serve_pinned_tools(&self) -> PinnedTools {
        let platform = host_platform();
        let k3d = fake_k3d("v5.8.3", 0);
        let helm = fake_helm_tgz(&platform, "v3.19.0", 0);
        self.serve(&k3d_path(&platform), vec![Reply::ok(&k3d)]);
        self.serve(&helm_path(&platform), vec![Reply::ok(&helm)]);
        let ssp_toml = tools_config(Some(&self.url()), &platform, &sha256_hex(&k3d), &sha256_hex(&helm));
        PinnedTools { platform, k3d, helm, ssp_toml }
    }
}

/// The paths the mirror serves for the pinned k3d and helm on `platform`.
pub fn k3d_path(platform: &str) -> String {
    format!("/k3d-io/k3d/releases/download/v5.8.3/k3d-{platform}")
}

pub fn helm_path(platform: &str) -> String {
    format!("/helm-v3.19.0-{platform}.tar.gz")
}

/// The ssp.toml that points the pinned k3d and helm at `mirror` with these assets' checksums.
pub fn tools_config(mirror: Option<&str>, platform: &str, k3d_sha: &str, helm_sha: &str) -> String {
    let mut text = String::from("[tools]\n");
    if let Some(mirror) = mirror {
        text.push_str(&format!("mirror = \"{mirror}\"\n"));
    }
    text.push_str(&format!(
        "\n[tools.k3d]\nsha256 = {{ \"{platform}\" = \"{k3d_sha}\" }}\n\n[tools.helm]\nsha256 = {{ \"{platform}\" = \"{helm_sha}\" }}\n"
    ));
    text
}
