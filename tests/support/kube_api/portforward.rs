//! Pod port-forwarding over WebSocket, as kube-rs' `Api::<Pod>::portforward` speaks it.
//!
//! Protocol (kubelet `pkg/kubelet/cri/streaming/portforward/websocket.go`, and kube-rs
//! `kube-client/src/api/portforward.rs`): the client `GET`s `pods/<name>/portforward?ports=a,b`
//! with a WebSocket upgrade offering `v5.channel.k8s.io, v4.channel.k8s.io`; the server picks
//! `v4.channel.k8s.io`. Port *i* uses data channel `2i` and error channel `2i+1`; every binary
//! frame starts with its channel byte. The server first sends, on both channels of each port,
//! the port number as two little-endian bytes; afterwards data frames carry the bytes both ways
//! and a frame on an error channel is a text message.
//!
//! The double connects each forwarded port to the `SocketAddr` the test registered with
//! [`super::KubeApi::set_port_target`]; without one it reports the error kubelet reports for a
//! refused connection. kubectl's SPDY (and SPDY-over-WebSocket) port-forward is not served:
//! ssp uses the kube crate.

use std::sync::Arc;

use futures::StreamExt;
use http::{Request, Response};
use hyper::body::Incoming;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;

use super::http::{Body, Target, error_response, route};
use super::resources;
use super::store::{ApiError, Shared, query_pairs};

pub async fn upgrade(shared: Arc<Shared>, mut req: Request<Incoming>) -> Response<Body> {
    let path = req.uri().path().to_string();
    let (ns, name) = match route(&path) {
        Ok(Target::Resource(r)) if r.rt.kind == "Pod" && r.subresource.as_deref() == Some("portforward") => {
            (r.namespace.unwrap_or_default(), r.name.unwrap_or_default())
        }
        Ok(_) | Err(_) => return error_response(&ApiError::unknown_path()),
    };
    let pods = resources::lookup("pods").expect("pods");
    if shared.lock().get(pods, &ns, &name).is_none() {
        return error_response(&ApiError::not_found(pods, &name));
    }
    let ports: Vec<u16> = query_pairs(req.uri().query().unwrap_or_default())
        .into_iter()
        .filter(|(k, _)| k == "ports")
        .flat_map(|(_, v)| v.split(',').filter_map(|p| p.trim().parse().ok()).collect::<Vec<u16>>())
        .collect();
    if ports.is_empty() {
        return error_response(&ApiError::bad_request("at least 1 port must be specified"));
    }
    // kubelet's port-forward over WebSocket speaks v4 only.
    let (protocol, key) = match super::websocket::negotiate(&req, &["v4.channel.k8s.io"]) {
        Ok(accepted) => accepted,
        Err(err) => return error_response(&err),
    };
    let targets: Vec<Option<std::net::SocketAddr>> = {
        let st = shared.lock();
        ports.iter().map(|p| st.port_targets.get(&(ns.clone(), name.clone(), *p)).copied()).collect()
    };
    super::websocket::accept(&mut req, protocol, key, move |ws| async move {
        forward(ws, &ns, &name, &ports, targets).await;
    })
}

async fn forward<S>(
    ws: WebSocketStream<S>,
    ns: &str,
    pod: &str,
    ports: &[u16],
    targets: Vec<Option<std::net::SocketAddr>>,
) where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let (sink, mut stream) = ws.split();
    let (out_tx, writer) = super::websocket::writer(sink);
    let mut to_target: Vec<Option<tokio::net::tcp::OwnedWriteHalf>> = Vec::new();
    let mut open = 0usize;
    let (eof_tx, mut eof_rx) = tokio::sync::mpsc::channel::<usize>(ports.len().max(1));
    for (i, port) in ports.iter().enumerate() {
        let data_ch = (2 * i) as u8;
        for ch in [data_ch, data_ch + 1] {
            let mut frame = vec![ch];
            frame.extend_from_slice(&port.to_le_bytes());
            let _ = out_tx.send(Message::binary(frame)).await;
        }
        let conn = match targets[i] {
            Some(addr) => TcpStream::connect(addr).await.ok(),
            None => None,
        };
        let Some(conn) = conn else {
            let msg = format!(
                "error forwarding port {port} to pod {pod} in namespace {ns}: failed to connect to localhost:{port} inside namespace: connection refused"
            );
            let mut frame = vec![data_ch + 1];
            frame.extend_from_slice(msg.as_bytes());
            let _ = out_tx.send(Message::binary(frame)).await;
            to_target.push(None);
            continue;
        };
        open += 1;
        let (mut read, write) = conn.into_split();
        to_target.push(Some(write));
        let out = out_tx.clone();
        let eof = eof_tx.clone();
        tokio::spawn(async move {
            let mut buf = vec![0u8; 16 * 1024];
            loop {
                match read.read(&mut buf).await {
                    Ok(0) | Err(_) => break,
                    Ok(n) => {
                        let mut frame = Vec::with_capacity(n + 1);
                        frame.push(data_ch);
                        frame.extend_from_slice(&buf[..n]);
                        if out.send(Message::binary(frame)).await.is_err() {
                            break;
                        }
                    }
                }
            }
            let _ = eof.send(i).await;
        });
    }
    drop(eof_tx);
    if open == 0 {
        // Every port failed: kubelet closes the connection once all its port streams are done.
        let _ = out_tx.send(Message::Close(None)).await;
    }
    while open > 0 {
        tokio::select! {
            msg = stream.next() => match msg {
                Some(Ok(Message::Binary(bytes))) if bytes.len() > 1 => {
                    let ch = bytes[0] as usize;
                    if ch.is_multiple_of(2)
                        && let Some(Some(w)) = to_target.get_mut(ch / 2)
                        && w.write_all(&bytes[1..]).await.is_err()
                    {
                        to_target[ch / 2] = None;
                    }
                }
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => {
                    for w in to_target.iter_mut().flatten() {
                        let _ = w.shutdown().await;
                    }
                    break;
                }
                Some(Ok(_)) => {}
            },
            done = eof_rx.recv(), if open > 0 => {
                if done.is_some() {
                    open -= 1;
                }
                if open == 0 {
                    let _ = out_tx.send(Message::Close(None)).await;
                    break;
                }
            }
        }
    }
    drop(out_tx);
    let _ = writer.await;
}
