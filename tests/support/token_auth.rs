//! The token service of a registry with bearer-token auth (the distribution "token
//! authentication" spec that ghcr.io, Docker Hub and Harbor follow), on loopback, for
//! [`super::registry::Registry::start_with_token_auth`].
//!
//! The real registry (Debian's `docker-registry`) is configured with `auth: token` pointing here:
//! it answers an unauthenticated call with `401` and `WWW-Authenticate: Bearer realm="http://…/token",
//! service="…",scope="repository:NAME:pull,push"`; the client then asks this service for a token
//! with its user name and password (HTTP basic auth) and the scopes, and retries with
//! `Authorization: Bearer TOKEN`. The registry verifies each token itself: an RS256 JWT whose
//! `x5c` certificate chains to its `rootcertbundle`, with its `iss`, `aud` (the service), time
//! window and the `access` it grants.
//!
//! So the tokens are real: a key and a self-signed certificate made with the `openssl` CLI, the
//! signature by `openssl dgst -sha256 -sign` (no RSA crate needed for a test). The service checks
//! the password, grants exactly the scopes asked for (a wrong password gets `401`, as a real token
//! service answers), and records every request for assertions. Tokens for the test's own calls
//! ([`TokenIssuer::mint`]) are made directly.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use serde_json::json;

/// What the registry's config names this service by.
pub const SERVICE: &str = "ssp-test-registry";
pub const ISSUER: &str = "ssp-test-token-issuer";

/// One request the token service answered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TokenRequest {
    /// The user name of the basic auth it came with, if any.
    pub user: Option<String>,
    /// Whether that basic auth's password was the right one.
    pub password_ok: bool,
    /// `service=` of the query.
    pub service: String,
    /// Each `scope=` of the query, decoded (`repository:mirror/team/app:pull,push`).
    pub scopes: Vec<String>,
    /// The status answered (200 or 401).
    pub status: u16,
}

/// The running token service (its thread lives as long as the test process; it only answers).
pub struct TokenIssuer {
    dir: PathBuf,
    cert_der_b64: String,
    pub port: u16,
    user: String,
    password: String,
    requests: Arc<Mutex<Vec<TokenRequest>>>,
}

