//! The local ends of a streamed exec (`ssp db`): stdin and files read in bounded chunks into a
//! channel, and the terminal — raw mode while a remote program owns it, its size and SIGWINCH.
//!
//! Stdin is read by a thread of its own that polls, never by a blocking read on the runtime's
//! pool: a pipe nobody closes (or a terminal nobody types at) would otherwise hold the runtime's
//! shutdown when the remote program has already ended.

use std::io::IsTerminal as _;
use std::path::Path;

use tokio::io::AsyncReadExt as _;
use tokio::sync::mpsc;

/// Chunks of input, an error when a read failed; the sender dropped at the end of input.
pub type Chunks = mpsc::Receiver<std::io::Result<Vec<u8>>>;

/// How much one read takes; with the channel's depth, at most ~1 MiB of input is in flight.
const CHUNK: usize = 64 * 1024;
const DEPTH: usize = 16;

/// Reads stdin on a thread until its end, an error, or the receiver going away (checked every
/// 100 ms while no input comes). The thread stops on its own; nothing needs joining.
pub fn stdin_chunks() -> Chunks {
    let (tx, rx) = mpsc::channel(DEPTH);
    let spawned = std::thread::Builder::new().name("ssp-stdin".into()).spawn(move || {
        let mut buf = vec![0u8; CHUNK];
        loop {
            if tx.is_closed() {
                return;
            }
            let mut fds = libc::pollfd { fd: 0, events: libc::POLLIN, revents: 0 };
            // SAFETY: one valid pollfd, 100 ms timeout.
            let ready = unsafe { libc::poll(&mut fds, 1, 100) };
            if ready == 0 || (ready < 0 && std::io::Error::last_os_error().kind() == std::io::ErrorKind::Interrupted) {
                continue;
            }
            // SAFETY: reads at most buf.len() bytes into a valid buffer.
            let n = unsafe { libc::read(0, buf.as_mut_ptr().cast(), buf.len()) };
            let chunk = match n {
                0 => return,
                n if n > 0 => Ok(buf[..n as usize].to_vec()),
                _ => {
                    let err = std::io::Error::last_os_error();
                    if matches!(err.kind(), std::io::ErrorKind::Interrupted | std::io::ErrorKind::WouldBlock) {
                        continue;
                    }
                    Err(err)
                }
            };
            let failed = chunk.is_err();
            if tx.blocking_send(chunk).is_err() || failed {
                return;
            }
        }
    });
    if let Err(err) = spawned {
        let (tx, rx) = mpsc::channel(1);
        let _ = tx.try_send(Err(err));
        return rx;
    }
    rx
}

/// Reads an open file in chunks on a task (call inside the runtime).
pub fn file_chunks(file: std::fs::File) -> Chunks {
    let (tx, rx) = mpsc::channel(DEPTH);
    tokio::spawn(async move {
        let mut file = tokio::fs::File::from_std(file);
        loop {
            let mut buf = vec![0u8; CHUNK];
            let chunk = match file.read(&mut buf).await {
                Ok(0) => return,
                Ok(n) => {
                    buf.truncate(n);
                    Ok(buf)
                }
                Err(err) => Err(err),
            };
            let failed = chunk.is_err();
            if tx.send(chunk).await.is_err() || failed {
                return;
            }
        }
    });
    rx
}

/// Opens `path` for reading (`-` is stdin) and streams it.
pub fn open_chunks(path: &Path) -> std::io::Result<Chunks> {
    if path == Path::new("-") {
        return Ok(stdin_chunks());
    }
    Ok(file_chunks(std::fs::File::open(path)?))
}

/// Whether stdin and stdout are both terminals (an interactive program can own them).
pub fn interactive() -> bool {
    std::io::stdin().is_terminal() && std::io::stdout().is_terminal()
}

/// The terminal's size as `(columns, rows)`, from stdout or stdin; `None` when neither is a
/// terminal or it reports 0×0 (as kubectl, which then sends no size).
pub fn window_size() -> Option<(u16, u16)> {
    [1, 0].into_iter().find_map(|fd| {
        let mut ws = libc::winsize { ws_row: 0, ws_col: 0, ws_xpixel: 0, ws_ypixel: 0 };
        // SAFETY: TIOCGWINSZ writes one winsize into a valid struct.
        let ok = unsafe { libc::ioctl(fd, libc::TIOCGWINSZ, &mut ws) } == 0;
        (ok && (ws.ws_col, ws.ws_row) != (0, 0)).then_some((ws.ws_col, ws.ws_row))
    })
}

/// The terminal's size now and after each SIGWINCH, until the receiver is dropped (call inside
/// the runtime).
pub fn window_sizes() -> mpsc::Receiver<(u16, u16)> {
    let (tx, rx) = mpsc::channel(4);
    tokio::spawn(async move {
        use tokio::signal::unix::{SignalKind, signal};
        let mut changes = signal(SignalKind::window_change()).ok();
        let mut last = None;
        loop {
            let size = window_size();
            if let Some(now) = size
                && size != last
            {
                last = size;
                if tx.send(now).await.is_err() {
                    return;
                }
            }
            let Some(changes) = changes.as_mut() else { return };
            tokio::select! {
                got = changes.recv() => if got.is_none() { return },
                _ = tx.closed() => return,
            }
        }
    });
    rx
}

