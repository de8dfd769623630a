//! Pod exec over WebSocket, as kube-rs' `Api::<Pod>::exec` speaks it.
//!
//! Protocol (kube-rs `kube-client/src/api/remote_command.rs` and `client/upgrade.rs`; kubelet
//! `pkg/kubelet/cri/streaming/remotecommand/{websocket,httpstream,exec}.go`; the channel
//! numbers in apimachinery `pkg/util/remotecommand/constants.go`): the client `GET`s
//! `pods/<name>/exec?command=a&command=b&container=c&stdin=true&stdout=true&stderr=true&tty=false`
//! with a WebSocket upgrade offering `v5.channel.k8s.io, v4.channel.k8s.io`; the server picks the
//! first it serves in the client's order (v5, else v4). Every binary frame starts with its
//! channel: 0 stdin (client → server), 1 stdout, 2 stderr, 3 error, 4 resize (`{"Width":…,
//! "Height":…}`, client → server, TTY only). v5 adds 255, the close signal: `[255, 0]` is the
//! client's end of stdin. Under v4 the client has no way to end stdin but closing the WebSocket,
//! which the double takes as end of stdin too (kubelet then tears the stream down; the double
//! still lets the command finish).
//!
//! When the command ends (and its stdout and stderr are drained), the server writes the `Status`
//! on channel 3 and closes: `{"metadata":{},"status":"Success"}` for exit 0; for another exit code
//! kubelet's `NonZeroExitCode` failure, the code as the message of the `ExitCode` cause (which is
//! where kubectl and kube-rs users read it; the human message follows kubelet's wording, its
//! tail — the runtime's error text — is the double's):
//! `{"metadata":{},"status":"Failure","message":"command terminated with non-zero exit code: …",
//! "reason":"NonZeroExitCode","details":{"causes":[{"reason":"ExitCode","message":"3"}]}}`.
//! A command the container cannot start is an `InternalError` status on channel 3.
//!
//! What runs: the [`ExecHandler`] the test registered for the pod with
//! [`super::ApiHandle::set_exec_handler`] maps the call to a local process (e.g.
//! [`crate::support::postgres::Postgres::exec_handler`]: `psql` against the test's PostgreSQL);
//! without a TTY its stdin, stdout and stderr are piped through the channels. With `tty=true` it
//! runs as the container runtime runs it: on a pseudo-terminal (its stdin, stdout and stderr and
//! controlling terminal, in a session of its own, `TERM=xterm` as containerd sets), so there is
//! one output stream, sent on stdout's channel (kube-rs refuses `tty` with `stderr`; a terminal
//! has no separate stderr), input bytes go through the terminal's line discipline (0x03 is SIGINT
//! for the program), and each resize frame is recorded and applied to the terminal
//! (`TIOCSWINSZ`, which sends the program SIGWINCH). Without a handler the exec fails as the
//! runtime fails an exec of a missing program. Validation errors (no command, no stream, unknown container, several
//! containers and none named) are the apiserver's 400s, before the upgrade.

use std::sync::Arc;

use futures::StreamExt;
use http::{Request, Response};
use hyper::body::Incoming;
use serde_json::{Value, json};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;

use super::http::{Body, Target, error_response, route};
use super::resources;
use super::store::{ApiError, Shared, query_pairs};

pub const STDIN: u8 = 0;
pub const STDOUT: u8 = 1;
pub const STDERR: u8 = 2;
pub const ERROR: u8 = 3;
pub const RESIZE: u8 = 4;
/// v5's close signal: `[CLOSE, STDIN]` ends the command's stdin.
pub const CLOSE: u8 = 255;

/// One exec request, as the handler sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExecCall {
    pub namespace: String,
    pub pod: String,
    pub container: String,
    pub command: Vec<String>,
    pub stdin: bool,
    pub stdout: bool,
    pub stderr: bool,
    pub tty: bool,
    /// The subprotocol the double picked (`v5.channel.k8s.io` or `v4.channel.k8s.io`).
    pub protocol: String,
}

/// Maps an exec to the local process that plays it, or to the runtime's error message.
pub type ExecHandler = Arc<dyn Fn(&ExecCall) -> Result<std::process::Command, String> + Send + Sync>;

/// A finished (or running) exec, for assertions: the call and the resize frames received.
#[derive(Clone, Debug)]
pub struct ExecRecord {
    pub call: ExecCall,
    pub resizes: Vec<(u16, u16)>,
    /// The exit code, once the command ended (`None` while running or when it never started).
    pub exit_code: Option<i32>,
}

