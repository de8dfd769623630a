//! Streaming HTTP downloads: the body goes to a file chunk by chunk while it is hashed, so memory
//! stays flat whatever the asset's size. Transient failures (connection errors, resets, 5xx,
//! truncated bodies) are retried with exponential backoff a bounded number of times.

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use futures::StreamExt;
use sha2::{Digest, Sha256};
use tokio::io::AsyncWriteExt;

use crate::platform::interrupt;
use crate::platform::output::{Output, Progress};

/// How often, and how patiently, a download is retried.
#[derive(Clone, Copy, Debug)]
pub struct RetryPolicy {
    /// Attempts in all (the first one included).
    pub attempts: u32,
    /// Wait before the second attempt; doubled before each further one.
    pub first_wait: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy { attempts: 4, first_wait: Duration::from_millis(500) }
    }
}

/// What a finished download produced.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fetched {
    /// Lower-case hex SHA-256 of the bytes written.
    pub sha256: String,
    pub bytes: u64,
}

/// Why a download failed.
#[derive(Debug, thiserror::Error)]
pub enum DownloadError {
    #[error(
        "{url} does not exist (HTTP 404): {what} is not published there\nhint: check the version and URL in [tools] of ssp.toml, and that the mirror (tools.mirror / --mirror) carries this release"
    )]
    NotFound { url: String, what: String },
    #[error(
        "{url} answered HTTP {status} for {what}\nhint: check the URL in [tools] of ssp.toml and the mirror's access rules"
    )]
    Refused { url: String, what: String, status: u16 },
    #[error(
        "downloading {url} failed after {attempts} attempts; the last error: {last}\nhint: check the network and proxy settings (HTTPS_PROXY, NO_PROXY), or point tools.mirror / --mirror at a reachable mirror"
    )]
    GaveUp { url: String, attempts: u32, last: String },
    #[error("cannot write the download of {url} to {}: {error}", .path.display())]
    Write { url: String, path: PathBuf, error: std::io::Error },
    #[error("cannot build the HTTP client: {0}")]
    Client(String),
    #[error("interrupted")]
    Interrupted,
}

/// One failed attempt: worth retrying or not.
enum Attempt {
    Retry(String),
    Fatal(DownloadError),
}

/// Downloads files over HTTP(S), proxies taken from the environment.
#[derive(Clone)]
pub struct Downloader {
    /// Built at the first download, shared by the clones: building it (TLS roots, proxy settings)
    /// costs more than a dry run or an install with every tool at its pin does in all.
    client: Arc<OnceLock<Result<reqwest::Client, String>>>,
    retry: RetryPolicy,
    output: Output,
}

impl Downloader {
    /// A downloader; its HTTP client is built when the first download starts.
    pub fn new(output: Output, retry: RetryPolicy) -> Result<Downloader, DownloadError> {
        Ok(Downloader { client: Arc::new(OnceLock::new()), retry, output })
    }

    fn client(&self) -> Result<&reqwest::Client, DownloadError> {
        self.client
            .get_or_init(|| {
                // The commands that download install the ring provider; library callers (tests,
                // benches) may not have.
                let _ = rustls::crypto::ring::default_provider().install_default();
                reqwest::Client::builder()
                    .user_agent(concat!("ssp/", env!("CARGO_PKG_VERSION")))
                    .connect_timeout(Duration::from_secs(30))
                    // A stalled connection (no bytes for this long) counts as a transient failure.
                    .read_timeout(Duration::from_secs(60))
                    .build()
                    .map_err(|e| e.to_string())
            })
            .as_ref()
            .map_err(|e| DownloadError::Client(e.clone()))
    }

