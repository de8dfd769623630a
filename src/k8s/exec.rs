//! Running a program in a pod through the API's exec (kube-rs over WebSocket, no kubectl): `ssp
//! db` runs `psql` and `pg_dump` in the database pod this way.
//!
//! Without a TTY ([`run`]): stdout and stderr relayed as they arrive, stdin (when given) fed from a
//! channel and closed at its end (v5's close signal), and the program's exit status read from the
//! `Status` kubelet sends on the error channel. With a TTY ([`run_tty`]): one output stream (a
//! terminal has no separate stderr), the local terminal's size sent on the resize channel.
//! Each frame's payload goes to its destination as it arrives (stdout through one 256 KiB buffer,
//! written whenever no further frame is ready): a dump of any size passes through that buffer and
//! a frame or two of memory. Ctrl-C/SIGTERM ([`crate::platform::interrupt`]) ends the
//! exec with [`ExecError::Interrupted`].

use ::kube::api::{Api, AttachParams, ListParams};
use ::kube::client::Connection;
use ::kube::core::Request;
use ::kube::{Client, Resource};
use futures::{SinkExt, StreamExt};
use k8s_openapi::api::core::v1::Pod;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Status;
use tokio::io::{AsyncWrite, AsyncWriteExt};
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message;

use crate::platform::interrupt;

/// What an exec's stdin is fed from: chunks, an error (a local read failed), the end of input
/// when the sender is dropped.
pub type Input = mpsc::Receiver<std::io::Result<Vec<u8>>>;

// The channels of `v4.channel.k8s.io` / `v5.channel.k8s.io`: each binary frame starts with one.
const STDIN: u8 = 0;
const STDOUT: u8 = 1;
const STDERR: u8 = 2;
/// The error channel: kubelet's `Status` of the ended program.
const STATUS: u8 = 3;
const RESIZE: u8 = 4;
/// v5 only: `[CLOSE, channel]` closes that stream (stdin's end of input).
const CLOSE: u8 = 255;
/// How often an open exec is pinged, as kube-rs does.
const PING_EVERY: std::time::Duration = std::time::Duration::from_secs(60);
/// The program's stdout is gathered up to this much and written when no further frame is ready:
/// a frame holds one read of kubelet's (pg_dump's output arrives ~10 KB at a time), and a write
/// per frame was 8,100 system calls for a 90 MB dump, against ~400 this way.
const OUTPUT_BUFFER: usize = 256 * 1024;

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
    /// Under `v4.channel.k8s.io` (an API server before Kubernetes 1.30) the end of the input can
    /// only be sent by closing the connection, and the exit status cannot come back after that.
    #[error(
        "the program in pod {pod} got all of its input, but its exit status could not come back: the API server \
         speaks exec only as v4.channel.k8s.io (Kubernetes before 1.30), where the end of the input closes the \
         connection"
    )]
    StatusLostOverV4 { pod: String },
    #[error("the exec's connection failed: {0}")]
    Connection(Box<tokio_tungstenite::tungstenite::Error>),
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

/// Opens the exec's WebSocket (kube-rs builds the request and negotiates `v5.channel.k8s.io`,
/// falling back to `v4.channel.k8s.io`).
async fn attach(target: ExecTarget<'_>, command: Vec<String>, params: AttachParams) -> Result<Connection, ExecError> {
    let params = params.container(target.container);
    let mut request = Request::new(Pod::url_path(&(), Some(target.namespace)))
        .exec(target.pod, command, &params)
        .map_err(|err| ExecError::Api(::kube::Error::BuildRequest(err)))?;
    request.extensions_mut().insert("exec");
    Ok(target.client.connect(request).await?)
}

