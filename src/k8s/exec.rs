//! Running a program in a pod through the API's exec (kube-rs over WebSocket, no kubectl): `ssp
//! db` runs `psql` and `pg_dump` in the database pod this way.
//!
//! Without a TTY ([`run`]): stdout and stderr relayed as they arrive, stdin (when given) fed from a
//! channel and closed at its end (v5's close signal), and the program's exit status read from the
//! `Status` kubelet sends on the error channel. With a TTY ([`run_tty`]): one output stream (a
//! terminal has no separate stderr), the local terminal's size sent on the resize channel.
//! Everything is streamed with bounded buffers: a dump of any size passes through a few hundred
//! KiB. Ctrl-C/SIGTERM ([`crate::platform::interrupt`]) ends the exec with [`ExecError::Interrupted`].

use ::kube::Client;
use ::kube::api::{Api, AttachParams, AttachedProcess, ListParams, TerminalSize};
use k8s_openapi::api::core::v1::Pod;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Status;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt, BufReader};

use futures::task::AtomicWaker;
use tokio::sync::mpsc;

use crate::platform::interrupt;

/// What an exec's stdin is fed from: chunks, an error (a local read failed), the end of input
/// when the sender is dropped.
pub type Input = mpsc::Receiver<std::io::Result<Vec<u8>>>;

/// The buffer between the WebSocket and each local stream (kube-rs' default is 1 KiB, which makes
/// a 100 MB dump crawl).
const STREAM_BUFFER: usize = 256 * 1024;