const PROTOCOLS: [&str; 2] = ["v5.channel.k8s.io", "v4.channel.k8s.io"];

pub async fn upgrade(shared: Arc<Shared>, mut req: Request<Incoming>) -> Response<Body> {
    let path = req.uri().path().to_string();
    let (ns, name) = match route(&path) {
        Ok(Target::Resource(r)) if r.rt.kind == "Pod" && r.subresource.as_deref() == Some("exec") => {
            (r.namespace.unwrap_or_default(), r.name.unwrap_or_default())
        }
        Ok(_) | Err(_) => return error_response(&ApiError::unknown_path()),
    };
    let pods = resources::lookup("pods").expect("pods");
    let Some(pod) = shared.lock().get(pods, &ns, &name).cloned() else {
        return error_response(&ApiError::not_found(pods, &name));
    };
    let query = query_pairs(req.uri().query().unwrap_or_default());
    let flag = |k: &str| query.iter().any(|(key, v)| key == k && (v == "true" || v == "1"));
    let command: Vec<String> = query.iter().filter(|(k, _)| k == "command").map(|(_, v)| v.clone()).collect();
    let (stdin, stdout, stderr, tty) = (flag("stdin"), flag("stdout"), flag("stderr"), flag("tty"));
    if !(stdin || stdout || stderr) {
        return error_response(&ApiError::bad_request("you must specify at least 1 of stdin, stdout, stderr"));
    }
    if command.is_empty() {
        return error_response(&ApiError::bad_request("you must specify at least one command for the container"));
    }
    let containers: Vec<String> = pod
        .pointer("/spec/containers")
        .and_then(Value::as_array)
        .map(|cs| cs.iter().filter_map(|c| c.get("name").and_then(Value::as_str).map(str::to_string)).collect())
        .unwrap_or_default();
    let container = match query.iter().find(|(k, _)| k == "container").map(|(_, v)| v.clone()) {
        Some(c) if containers.contains(&c) => c,
        Some(c) => {
            return error_response(&ApiError::bad_request(format!("container {c} is not valid for pod {name}")));
        }
        None if containers.len() == 1 => containers[0].clone(),
        None => {
            return error_response(&ApiError::bad_request(format!(
                "a container name must be specified for pod {name}, choose one of: [{}]",
                containers.join(" ")
            )));
        }
    };
    let served = shared.lock().exec_protocols.clone().unwrap_or_else(|| PROTOCOLS.to_vec());
    let (protocol, key) = match super::websocket::negotiate(&req, &served) {
        Ok(accepted) => accepted,
        Err(err) => return error_response(&err),
    };
    let call = ExecCall {
        namespace: ns.clone(),
        pod: name.clone(),
        container,
        command,
        stdin,
        stdout,
        stderr,
        tty,
        protocol: protocol.clone(),
    };
    let handler = shared.lock().exec_handlers.get(&(ns, name)).cloned();
    super::websocket::accept(&mut req, protocol, key, move |ws| run(ws, shared, call, handler))
}

fn frame(channel: u8, bytes: &[u8]) -> Message {
    let mut v = Vec::with_capacity(bytes.len() + 1);
    v.push(channel);
    v.extend_from_slice(bytes);
    Message::binary(v)
}

/// The `Status` kubelet writes on the error channel for an exit code.
pub fn exit_status(command: &[String], code: i32) -> Value {
    if code == 0 {
        return json!({"metadata": {}, "status": "Success"});
    }
    json!({
        "metadata": {},
        "status": "Failure",
        "message": format!(
            "command terminated with non-zero exit code: error executing command [{}], exit code {code}",
            command.join(" ")
        ),
        "reason": "NonZeroExitCode",
        "details": {"causes": [{"reason": "ExitCode", "message": code.to_string()}]}
    })
}

fn internal_error(message: &str) -> Value {
    json!({"metadata": {}, "status": "Failure", "message": message, "reason": "InternalError", "code": 500})
}

async fn pump(mut from: impl AsyncRead + Unpin, channel: u8, out: tokio::sync::mpsc::Sender<Message>) {
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        match from.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                if out.send(frame(channel, &buf[..n])).await.is_err() {
                    break;
                }
            }
        }
    }
}