/// Relays one exec's streams until the program ends, and returns its exit code.
///
/// The protocol is spoken here, over the WebSocket kube-rs opened, rather than through kube-rs'
/// `AttachedProcess`: when a send of stdin failed because the program had already ended (psql
/// stopping at a script's first error), that one's task ended without passing on the exit status.
/// Here one task writes each frame's payload to its destination (stdout through one buffer that
/// is written out whenever no further frame is ready), and the output is read to the status
/// whatever happened to the input.
async fn session(
    pod: &str,
    connection: Connection,
    stdin: Option<Input>,
    stdout: impl AsyncWrite + Unpin,
    mut stderr: Option<impl AsyncWrite + Unpin>,
    sizes: Option<mpsc::Receiver<(u16, u16)>>,
) -> Result<i32, ExecError> {
    let mut stdout = tokio::io::BufWriter::with_capacity(OUTPUT_BUFFER, stdout);
    let closes_stdin = connection.supports_stream_close();
    let (sink, mut frames) = connection.into_stream().split();
    // Set when v4's only end of input, closing the connection, was sent.
    let input_closed_connection = std::cell::Cell::new(false);
    let outgoing = async {
        if let Err(err) = outgoing(sink, stdin, sizes, closes_stdin, &input_closed_connection).await {
            return err;
        }
        // Nothing more can be sent: the output decides the end.
        std::future::pending().await
    };
    let incoming = async {
        let mut unflushed = false;
        loop {
            // What was written is flushed whenever no further frame is ready (a prompt without
            // a newline shows at once; a dump is not flushed frame by frame).
            let message = match futures::poll!(frames.next()) {
                std::task::Poll::Ready(message) => message,
                std::task::Poll::Pending => {
                    if std::mem::take(&mut unflushed) {
                        flush(&mut stdout, &mut stderr).await?;
                    }
                    frames.next().await
                }
            };
            let Some(message) = message else { break };
            let Message::Binary(frame) = message.map_err(|err| ExecError::Connection(Box::new(err)))? else {
                // Pings are answered by the WebSocket itself; the protocol sends nothing else.
                continue;
            };
            // A frame of only its channel number opens each stream: nothing to relay.
            let Some((&channel, payload)) = frame.split_first().filter(|(_, p)| !p.is_empty()) else {
                continue;
            };
            unflushed = true;
            match channel {
                STDOUT => stdout.write_all(payload).await?,
                STDERR => {
                    if let Some(stderr) = stderr.as_mut() {
                        // What stdout holds came first (both may be one terminal).
                        if !stdout.buffer().is_empty() {
                            stdout.flush().await?;
                        }
                        stderr.write_all(payload).await?;
                    }
                }
                STATUS => {
                    // kubelet's last word: the output has all been sent before it.
                    let status: Status = serde_json::from_slice(payload).map_err(|err| ExecError::Failed {
                        pod: pod.into(),
                        message: format!("unreadable status from the API ({err})"),
                    })?;
                    return Ok(Some(status));
                }
                _ => {}
            }
        }
        Ok::<_, ExecError>(None)
    };
    let status = tokio::select! {
        status = incoming => status?,
        err = outgoing => return Err(err),
    };
    flush(&mut stdout, &mut stderr).await?;
    match status {
        Some(status) => exit_code(pod, &status),
        None if input_closed_connection.get() => Err(ExecError::StatusLostOverV4 { pod: pod.into() }),
        None => {
            Err(ExecError::Failed { pod: pod.into(), message: "the connection ended without an exit status".into() })
        }
    }
}

async fn flush(
    stdout: &mut (impl AsyncWrite + Unpin),
    stderr: &mut Option<impl AsyncWrite + Unpin>,
) -> std::io::Result<()> {
    stdout.flush().await?;
    if let Some(stderr) = stderr.as_mut() {
        stderr.flush().await?;
    }
    Ok(())
}

/// Sends what goes to the program: stdin's chunks and then its end, each terminal size, and a
/// ping a minute (as kube-rs does, so that an idle `db shell` is not cut by a proxy). A failed
/// send means the program has ended or the connection is gone (the output says which): sending
/// stops, and only a local read error of the input is an error.
async fn outgoing(
    mut sink: impl futures::Sink<Message> + Unpin,
    mut stdin: Option<Input>,
    mut sizes: Option<mpsc::Receiver<(u16, u16)>>,
    closes_stdin: bool,
    input_closed_connection: &std::cell::Cell<bool>,
) -> Result<(), ExecError> {
    let mut ping = tokio::time::interval_at(tokio::time::Instant::now() + PING_EVERY, PING_EVERY);
    ping.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let framed = |channel: u8, bytes: &[u8]| {
        let mut frame = Vec::with_capacity(bytes.len() + 1);
        frame.push(channel);
        frame.extend_from_slice(bytes);
        Message::binary(frame)
    };
    loop {
        let sent = tokio::select! {
            chunk = async { stdin.as_mut().expect("checked").recv().await }, if stdin.is_some() => match chunk {
                Some(chunk) => {
                    let chunk = chunk.map_err(ExecError::Input)?;
                    if chunk.is_empty() { continue }
                    sink.send(framed(STDIN, &chunk)).await
                }
                None => {
                    stdin = None;
                    if closes_stdin {
                        // v5: the program's stdin is closed, the rest of the connection stays.
                        sink.send(Message::binary(vec![CLOSE, STDIN])).await
                    } else {
                        // v4 cannot close one stream: closing the connection is its end of input.
                        input_closed_connection.set(true);
                        sink.close().await
                    }
                }
            },
            size = async { sizes.as_mut().expect("checked").recv().await }, if sizes.is_some() => match size {
                Some((width, height)) => {
                    let size = serde_json::json!({"Width": width, "Height": height}).to_string();
                    sink.send(framed(RESIZE, size.as_bytes())).await
                }
                None => {
                    sizes = None;
                    Ok(())
                }
            },
            _ = ping.tick() => sink.send(Message::Ping(Default::default())).await,
        };
        if sent.is_err() {
            return Ok(());
        }
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