/// Why an exec did not yield an exit status.
#[derive(Debug, thiserror::Error)]
pub enum ExecError {
    #[error("no running pod matches {selector} in namespace {namespace}")]
    NoPod { namespace: String, selector: String },
    #[error("pod {pod} has no container {container} (it has {})", containers.join(", "))]
    NoContainer { pod: String, container: String, containers: Vec<String> },
    #[error("Kubernetes API call failed: {0}")]
    Api(#[from] ::kube::Error),
    #[error("the exec in pod {pod} failed: {message}")]
    Failed { pod: String, message: String },
    #[error("cannot relay the exec's output: {0}")]
    Io(#[from] std::io::Error),
    #[error("cannot read the input: {0}")]
    Input(std::io::Error),
    #[error("interrupted")]
    Interrupted,
}

/// Where an exec runs.
#[derive(Clone, Copy)]
pub struct ExecTarget<'a> {
    pub client: &'a Client,
    pub namespace: &'a str,
    pub pod: &'a str,
    pub container: &'a str,
}

/// The first running pod (by name) matching `selector` in `namespace`, and the container to run
/// in: `container` when the pod has it, else the pod's only container (a pod with several and
/// none of that name is an error naming them).
pub async fn running_pod(
    client: &Client,
    namespace: &str,
    selector: &str,
    container: &str,
) -> Result<(String, String), ExecError> {
    let pods: Api<Pod> = Api::namespaced(client.clone(), namespace);
    let mut running: Vec<(String, Vec<String>)> = pods
        .list(&ListParams::default().labels(selector))
        .await?
        .items
        .into_iter()
        .filter(|p| p.metadata.deletion_timestamp.is_none())
        .filter(|p| p.status.as_ref().and_then(|s| s.phase.as_deref()) == Some("Running"))
        .filter_map(|p| {
            let containers = p.spec.map(|s| s.containers.into_iter().map(|c| c.name).collect()).unwrap_or_default();
            Some((p.metadata.name?, containers))
        })
        .collect();
    running.sort();
    let Some((pod, containers)) = running.into_iter().next() else {
        return Err(ExecError::NoPod { namespace: namespace.into(), selector: selector.into() });
    };
    if containers.iter().any(|c| c == container) {
        return Ok((pod, container.to_string()));
    }
    match containers.as_slice() {
        [only] => Ok((pod, only.clone())),
        _ => Err(ExecError::NoContainer { pod, container: container.into(), containers }),
    }
}

/// The exit code a `Status` from the error channel carries: 0 on `Success`, the `ExitCode`
/// cause on `NonZeroExitCode`; any other failure (the program could not start) is an error.
pub fn exit_code(pod: &str, status: &Status) -> Result<i32, ExecError> {
    if status.status.as_deref() == Some("Success") {
        return Ok(0);
    }
    let cause = status
        .details
        .as_ref()
        .and_then(|d| d.causes.as_ref())
        .and_then(|cs| cs.iter().find(|c| c.reason.as_deref() == Some("ExitCode")))
        .and_then(|c| c.message.as_deref())
        .and_then(|m| m.parse::<i32>().ok());
    match cause {
        Some(code) if status.reason.as_deref() == Some("NonZeroExitCode") => Ok(code),
        _ => Err(ExecError::Failed {
            pod: pod.into(),
            message: status.message.clone().unwrap_or_else(|| format!("{status:?}")),
        }),
    }
}

/// Runs `command` without a TTY: `stdin` (when given) fed to it and closed at its end, its stdout
/// and stderr copied to `stdout` and `stderr` as they arrive; returns its exit code.
pub async fn run(
    target: ExecTarget<'_>,
    command: Vec<String>,
    stdin: Option<Input>,
    stdout: impl AsyncWrite + Unpin,
    stderr: impl AsyncWrite + Unpin,
) -> Result<i32, ExecError> {
    let params = AttachParams::default().stdin(stdin.is_some()).stdout(true).stderr(true);
    interruptible(async {
        let attached = attach(target, command, params).await?;
        session(target.pod, attached, stdin, stdout, Some(stderr), None).await
    })
    .await
}

/// Runs `command` on a TTY in the container (as `kubectl exec -it`): `stdin` is what the user
/// types (raw bytes: Ctrl-C is 0x03, which the pod's terminal turns into SIGINT for the
/// program), the one output stream goes to `stdout`, and each `(width, height)` from `sizes` is
/// sent on the resize channel. Returns the program's exit code.
pub async fn run_tty(
    target: ExecTarget<'_>,
    command: Vec<String>,
    stdin: Input,
    sizes: mpsc::Receiver<(u16, u16)>,
    stdout: impl AsyncWrite + Unpin,
) -> Result<i32, ExecError> {
    let params = AttachParams::interactive_tty();
    interruptible(async {
        let attached = attach(target, command, params).await?;
        session(target.pod, attached, Some(stdin), stdout, None::<tokio::io::Sink>, Some(sizes)).await
    })
    .await
}

async fn interruptible<T>(work: impl Future<Output = Result<T, ExecError>>) -> Result<T, ExecError> {
    let token = interrupt::token();
    tokio::select! {
        result = work => result,
        _ = token.cancelled() => Err(ExecError::Interrupted),
    }
}

async fn attach(
    target: ExecTarget<'_>,
    command: Vec<String>,
    params: AttachParams,
) -> Result<AttachedProcess, ExecError> {
    let pods: Api<Pod> = Api::namespaced(target.client.clone(), target.namespace);
    let params = params
        .container(target.container)
        .max_stdin_buf_size(STREAM_BUFFER)
        .max_stdout_buf_size(STREAM_BUFFER)
        .max_stderr_buf_size(STREAM_BUFFER);
    Ok(pods.exec(target.pod, command, &params).await?)
}

/// Relays one attached process's streams until it ends, then reads its exit code.
async fn session(
    pod: &str,
    mut attached: AttachedProcess,
    stdin: Option<Input>,
    stdout: impl AsyncWrite + Unpin,
    stderr: Option<impl AsyncWrite + Unpin>,
    sizes: Option<mpsc::Receiver<(u16, u16)>>,
) -> Result<i32, ExecError> {
    let status = attached.take_status();
    let feed = feed(stdin, attached.stdin());
    let resize = resize(sizes, attached.terminal_size());
    let ended = Arc::new(Ended::default());
    let (out, err) =
        (attached.stdout().map(|r| UntilEnded::new(r, &ended)), attached.stderr().map(|r| UntilEnded::new(r, &ended)));
    // kube-rs' task marks the end of the output by shutting its pipes, but not when it ends on an
    // error (a send to a server that has already closed: the program ended while ssp was still
    // sending stdin). Its status channel resolves either way (the status, the last message, or
    // the task gone), and then the readers end where their pipes run dry (see `UntilEnded`).
    let status = async {
        let status = match status {
            Some(s) => s.await,
            None => None,
        };
        ended.set();
        status
    };
    let streams = async {
        let relays = async {
            let (a, b) = tokio::join!(relay(out, Some(stdout)), relay(err, stderr));
            a.and(b)
        };
        tokio::pin!(relays);
        // The output ends when the program does; the input may end first (then the output is
        // still awaited) or never (a terminal, a pipe nobody closes: dropped once the program has
        // ended).
        tokio::select! {
            done = &mut relays => done?,
            (fed, ()) = async { tokio::join!(feed, resize) } => {
                fed?;
                relays.await?;
            }
        }
        Ok::<(), ExecError>(())
    };
    let (streams, status) = tokio::join!(streams, status);
    streams?;
    let _ = attached.join().await;
    match status {
        Some(status) => exit_code(pod, &status),
        None => {
            Err(ExecError::Failed { pod: pod.into(), message: "the connection ended without an exit status".into() })
        }
    }
}

/// Copies `input` into the exec's stdin, then closes it (kube-rs sends v5's close signal). A
/// write error means the program has ended (its output says how): not an error of the feed.
async fn feed(input: Option<Input>, to: Option<impl AsyncWrite + Unpin>) -> Result<(), ExecError> {
    let (Some(mut input), Some(mut to)) = (input, to) else {
        return Ok(());
    };
    while let Some(chunk) = input.recv().await {
        let chunk = chunk.map_err(ExecError::Input)?;
        if to.write_all(&chunk).await.is_err() {
            return Ok(());
        }
    }
    let _ = to.shutdown().await;
    Ok(())
}

/// Sends each terminal size on the exec's resize channel.
async fn resize(sizes: Option<mpsc::Receiver<(u16, u16)>>, to: Option<futures::channel::mpsc::Sender<TerminalSize>>) {
    use futures::SinkExt as _;
    let (Some(mut sizes), Some(mut to)) = (sizes, to) else {
        return;
    };
    while let Some((width, height)) = sizes.recv().await {
        if to.send(TerminalSize { width, height }).await.is_err() {
            return;
        }
    }
}

/// Set when kube-rs' task for the exec has ended: no more output will come.
#[derive(Default)]
struct Ended {
    flag: AtomicBool,
    readers: std::sync::Mutex<Vec<Arc<AtomicWaker>>>,
}

impl Ended {
    fn set(&self) {
        self.flag.store(true, Ordering::SeqCst);
        for reader in self.readers.lock().unwrap_or_else(|e| e.into_inner()).iter() {
            reader.wake();
        }
    }
}

/// An output stream of the exec that ends where kube-rs' pipe does, or, once its task has ended,
/// where the pipe has nothing more buffered. (Its in-memory pipe signals the end only when the
/// writer shuts it, which the task skips when it stops on an error; dropping the writer does not.)
struct UntilEnded<R> {
    inner: R,
    ended: Arc<Ended>,
    waker: Arc<AtomicWaker>,
}

impl<R> UntilEnded<R> {
    fn new(inner: R, ended: &Arc<Ended>) -> Self {
        let waker = Arc::new(AtomicWaker::new());
        ended.readers.lock().unwrap_or_else(|e| e.into_inner()).push(waker.clone());
        UntilEnded { inner, ended: ended.clone(), waker }
    }
}

impl<R: AsyncRead + Unpin> AsyncRead for UntilEnded<R> {
    fn poll_read(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        let this = &mut *self;
        match std::pin::Pin::new(&mut this.inner).poll_read(cx, buf) {
            std::task::Poll::Pending => {
                // Registered before the check, so an end set in between still wakes this read.
                this.waker.register(cx.waker());
                if this.ended.flag.load(Ordering::SeqCst) {
                    std::task::Poll::Ready(Ok(()))
                } else {
                    std::task::Poll::Pending
                }
            }
            ready => ready,
        }
    }
}

/// Copies one output stream of the exec to its local destination, through a bounded buffer.
async fn relay(from: Option<impl AsyncRead + Unpin>, to: Option<impl AsyncWrite + Unpin>) -> std::io::Result<()> {
    let Some(from) = from else {
        return Ok(());
    };
    let mut from = BufReader::with_capacity(STREAM_BUFFER, from);
    match to {
        Some(mut to) => {
            tokio::io::copy_buf(&mut from, &mut to).await?;
            to.flush().await
        }
        None => tokio::io::copy_buf(&mut from, &mut tokio::io::sink()).await.map(drop),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(json: serde_json::Value) -> Status {
        serde_json::from_value(json).unwrap()
    }

    #[test]
    fn exit_codes_come_from_kubelets_status() {
        assert_eq!(exit_code("p", &status(serde_json::json!({"metadata": {}, "status": "Success"}))).unwrap(), 0);
        let failed = status(serde_json::json!({"metadata": {}, "status": "Failure", "reason": "NonZeroExitCode",
            "message": "command terminated with non-zero exit code", "details": {"causes": [{"reason": "ExitCode", "message": "3"}]}}));
        assert_eq!(exit_code("p", &failed).unwrap(), 3);
        let internal = status(serde_json::json!({"metadata": {}, "status": "Failure", "reason": "InternalError",
            "message": "exec: \"psql\": executable file not found in $PATH"}));
        let err = exit_code("db-0", &internal).unwrap_err().to_string();
        assert_eq!(err, "the exec in pod db-0 failed: exec: \"psql\": executable file not found in $PATH");
    }
}
