//! The WebSocket side of the double's streaming subresources (`pods/<name>/portforward`,
//! `pods/<name>/exec`), as the apiserver answers kube-rs: the subprotocol negotiation, the 101
//! response with the accept key, the session on the upgraded connection, and one writer task that
//! owns the sink (frames from several readers go out in order; a Close frame ends it).

use futures::SinkExt;
use futures::stream::SplitSink;
use http::{Request, Response, StatusCode, header};
use hyper::body::Incoming;
use hyper::upgrade::Upgraded;
use hyper_util::rt::TokioIo;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::{Message, handshake::derive_accept_key, protocol::Role};

use super::http::Body;
use super::store::ApiError;

/// The upgraded connection a session runs on.
pub type Socket = WebSocketStream<TokioIo<Upgraded>>;

/// The first of the client's offered subprotocols that the double serves (in the client's order),
/// and the `Sec-WebSocket-Accept` value; or the apiserver's 400.
pub fn negotiate(req: &Request<Incoming>, supported: &[&str]) -> Result<(String, String), ApiError> {
    let offered =
        req.headers().get(header::SEC_WEBSOCKET_PROTOCOL).and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
    let Some(protocol) = offered.split(',').map(str::trim).find(|p| supported.contains(p)).map(str::to_string) else {
        return Err(ApiError::bad_request(format!(
            "unable to upgrade: no supported WebSocket subprotocol in {offered:?} (this double serves {})",
            supported.join(", ")
        )));
    };
    let Some(key) = req.headers().get(header::SEC_WEBSOCKET_KEY).map(|k| derive_accept_key(k.as_bytes())) else {
        return Err(ApiError::bad_request("missing Sec-WebSocket-Key"));
    };
    Ok((protocol, key))
}

/// Answers 101 with `protocol` and runs `session` on the connection once hyper hands it over.
pub fn accept<F, Fut>(req: &mut Request<Incoming>, protocol: String, key: String, session: F) -> Response<Body>
where
    F: FnOnce(Socket) -> Fut + Send + 'static,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let on_upgrade = hyper::upgrade::on(req);
    tokio::spawn(async move {
        let Ok(upgraded) = on_upgrade.await else {
            return;
        };
        session(WebSocketStream::from_raw_socket(TokioIo::new(upgraded), Role::Server, None).await).await;
    });
    Response::builder()
        .status(StatusCode::SWITCHING_PROTOCOLS)
        .header(header::CONNECTION, "Upgrade")
        .header(header::UPGRADE, "websocket")
        .header(header::SEC_WEBSOCKET_ACCEPT, key)
        .header(header::SEC_WEBSOCKET_PROTOCOL, protocol)
        .body(super::http::empty())
        .expect("response")
}

/// The task that owns `sink`: it sends what arrives on the returned channel, stops after a Close
/// frame or a send error, then closes the socket. Drop the sender and await the handle to flush.
pub fn writer<S>(
    mut sink: SplitSink<WebSocketStream<S>, Message>,
) -> (tokio::sync::mpsc::Sender<Message>, tokio::task::JoinHandle<()>)
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let (out_tx, mut out_rx) = tokio::sync::mpsc::channel::<Message>(64);
    let handle = tokio::spawn(async move {
        while let Some(msg) = out_rx.recv().await {
            let close = matches!(msg, Message::Close(_));
            if sink.send(msg).await.is_err() || close {
                break;
            }
        }
        let _ = sink.close().await;
    });
    (out_tx, handle)
}