impl TokenIssuer {
    /// Makes the signing key and certificate in `dir` and starts answering on a free loopback
    /// port. `None` when the `openssl` CLI is missing.
    pub fn start(dir: &Path, user: &str, password: &str) -> Option<Arc<TokenIssuer>> {
        let made = Command::new("openssl")
            .args(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=ssp-test-token-issuer"])
            .arg("-keyout")
            .arg(dir.join("token-key.pem"))
            .arg("-out")
            .arg(dir.join("token-cert.pem"))
            .stdin(Stdio::null())
            .output()
            .ok()?;
        assert!(made.status.success(), "openssl req: {}", String::from_utf8_lossy(&made.stderr));
        let pem = std::fs::read_to_string(dir.join("token-cert.pem")).unwrap();
        // The certificate's DER, base64 (standard alphabet) as `x5c` wants it: the PEM body.
        let cert_der_b64: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
        let listener = TcpListener::bind(("127.0.0.1", 0)).unwrap();
        let issuer = Arc::new(TokenIssuer {
            dir: dir.to_path_buf(),
            cert_der_b64,
            port: listener.local_addr().unwrap().port(),
            user: user.to_string(),
            password: password.to_string(),
            requests: Arc::new(Mutex::new(Vec::new())),
        });
        let serving = issuer.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let issuer = serving.clone();
                std::thread::spawn(move || issuer.answer(stream));
            }
        });
        Some(issuer)
    }

    /// The registry config's `auth:` section for this service.
    pub fn registry_auth_yaml(&self) -> String {
        format!(
            "auth:\n  token:\n    realm: http://127.0.0.1:{}/token\n    service: {SERVICE}\n    issuer: {ISSUER}\n    rootcertbundle: {}\n",
            self.port,
            self.dir.join("token-cert.pem").display()
        )
    }

    /// Every request answered so far, oldest first.
    pub fn requests(&self) -> Vec<TokenRequest> {
        self.requests.lock().unwrap().clone()
    }

    /// A token granting `scopes` (`repository:NAME:pull,push`, `registry:catalog:*`) to the user.
    pub fn mint(&self, scopes: &[String]) -> String {
        let access: Vec<_> = scopes
            .iter()
            .filter_map(|scope| {
                let (kind, rest) = scope.split_once(':')?;
                let (name, actions) = rest.rsplit_once(':')?;
                Some(json!({"type": kind, "name": name, "actions": actions.split(',').collect::<Vec<_>>()}))
            })
            .collect();
        let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs();
        let header = json!({"typ": "JWT", "alg": "RS256", "x5c": [self.cert_der_b64]});
        let claims = json!({
            "iss": ISSUER, "sub": self.user, "aud": SERVICE,
            "exp": now + 600, "nbf": now - 60, "iat": now,
            "jti": format!("{now}-{}", rand::random::<u64>()),
            "access": access,
        });
        let b64 = |bytes: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
        let signing_input = format!("{}.{}", b64(header.to_string().as_bytes()), b64(claims.to_string().as_bytes()));
        let mut openssl = Command::new("openssl")
            .args(["dgst", "-sha256", "-sign"])
            .arg(self.dir.join("token-key.pem"))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("run openssl dgst");
        openssl.stdin.take().unwrap().write_all(signing_input.as_bytes()).unwrap();
        let signed = openssl.wait_with_output().unwrap();
        assert!(signed.status.success(), "openssl dgst: {}", String::from_utf8_lossy(&signed.stderr));
        format!("{signing_input}.{}", b64(&signed.stdout))
    }

    fn answer(&self, mut stream: std::net::TcpStream) {
        let mut reader = BufReader::new(stream.try_clone().unwrap());
        let mut request_line = String::new();
        if reader.read_line(&mut request_line).is_err() {
            return;
        }
        let mut basic = None;
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                break;
            }
            if let Some((name, value)) = line.split_once(':')
                && name.eq_ignore_ascii_case("authorization")
                && let Some(encoded) = value.trim().strip_prefix("Basic ")
            {
                let decoded = base64::engine::general_purpose::STANDARD.decode(encoded).unwrap_or_default();
                basic =
                    String::from_utf8(decoded).ok().and_then(|s| s.split_once(':').map(|(u, p)| (u.into(), p.into())));
            }
        }
        let target = request_line.split(' ').nth(1).unwrap_or_default();
        let query = target.split_once('?').map(|(_, q)| q).unwrap_or_default();
        let params: Vec<(String, String)> = query
            .split('&')
            .filter_map(|pair| pair.split_once('='))
            .map(|(k, v)| (percent_decode(k), percent_decode(v)))
            .collect();
        let service = params.iter().find(|(k, _)| k == "service").map(|(_, v)| v.clone()).unwrap_or_default();
        let scopes: Vec<String> = params.iter().filter(|(k, _)| k == "scope").map(|(_, v)| v.clone()).collect();
        let password_ok =
            basic.as_ref().is_some_and(|(u, p): &(String, String)| *u == self.user && *p == self.password);
        let status = if password_ok && service == SERVICE { 200 } else { 401 };
        self.requests.lock().unwrap().push(TokenRequest {
            user: basic.map(|(u, _)| u),
            password_ok,
            service,
            scopes: scopes.clone(),
            status,
        });
        let body = if status == 200 {
            let token = self.mint(&scopes);
            json!({"token": token, "access_token": token, "expires_in": 600}).to_string()
        } else {
            json!({"details": "incorrect username or password"}).to_string()
        };
        let reason = if status == 200 { "OK" } else { "Unauthorized" };
        let _ = write!(
            stream,
            "HTTP/1.1 {status} {reason}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        );
        let _ = stream.flush();
        // Drain what the client may still send, so it never sees a reset.
        let _ = stream.shutdown(std::net::Shutdown::Write);
        let _ = reader.read_to_end(&mut Vec::new());
    }
}

/// `%XX` and `+` of a query component decoded.
fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 3 <= bytes.len() => {
                match u8::from_str_radix(std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("zz"), 16) {
                    Ok(b) => {
                        out.push(b);
                        i += 3;
                    }
                    Err(_) => {
                        out.push(b'%');
                        i += 1;
                    }
                }
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}