async fn run<S>(ws: WebSocketStream<S>, shared: Arc<Shared>, call: ExecCall, handler: Option<ExecHandler>)
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let index = shared.mutate(|st| {
        st.execs.push(ExecRecord { call: call.clone(), resizes: Vec::new(), exit_code: None });
        st.execs.len() - 1
    });
    let (sink, mut stream) = ws.split();
    let (out_tx, writer) = super::websocket::writer(sink);
    let spawned = match handler {
        None => Err(format!(
            "exec: \"{}\": executable file not found in $PATH: unknown (no exec handler registered for pod {})",
            call.command[0], call.pod
        )),
        Some(h) => h(&call).and_then(|cmd| {
            let spawn_error = |e: std::io::Error| format!("exec: \"{}\": {e}: unknown", call.command[0]);
            if call.tty {
                return Pty::spawn(cmd).map_err(spawn_error);
            }
            let mut cmd = tokio::process::Command::from(cmd);
            cmd.stdin(if call.stdin { std::process::Stdio::piped() } else { std::process::Stdio::null() })
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .kill_on_drop(true);
            cmd.spawn().map(|child| (child, None)).map_err(spawn_error)
        }),
    };
    let (mut child, mut pty) = match spawned {
        Ok(spawned) => spawned,
        Err(message) => {
            let status = internal_error(&format!(
                "Internal error occurred: error executing command in container: failed to exec in container: failed to start exec: OCI runtime exec failed: {message}"
            ));
            let _ = out_tx.send(frame(ERROR, status.to_string().as_bytes())).await;
            let _ = out_tx.send(Message::Close(None)).await;
            drop(out_tx);
            let _ = writer.await;
            return;
        }
    };
    let mut child_stdin = child.stdin.take();
    // Under TTY the terminal is the one output: read from its master, sent on stdout's channel.
    let terminal = pty.as_mut().map(|p| p.reader.take().expect("the terminal's reader"));
    let pumps = [
        (child.stdout.take().map(|o| Box::new(o) as Box<dyn AsyncRead + Unpin + Send>), STDOUT, call.stdout),
        (child.stderr.take().map(|o| Box::new(o) as Box<dyn AsyncRead + Unpin + Send>), STDERR, call.stderr),
        (terminal, STDOUT, call.stdout),
    ]
    .into_iter()
    .filter_map(|(from, channel, wanted)| {
        let from = from?;
        let out = out_tx.clone();
        // An unwanted stream is still drained, so the command never blocks on a full pipe.
        Some(tokio::spawn(async move {
            if wanted {
                pump(from, channel, out).await
            } else {
                drop(out);
                let _ = tokio::io::copy(&mut { from }, &mut tokio::io::sink()).await;
            }
        }))
    })
    .collect::<Vec<_>>();
    let outputs = futures::future::join_all(pumps);
    tokio::pin!(outputs);
    let mut client_open = true;
    loop {
        tokio::select! {
            msg = stream.next(), if client_open => match msg {
                Some(Ok(Message::Binary(bytes))) if !bytes.is_empty() => match bytes[0] {
                    STDIN => {
                        if let Some(w) = child_stdin.as_mut()
                            && w.write_all(&bytes[1..]).await.is_err()
                        {
                            child_stdin = None;
                        }
                        if let Some(p) = pty.as_mut().filter(|_| call.stdin) {
                            p.write(bytes[1..].to_vec());
                        }
                    }
                    RESIZE => {
                        if let Ok(size) = serde_json::from_slice::<Value>(&bytes[1..]) {
                            let dim = |k: &str| size.get(k).and_then(Value::as_u64).unwrap_or(0) as u16;
                            let (w, h) = (dim("Width"), dim("Height"));
                            shared.mutate(|st| st.execs[index].resizes.push((w, h)));
                            if let Some(p) = pty.as_ref() {
                                p.resize(w, h);
                            }
                        }
                    }
                    CLOSE if call.protocol.starts_with("v5") && bytes.get(1) == Some(&STDIN) => {
                        if let Some(mut w) = child_stdin.take() {
                            let _ = w.shutdown().await;
                        }
                    }
                    _ => {}
                },
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => {
                    // v4's only end of stdin (and a v5 client gone).
                    if let Some(mut w) = child_stdin.take() {
                        let _ = w.shutdown().await;
                    }
                    // A terminal whose client went away hangs up, as the runtime's does.
                    if let (Some(_), Some(pid)) = (pty.as_ref(), child.id()) {
                        // SAFETY: signals the process group the program leads (setsid).
                        unsafe { libc::kill(-(pid as i32), libc::SIGHUP) };
                    }
                    client_open = false;
                }
                Some(Ok(_)) => {}
            },
            _ = &mut outputs => break,
        }
    }
    drop(child_stdin);
    let code = match child.wait().await {
        Ok(status) => status.code().unwrap_or_else(|| {
            use std::os::unix::process::ExitStatusExt;
            128 + status.signal().unwrap_or(0)
        }),
        Err(_) => 1,
    };
    shared.mutate(|st| st.execs[index].exit_code = Some(code));
    let _ = out_tx.send(frame(ERROR, exit_status(&call.command, code).to_string().as_bytes())).await;
    let _ = out_tx.send(Message::Close(None)).await;
    drop(out_tx);
    let _ = writer.await;
}