/// Stdin's terminal in raw mode (no echo, no line editing, no signals from Ctrl-C/Ctrl-Z/Ctrl-\,
/// no output processing) while this lives; the saved settings are put back on drop — a normal
/// end, an error, a panic unwinding, or Ctrl-C/SIGTERM unwinding the command.
pub struct RawMode {
    fd: i32,
    saved: libc::termios,
}

impl RawMode {
    /// Puts stdin's terminal in raw mode; `Ok(None)` when stdin is not a terminal.
    pub fn enter() -> std::io::Result<Option<RawMode>> {
        if !std::io::stdin().is_terminal() {
            return Ok(None);
        }
        RawMode::on(0).map(Some)
    }

    fn on(fd: i32) -> std::io::Result<RawMode> {
        // SAFETY: termios is plain data; tcgetattr fills it.
        let mut saved: libc::termios = unsafe { std::mem::zeroed() };
        // SAFETY: fd is open; saved is a valid termios.
        if unsafe { libc::tcgetattr(fd, &mut saved) } != 0 {
            return Err(std::io::Error::last_os_error());
        }
        let mut raw = saved;
        // SAFETY: cfmakeraw only edits the struct it is given.
        unsafe { libc::cfmakeraw(&mut raw) };
        // SAFETY: fd is a terminal; raw is a valid termios.
        if unsafe { libc::tcsetattr(fd, libc::TCSANOW, &raw) } != 0 {
            return Err(std::io::Error::last_os_error());
        }
        Ok(RawMode { fd, saved })
    }
}

impl Drop for RawMode {
    fn drop(&mut self) {
        // SAFETY: fd is the terminal whose settings were saved.
        unsafe { libc::tcsetattr(self.fd, libc::TCSADRAIN, &self.saved) };
    }
}

/// A local file as the destination of a streamed exec, written in place by the task that relays
/// into it. tokio's `File` hands every write to its blocking pool (a copy into its own buffer, a
/// thread switch and a wake-up per chunk): for `ssp db dump -o FILE` that was a large share of
/// ssp's CPU time per dumped byte. A write of one relay chunk (≤ 256 KiB) into the page cache
/// returns in microseconds; when the kernel throttles a writer of many dirty pages, the write
/// holds the relay (and the connection behind it) back until the disk catches up: the same
/// back-pressure the bounded buffers give.
pub struct DirectFile(pub std::fs::File);

impl tokio::io::AsyncWrite for DirectFile {
    fn poll_write(
        self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
        buf: &[u8],
    ) -> std::task::Poll<std::io::Result<usize>> {
        std::task::Poll::Ready(std::io::Write::write(&mut self.get_mut().0, buf))
    }

    fn poll_flush(
        self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::task::Poll::Ready(Ok(()))
    }

    fn poll_shutdown(
        self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::task::Poll::Ready(Ok(()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_mode_lasts_as_long_as_its_guard() {
        let (mut master, mut slave) = (0, 0);
        // SAFETY: openpty writes two new descriptors, closed at the end of the test.
        let opened =
            unsafe { libc::openpty(&mut master, &mut slave, std::ptr::null_mut(), std::ptr::null(), std::ptr::null()) };
        assert_eq!(opened, 0);
        let lflag = || {
            // SAFETY: termios is plain data; the slave is a terminal.
            let mut t: libc::termios = unsafe { std::mem::zeroed() };
            assert_eq!(unsafe { libc::tcgetattr(slave, &mut t) }, 0);
            t.c_lflag & (libc::ICANON | libc::ECHO | libc::ISIG)
        };
        let cooked = lflag();
        assert_eq!(cooked, libc::ICANON | libc::ECHO | libc::ISIG);
        let raw = RawMode::on(slave).unwrap();
        assert_eq!(lflag(), 0, "no line editing, echo or signals from keys");
        // An error unwinding through the command drops the guard as a normal end does.
        let unwound = std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || {
            let _raw = raw;
            panic!("a failure while psql runs");
        }));
        assert!(unwound.is_err());
        assert_eq!(lflag(), cooked);
        // SAFETY: both descriptors are ours and no longer used.
        unsafe {
            libc::close(slave);
            libc::close(master);
        }
    }

    #[tokio::test]
    async fn a_file_arrives_whole_in_bounded_chunks() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("dump.sql");
        let data: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
        std::fs::write(&path, &data).unwrap();
        let mut chunks = open_chunks(&path).unwrap();
        let mut got = Vec::new();
        while let Some(chunk) = chunks.recv().await {
            let chunk = chunk.unwrap();
            assert!(chunk.len() <= CHUNK);
            got.extend(chunk);
        }
        assert_eq!(got, data);
        assert!(open_chunks(&dir.path().join("missing.sql")).is_err());
    }

    #[tokio::test(flavor = "current_thread")]
    async fn a_direct_file_gets_every_byte_written_in_place() {
        use tokio::io::AsyncWriteExt as _;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("dump.sql");
        let mut file = DirectFile(std::fs::File::create(&path).unwrap());
        let data: Vec<u8> = (0..600_000u32).map(|i| (i % 251) as u8).collect();
        let mut from: &[u8] = &data;
        let copied = tokio::io::copy(&mut from, &mut file).await.unwrap();
        file.shutdown().await.unwrap();
        assert_eq!(copied, data.len() as u64);
        // Written by the copy itself: nothing waits in a buffer for a flush.
        assert_eq!(std::fs::read(&path).unwrap(), data);
    }
}
