//! The one way ssp asks its user something: a line read from stdin that Ctrl-C/SIGTERM can stop
//! (a plain blocking read would not return until Enter), and the y/N confirmation built on it.

use std::io::{IsTerminal, Write};

use crate::platform::interrupt;

/// Why no answer came.
#[derive(Debug, thiserror::Error)]
pub enum PromptError {
    #[error("interrupted")]
    Interrupted,
    #[error("cannot read the answer from stdin: {0}")]
    Io(#[from] std::io::Error),
}

/// Whether a person can be asked: stdin and stderr are both terminals.
pub fn can_ask() -> bool {
    std::io::stdin().is_terminal() && std::io::stderr().is_terminal()
}

/// Asks `question [y/N] ` on stderr: `y`/`yes` (any case) is yes; anything else, or the end of
/// input, is no.
pub fn confirm(question: &str) -> Result<bool, PromptError> {
    eprint!("{question} [y/N] ");
    let _ = std::io::stderr().flush();
    let answer = read_line()?.unwrap_or_default();
    Ok(matches!(answer.trim().to_ascii_lowercase().as_str(), "y" | "yes"))
}

/// One line from stdin without its line ending; `None` at the end of input. Stops with
/// [`PromptError::Interrupted`] when Ctrl-C/SIGTERM arrives while waiting.
pub fn read_line() -> Result<Option<String>, PromptError> {
    let mut line = Vec::new();
    loop {
        if interrupt::is_interrupted() {
            return Err(PromptError::Interrupted);
        }
        let mut fds = libc::pollfd { fd: 0, events: libc::POLLIN, revents: 0 };
        // SAFETY: one valid pollfd, 200 ms timeout.
        let ready = unsafe { libc::poll(&mut fds, 1, 200) };
        if !succeeded(ready as isize)? || ready == 0 {
            continue;
        }
        let mut byte = [0u8; 1];
        // SAFETY: reads at most one byte into a valid buffer.
        let n = unsafe { libc::read(0, byte.as_mut_ptr().cast(), 1) };
        if !succeeded(n)? {
            continue;
        }
        if n == 0 {
            return Ok((!line.is_empty()).then(|| String::from_utf8_lossy(&line).into_owned()));
        }
        if byte[0] == b'\n' {
            if line.last() == Some(&b'\r') {
                line.pop();
            }
            return Ok(Some(String::from_utf8_lossy(&line).into_owned()));
        }
        line.push(byte[0]);
    }
}

/// A libc call's result: `Ok(true)` when it succeeded, `Ok(false)` when a signal interrupted it
/// (try again), the OS error otherwise.
fn succeeded(result: isize) -> Result<bool, PromptError> {
    if result >= 0 {
        return Ok(true);
    }
    let err = std::io::Error::last_os_error();
    if err.kind() == std::io::ErrorKind::Interrupted { Ok(false) } else { Err(err.into()) }
}
