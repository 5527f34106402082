// SPDX-License-Identifier: Apache-2.0
// Copyright (c) 2026 NVIDIA CORPORATION & AFFILIATES. All rights reserved.

//! What a binary prints on stdout and stderr, written so that a closed stream is not a
//! crash.
//!
//! Rust ignores `SIGPIPE`, so `println!` and `eprintln!` panic when the reader went
//! away (`aicr recipe | head -1`, `aicr … 2>&1 | head -1`, a log collector that died).
//! Here a closed stdout (`EPIPE`) ends the output quietly, as it ends `cat`'s: this
//! write and every later one are dropped and the command finishes with the exit code
//! its own outcome gives. Any other write error (`ENOSPC` on `/dev/full`) is a
//! [`WriteError`], which the binaries report in one line with a non-zero exit. Every
//! write is flushed, so that no error waits for the exit, where the standard library
//! would drop it.
//!
//! Warnings, progress and errors go to stderr through [`errln!`](crate::errln): a line
//! stderr does not take (`EPIPE`, `ENOSPC`, `EBADF`) is dropped, since there is nowhere
//! left to report it, and the command goes on to the exit code its own outcome gives.
//!
//! [`clap_exit`] does the same for `--help` and `--version`, which clap prints itself.

use std::io::{self, IsTerminal, Write};
use std::sync::atomic::{AtomicBool, Ordering};

/// Whether stdout was found closed; once it is, output is dropped.
static CLOSED: AtomicBool = AtomicBool::new(false);

/// Writing to stdout failed for another reason than its reader going away.
#[derive(Debug, thiserror::Error)]
#[error("cannot write to stdout: {0}")]
pub struct WriteError(#[from] io::Error);

/// Writes `bytes` to `out` and flushes it, unless `closed` says an earlier write met a
/// closed reader; a broken pipe sets `closed` and is not an error.
pub fn write_to(out: &mut impl Write, closed: &AtomicBool, bytes: &[u8]) -> Result<(), WriteError> {
    if closed.load(Ordering::Relaxed) {
        return Ok(());
    }
    match out.write_all(bytes).and_then(|()| out.flush()) {
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => {
            closed.store(true, Ordering::Relaxed);
            Ok(())
        }
        result => result.map_err(WriteError),
    }
}

/// Writes `text` to stdout (see the module documentation).
pub fn write(text: &str) -> Result<(), WriteError> {
    write_to(&mut io::stdout().lock(), &CLOSED, text.as_bytes())
}

/// Writes `text` and a newline to stdout.
pub fn line(text: &str) -> Result<(), WriteError> {
    let mut buffer = String::with_capacity(text.len() + 1);
    buffer.push_str(text);
    buffer.push('\n');
    write(&buffer)
}

/// Writes `text` to stderr in one write; a write error drops it (see the module
/// documentation). [`errln!`](crate::errln) formats the line.
pub fn write_err(text: &str) {
    // Unbuffered: the line is written now, or never.
    let _ = io::stderr().lock().write_all(text.as_bytes());
}

/// `eprintln!` for warnings, progress and errors: `aicr::errln!("warning: {x}")`, never
/// failing; a line stderr does not take is dropped (see [`output`](crate::output)).
#[macro_export]
macro_rules! errln {
    () => {
        $crate::output::write_err("\n")
    };
    ($($arg:tt)*) => {
        $crate::output::write_err(&format!("{}\n", format_args!($($arg)*)))
    };
}

/// Whether stdout was found closed.
pub fn closed() -> bool {
    CLOSED.load(Ordering::Relaxed)
}

/// Ends the process for a clap parse result that is not a command: usage errors as
/// clap does (stderr, exit 2); `--help` and `--version` through [`write`], so that a
/// closed stdout exits 0 and a failing one exits 1 with a one-line error. On a
/// terminal clap prints them itself, in colour.
pub fn clap_exit(err: clap::Error) -> ! {
    if err.use_stderr() || io::stdout().is_terminal() {
        err.exit()
    }
    let code = match write(&err.render().to_string()) {
        Ok(()) => 0,
        Err(e) => {
            crate::errln!("error: {e}");
            1
        }
    };
    std::process::exit(code)
}

/// Parses the process's arguments into `T`, ending the process as [`clap_exit`] does
/// when they are not a command.
pub fn parse_args<T: clap::Parser>() -> T {
    T::try_parse().unwrap_or_else(|err| clap_exit(err))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A writer failing every write with `kind` after accepting `budget` bytes.
    struct Failing {
        kind: io::ErrorKind,
        budget: usize,
        written: Vec<u8>,
    }

    impl Write for Failing {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            if self.budget == 0 {
                return Err(self.kind.into());
            }
            let n = buf.len().min(self.budget);
            self.budget -= n;
            self.written.extend_from_slice(&buf[..n]);
            Ok(n)
        }

        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_broken_pipe_ends_the_output_quietly() {
        let closed = AtomicBool::new(false);
        let mut out = Failing {
            kind: io::ErrorKind::BrokenPipe,
            budget: 4,
            written: Vec::new(),
        };
        write_to(&mut out, &closed, b"one\n").unwrap();
        assert!(!closed.load(Ordering::Relaxed));
        write_to(&mut out, &closed, b"two\n").unwrap();
        assert!(closed.load(Ordering::Relaxed));
        out.budget = 100;
        write_to(&mut out, &closed, b"three\n").unwrap();
        assert_eq!(out.written, b"one\n", "nothing is written after the close");
    }

    #[test]
    fn any_other_write_error_is_an_error() {
        let closed = AtomicBool::new(false);
        let mut out = Failing {
            kind: io::ErrorKind::StorageFull,
            budget: 0,
            written: Vec::new(),
        };
        let err = write_to(&mut out, &closed, b"data\n").unwrap_err();
        assert!(
            err.to_string().starts_with("cannot write to stdout: "),
            "{err}"
        );
        assert!(!closed.load(Ordering::Relaxed));
    }
}