    /// Downloads `url` into `path` (created or truncated), hashing as it goes. `what` names the
    /// download in messages and labels its progress bar ("k3d v5.8.3").
    pub async fn fetch(&self, url: &str, path: &Path, what: &str) -> Result<Fetched, DownloadError> {
        let token = interrupt::token();
        let mut progress: Option<Progress> = None;
        let mut attempt = 1;
        loop {
            let result = tokio::select! {
                r = self.attempt(url, path, what, &mut progress) => r,
                _ = token.cancelled() => return Err(DownloadError::Interrupted),
            };
            match result {
                Ok(fetched) => {
                    if let Some(p) = progress {
                        p.finish(
                            crate::platform::output::Mark::Note,
                            format!("{what}: {} downloaded", human(fetched.bytes)),
                        );
                    }
                    return Ok(fetched);
                }
                Err(Attempt::Fatal(err)) => return Err(err),
                Err(Attempt::Retry(why)) if attempt >= self.retry.attempts => {
                    return Err(DownloadError::GaveUp { url: url.to_string(), attempts: attempt, last: why });
                }
                Err(Attempt::Retry(why)) => {
                    let wait = self.retry.first_wait * 2u32.pow(attempt - 1);
                    self.output.warn(format!(
                        "{what}: {why}; retrying in {} (attempt {} of {})",
                        humantime::format_duration(wait),
                        attempt + 1,
                        self.retry.attempts
                    ));
                    tokio::select! {
                        _ = tokio::time::sleep(wait) => {}
                        _ = token.cancelled() => return Err(DownloadError::Interrupted),
                    }
                    attempt += 1;
                }
            }
        }
    }

    async fn attempt(
        &self,
        url: &str,
        path: &Path,
        what: &str,
        progress: &mut Option<Progress>,
    ) -> Result<Fetched, Attempt> {
        self.output.verbose(format!("GET {url}"));
        let client = self.client().map_err(Attempt::Fatal)?;
        let response = client.get(url).send().await.map_err(|e| Attempt::Retry(describe(&e)))?;
        let status = response.status();
        if status == reqwest::StatusCode::NOT_FOUND {
            return Err(Attempt::Fatal(DownloadError::NotFound { url: url.to_string(), what: what.to_string() }));
        }
        if status.is_server_error()
            || status == reqwest::StatusCode::REQUEST_TIMEOUT
            || status == reqwest::StatusCode::TOO_MANY_REQUESTS
        {
            return Err(Attempt::Retry(format!("HTTP {} from {url}", status.as_u16())));
        }
        if !status.is_success() {
            return Err(Attempt::Fatal(DownloadError::Refused {
                url: url.to_string(),
                what: what.to_string(),
                status: status.as_u16(),
            }));
        }
        let expected_len = response.content_length();
        let bar = progress.get_or_insert_with(|| self.output.progress(what.to_string(), expected_len, true));
        if let Some(len) = expected_len {
            bar.set_length(len);
        }
        bar.set_position(0);

        let write_error =
            |error| Attempt::Fatal(DownloadError::Write { url: url.to_string(), path: path.to_path_buf(), error });
        let file = tokio::fs::File::create(path).await.map_err(write_error)?;
        let mut file = tokio::io::BufWriter::with_capacity(256 * 1024, file);
        let mut hasher = Sha256::new();
        let mut received: u64 = 0;
        let mut body = response.bytes_stream();
        while let Some(chunk) = body.next().await {
            let chunk = chunk.map_err(|e| {
                Attempt::Retry(format!("the connection broke after {} ({})", human(received), describe(&e)))
            })?;
            hasher.update(&chunk);
            file.write_all(&chunk).await.map_err(write_error)?;
            received += chunk.len() as u64;
            bar.set_position(received);
        }
        file.flush().await.map_err(write_error)?;
        file.into_inner().sync_all().await.map_err(write_error)?;
        if let Some(len) = expected_len
            && received < len
        {
            return Err(Attempt::Retry(format!("the body ended after {} of {}", human(received), human(len))));
        }
        Ok(Fetched { sha256: hex(&hasher.finalize()), bytes: received })
    }
}

fn human(bytes: u64) -> String {
    indicatif::HumanBytes(bytes).to_string()
}

/// A reqwest error with its causes (reqwest's own text is often just "error sending request").
fn describe(err: &reqwest::Error) -> String {
    let mut text = err.to_string();
    let mut source = std::error::Error::source(err);
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

/// Lower-case hex of a digest.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
