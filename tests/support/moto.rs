//! AWS on loopback for the KMS tests: one `moto` server (PyPI `moto[server]`, a faithful KMS and
//! STS) per test process, and per test a recording proxy in front of it that notes every AWS call
//! ssp makes — the service, the action, the access key that signed it, the region of its
//! credential scope and its parameters — so tests assert the exact calls, as with the other doubles.
//!
//! moto is started with `PR_SET_PDEATHSIG` from a thread that lives as long as the test process,
//! so it stops with the process.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::Need;

/// The moto server of this test process.
pub struct Moto {
    addr: SocketAddr,
}

/// Whether `python3 -m moto.server` can run here.
pub fn moto_available() -> bool {
    Command::new("python3")
        .args(["-c", "import moto.server, boto3, cryptography"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// The shared moto server, started on first use; `None` (after the skip-or-fail rule) when moto is
/// not installed (`python3 -m pip install 'moto[server]'`).
pub fn moto() -> Option<&'static Moto> {
    static MOTO: OnceLock<Option<Moto>> = OnceLock::new();
    MOTO.get_or_init(|| {
        if !super::prerequisite(
            Need::Other,
            "moto",
            moto_available(),
            "python3 cannot import moto.server (pip install 'moto[server]'); it is the AWS KMS/STS double",
        ) {
            return None;
        }
        Some(Moto::start())
    })
    .as_ref()
}

impl Moto {
    fn start() -> Moto {
        let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            use std::os::unix::process::CommandExt;
            let mut cmd = Command::new("python3");
            cmd.args(["-m", "moto.server", "-H", "127.0.0.1", "-p", &port.to_string()])
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null());
            // SAFETY: prctl is async-signal-safe; it only sets this child's parent-death signal.
            unsafe {
                cmd.pre_exec(|| {
                    libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
                    Ok(())
                });
            }
            let child = cmd.spawn();
            let _ = tx.send(child.map(|_| ()));
            // The child's parent-death signal fires when this thread ends: keep it for the process.
            loop {
                std::thread::park();
            }
        });
        rx.recv().unwrap().expect("spawn python3 -m moto.server");
        let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Ok(mut s) = TcpStream::connect(addr) {
                let _ = s.write_all(b"GET /moto-api/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
                let mut buf = [0u8; 12];
                if s.read_exact(&mut buf).is_ok() && buf.starts_with(b"HTTP/1.") {
                    break;
                }
            }
            assert!(Instant::now() < deadline, "moto did not answer on {addr} within 30 s");
            std::thread::sleep(Duration::from_millis(100));
        }
        Moto { addr }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// A new symmetric KMS key in `region`; returns its ARN.
    pub fn create_key(&self, region: &str) -> String {
        let out = self.kms(region, "CreateKey", &json!({"Description": "ssp test"}));
        out["KeyMetadata"]["Arn"].as_str().expect("CreateKey returns an ARN").to_string()
    }

    /// One KMS JSON call straight to moto (not through a proxy), signed with a dummy key whose
    /// credential scope names `region`.
    pub fn kms(&self, region: &str, action: &str, params: &Value) -> Value {
        let body = params.to_string();
        let auth = format!(
            "AWS4-HMAC-SHA256 Credential=AKIDSETUP/20261128/{region}/kms/aws4_request, SignedHeaders=host, Signature=0"
        );
        let request = format!(
            "POST / HTTP/1.1\r\nHost: {}\r\nX-Amz-Target: TrentService.{action}\r\n\
             Content-Type: application/x-amz-json-1.1\r\nAuthorization: {auth}\r\n\
             Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
            self.addr,
            body.len()
        );
        let response = roundtrip(self.addr, request.as_bytes());
        let text = String::from_utf8_lossy(&response);
        let (head, body) = text.split_once("\r\n\r\n").expect("an HTTP response");
        assert!(head.starts_with("HTTP/1.1 200"), "moto {action}: {head}\n{body}");
        serde_json::from_str(body).unwrap_or(Value::Null)
    }

    /// A recording proxy in front of this server, for one test.
    pub fn proxy(&self) -> AwsProxy {
        AwsProxy::start(self.addr)
    }
}

fn roundtrip(addr: SocketAddr, request: &[u8]) -> Vec<u8> {
    let mut s = TcpStream::connect(addr).expect("connect to moto");
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    s.write_all(request).unwrap();
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    out
}

