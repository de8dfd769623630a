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

use futures::{SinkExt, StreamExt};
use http::{Request, Response, StatusCode, header};
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::{Message, handshake::derive_accept_key, protocol::Role};

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
    let offered =
        req.headers().get(header::SEC_WEBSOCKET_PROTOCOL).and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
    if !offered.split(',').any(|p| p.trim() == "v4.channel.k8s.io") {
        return error_response(&ApiError::bad_request(format!(
            "unable to upgrade: no supported WebSocket subprotocol in {offered:?} (this double serves v4.channel.k8s.io only)"
        )));
    }
    let Some(key) = req.headers().get(header::SEC_WEBSOCKET_KEY).map(|k| derive_accept_key(k.as_bytes())) else {
        return error_response(&ApiError::bad_request("missing Sec-WebSocket-Key"));
    };
    let targets: Vec<Option<std::net::SocketAddr>> = {
        let st = shared.lock();
        ports.iter().map(|p| st.port_targets.get(&(ns.clone(), name.clone(), *p)).copied()).collect()
    };
    let on_upgrade = hyper::upgrade::on(&mut req);
    tokio::spawn(async move {
        let Ok(upgraded) = on_upgrade.await else {
            return;
        };
        let ws = WebSocketStream::from_raw_socket(TokioIo::new(upgraded), Role::Server, None).await;
        forward(ws, &ns, &name, &ports, targets).await;
    });
    Response::builder()
        .status(StatusCode::SWITCHING_PROTOCOLS)
        .header(header::CONNECTION, "Upgrade")
        .header(header::UPGRADE, "websocket")
        .header(header::SEC_WEBSOCKET_ACCEPT, key)
        .header(header::SEC_WEBSOCKET_PROTOCOL, "v4.channel.k8s.io")
        .body(super::http::empty())
        .expect("response")
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
    let (mut sink, mut stream) = ws.split();
    let (out_tx, mut out_rx) = tokio::sync::mpsc::channel::<Message>(64);
    let writer = tokio::spawn(async move {
        while let Some(msg) = out_rx.recv().await {
            let close = matches!(msg, Message::Close(_));
            if sink.send(msg).await.is_err() || close {
                break;
            }
        }
        let _ = sink.close().await;
    });
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
