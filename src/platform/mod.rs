//! What every layer stands on: the one runner for external programs, interrupts (Ctrl-C and the
//! other signals), the output handle (and its one confirmation prompt), atomic file writes (also
//! streamed), the local ends of a streamed exec (stdin, files, the terminal in raw mode), the
//! Docker Engine client, the core-dump guard and the one duration parser.

pub mod atomic_write;
pub mod blocking;
pub mod docker;
pub mod dump_protection;
pub mod duration;
pub mod interrupt;
pub mod output;
pub mod prompt;
pub mod runner;
pub mod stdio;