/// One AWS API call as the proxy saw it.
#[derive(Clone, Debug)]
pub struct AwsCall {
    /// `kms` or `sts` (from the credential scope).
    pub service: String,
    /// `Encrypt`, `Decrypt`, `AssumeRole`, …
    pub action: String,
    /// The access key ID that signed the request.
    pub access_key: String,
    /// The region of the signature's credential scope.
    pub region: String,
    /// The JSON body (KMS) or the form parameters as an object (STS).
    pub params: Value,
    /// moto's status code.
    pub status: u16,
}

/// A loopback HTTP/1.1 proxy that forwards every request to moto and records it.
pub struct AwsProxy {
    addr: SocketAddr,
    calls: Arc<Mutex<Vec<AwsCall>>>,
}

impl AwsProxy {
    fn start(upstream: SocketAddr) -> AwsProxy {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let calls = Arc::new(Mutex::new(Vec::new()));
        let log = calls.clone();
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                let Ok(conn) = conn else { continue };
                let log = log.clone();
                std::thread::spawn(move || serve(conn, upstream, &log));
            }
        });
        AwsProxy { addr, calls }
    }

    /// The URL to give ssp as `AWS_ENDPOINT_URL`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn calls(&self) -> Vec<AwsCall> {
        self.calls.lock().unwrap().clone()
    }

    /// `service:Action` of every call, in order.
    pub fn actions(&self) -> Vec<String> {
        self.calls().iter().map(|c| format!("{}:{}", c.service, c.action)).collect()
    }
}

/// Serves one request of a client connection: read, forward, record, answer, close (moto closes
/// after each response too, so clients reconnect for the next call).
fn serve(conn: TcpStream, upstream: SocketAddr, log: &Mutex<Vec<AwsCall>>) {
    let mut reader = BufReader::new(conn.try_clone().unwrap());
    let mut writer = conn;
    let mut request_line = String::new();
    if reader.read_line(&mut request_line).unwrap_or(0) == 0 {
        return;
    }
    let mut headers: Vec<(String, String)> = Vec::new();
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h).unwrap_or(0) == 0 {
            return;
        }
        if h == "\r\n" {
            break;
        }
        if let Some((k, v)) = h.trim_end().split_once(':') {
            headers.push((k.trim().to_ascii_lowercase(), v.trim().to_string()));
        }
    }
    let length: usize =
        headers.iter().find(|(k, _)| k == "content-length").and_then(|(_, v)| v.parse().ok()).unwrap_or(0);
    let mut body = vec![0u8; length];
    if reader.read_exact(&mut body).is_err() {
        return;
    }
    let mut forward = request_line.into_bytes();
    for (k, v) in headers.iter().filter(|(k, _)| k != "connection") {
        forward.extend_from_slice(format!("{k}: {v}\r\n").as_bytes());
    }
    forward.extend_from_slice(b"connection: close\r\n\r\n");
    forward.extend_from_slice(&body);
    let response = roundtrip(upstream, &forward);
    let status = String::from_utf8_lossy(&response).split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    log.lock().unwrap().push(describe(&headers, &body, status));
    let _ = writer.write_all(&response);
}

fn describe(headers: &[(String, String)], body: &[u8], status: u16) -> AwsCall {
    let header = |name: &str| headers.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()).unwrap_or_default();
    // Authorization: AWS4-HMAC-SHA256 Credential=AKID/DATE/REGION/SERVICE/aws4_request, …
    let auth = header("authorization");
    let scope: Vec<String> = auth
        .split("Credential=")
        .nth(1)
        .and_then(|c| c.split(',').next())
        .map(|c| c.split('/').map(str::to_string).collect())
        .unwrap_or_default();
    let part = |i: usize| scope.get(i).cloned().unwrap_or_default();
    let (action, params) = match header("x-amz-target").split_once('.') {
        Some((_, action)) => (action.to_string(), serde_json::from_slice(body).unwrap_or(Value::Null)),
        None => {
            let form: serde_json::Map<String, Value> = String::from_utf8_lossy(body)
                .split('&')
                .filter_map(|kv| kv.split_once('='))
                .map(|(k, v)| (super::percent_decode(k), Value::String(super::percent_decode(v))))
                .collect();
            let action = form.get("Action").and_then(Value::as_str).unwrap_or_default().to_string();
            (action, Value::Object(form))
        }
    };
    AwsCall { service: part(3), action, access_key: part(0), region: part(2), params, status }
}