/// The pseudo-terminal a `tty=true` exec runs on (see the module documentation): the master's
/// output as an async reader (a thread reads it: a pty master is not pollable by tokio's file
/// support), input written by another thread so a full terminal never blocks the session.
struct Pty {
    master: std::fs::File,
    reader: Option<Box<dyn AsyncRead + Unpin + Send>>,
    input: std::sync::mpsc::Sender<Vec<u8>>,
}

impl Pty {
    fn spawn(mut cmd: std::process::Command) -> std::io::Result<(tokio::process::Child, Option<Pty>)> {
        use std::os::fd::{FromRawFd, OwnedFd};
        use std::os::unix::process::CommandExt;
        let (mut master, mut slave) = (0, 0);
        // SAFETY: openpty writes two new descriptors; no name, default settings and size.
        if unsafe { libc::openpty(&mut master, &mut slave, std::ptr::null_mut(), std::ptr::null(), std::ptr::null()) }
            != 0
        {
            return Err(std::io::Error::last_os_error());
        }
        // SAFETY: both descriptors were just opened and are owned here alone.
        let (master, slave) = unsafe { (std::fs::File::from_raw_fd(master), OwnedFd::from_raw_fd(slave)) };
        cmd.stdin(slave.try_clone()?).stdout(slave.try_clone()?).stderr(slave).env("TERM", "xterm");
        // SAFETY: only async-signal-safe calls between fork and exec.
        unsafe {
            cmd.pre_exec(|| {
                if libc::setsid() < 0 || libc::ioctl(0, libc::TIOCSCTTY, 0) < 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        let mut cmd = tokio::process::Command::from(cmd);
        cmd.kill_on_drop(true);
        let child = cmd.spawn()?;
        // `cmd` (and with it the parent's copies of the slave) is dropped here: the master reads
        // end (EIO) once the program and its children have closed the terminal.
        drop(cmd);
        let (out_tx, out_rx) = tokio::sync::mpsc::channel::<Vec<u8>>(16);
        let mut from = master.try_clone()?;
        std::thread::spawn(move || {
            use std::io::Read;
            let mut buf = vec![0u8; 16 * 1024];
            while let Ok(n) = from.read(&mut buf) {
                if n == 0 || out_tx.blocking_send(buf[..n].to_vec()).is_err() {
                    break;
                }
            }
        });
        let (in_tx, in_rx) = std::sync::mpsc::channel::<Vec<u8>>();
        let mut to = master.try_clone()?;
        std::thread::spawn(move || {
            use std::io::Write;
            while let Ok(bytes) = in_rx.recv() {
                if to.write_all(&bytes).is_err() {
                    break;
                }
            }
        });
        let reader = Box::new(ChannelReader { rx: out_rx, pending: Vec::new() }) as Box<dyn AsyncRead + Unpin + Send>;
        Ok((child, Some(Pty { master, reader: Some(reader), input: in_tx })))
    }

    fn write(&self, bytes: Vec<u8>) {
        let _ = self.input.send(bytes);
    }

    fn resize(&self, width: u16, height: u16) {
        use std::os::fd::AsRawFd;
        let size = libc::winsize { ws_row: height, ws_col: width, ws_xpixel: 0, ws_ypixel: 0 };
        // SAFETY: TIOCSWINSZ reads one winsize from a valid struct.
        unsafe { libc::ioctl(self.master.as_raw_fd(), libc::TIOCSWINSZ, &size) };
    }
}

/// Chunks from a channel as an `AsyncRead` (the end of the channel is the end of the stream).
struct ChannelReader {
    rx: tokio::sync::mpsc::Receiver<Vec<u8>>,
    pending: Vec<u8>,
}

impl AsyncRead for ChannelReader {
    fn poll_read(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        if self.pending.is_empty() {
            match self.rx.poll_recv(cx) {
                std::task::Poll::Ready(Some(chunk)) => self.pending = chunk,
                std::task::Poll::Ready(None) => return std::task::Poll::Ready(Ok(())),
                std::task::Poll::Pending => return std::task::Poll::Pending,
            }
        }
        let n = self.pending.len().min(buf.remaining());
        buf.put_slice(&self.pending[..n]);
        self.pending.drain(..n);
        std::task::Poll::Ready(Ok(()))
    }
}
