// SPDX-License-Identifier: Apache-2.0
// Copyright (c) 2026 NVIDIA CORPORATION & AFFILIATES. All rights reserved.

//! What the tasks print on stdout and stderr, written so that a closed stream is not a
//! crash.
//!
//! Rust ignores `SIGPIPE`, so `println!` and `eprintln!` panic when the reader went
//! away (`cargo xtask changelog --all | head`, `cargo xtask … 2>&1 | head -1`, a CI log
//! collector that died). Every task prints data through [`outln!`] and [`out!`]
//! instead: a closed stdout (`EPIPE`) ends the output quietly, as it ends `cat`'s (this
//! write and every later one are dropped, and the task finishes with its own outcome);
//! any other write error (`ENOSPC` on `/dev/full`) is an error the task returns. Every
//! write is flushed, so no error waits for the exit, where the standard library would
//! drop it. [`parse_flags`] does the same for `--help` and `--version`, which clap
//! prints itself.
//!
//! Progress, warnings and errors go to stderr through [`errln!`]: a line stderr does
//! not take (`EPIPE`, `ENOSPC`, `EBADF`) is dropped, since there is nowhere left to
//! report it, and the task goes on to its own outcome and exit code. Programs the tasks
//! start inherit that stderr: one that dies writing to it (cargo, git) is a failed
//! command, reported as such, not a panic. Commands the
//! tasks run are echoed the same way by [`run`]: xshell's own echo is `eprintln!`.

use std::io::{self, IsTerminal, Write};
use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::{Context, Result};
use xshell::Cmd;

/// Whether stdout was found closed; once it is, output is dropped.
static CLOSED: AtomicBool = AtomicBool::new(false);

/// Writes `bytes` to `out` and flushes it, unless `closed` says an earlier write met a
/// closed reader; a broken pipe sets `closed` and is not an error.
pub fn write_to(out: &mut impl Write, closed: &AtomicBool, bytes: &[u8]) -> io::Result<()> {
    if closed.load(Ordering::Relaxed) {
        return Ok(());
    }
    match out.write_all(bytes).and_then(|()| out.flush()) {
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => {
            closed.store(true, Ordering::Relaxed);
            Ok(())
        }
        result => result,
    }
}

/// Writes `text` to stdout (see the module documentation).
pub fn write(text: &str) -> Result<()> {
    write_to(&mut io::stdout().lock(), &CLOSED, text.as_bytes()).context("cannot write to stdout")
}

/// Writes `text` to stderr in one write; a write error drops it (see the module
/// documentation).
pub fn write_err(text: &str) {
    // Unbuffered: the line is written now, or never.
    let _ = io::stderr().lock().write_all(text.as_bytes());
}

/// `println!` for data: `outln!("{x}")?`.
macro_rules! outln {
    () => {
        $crate::output::write("\n")
    };
    ($($arg:tt)*) => {
        $crate::output::write(&format!("{}\n", format_args!($($arg)*)))
    };
}

/// `print!` for data: `out!("{text}")?`.
macro_rules! out {
    ($($arg:tt)*) => {
        $crate::output::write(&format!($($arg)*))
    };
}

/// `eprintln!` for progress, warnings and errors: `errln!("task: {x}")`, never
/// failing (see [`write_err`]).
macro_rules! errln {
    () => {
        $crate::output::write_err("\n")
    };
    ($($arg:tt)*) => {
        $crate::output::write_err(&format!("{}\n", format_args!($($arg)*)))
    };
}

/// Runs `cmd` as xshell's [`Cmd::run`] does, echoing `$ cmd` through [`errln!`]
/// instead of xshell's `eprintln!`; a quiet command is `cmd.quiet().run()`.
pub fn run(cmd: Cmd<'_>) -> xshell::Result<()> {
    errln!("$ {cmd}");
    cmd.quiet().run()
}

/// Parses the process's arguments into `T`. Usage errors end the process as clap
/// does (stderr, exit 2); `--help` and `--version` are written through [`write`], so
/// that a closed stdout exits 0 and a failing one exits 1 with a one-line error. On a
/// terminal clap prints them itself, in colour.
pub fn parse_flags<T: clap::Parser>() -> T {
    T::try_parse().unwrap_or_else(|err| {
        if err.use_stderr() || io::stdout().is_terminal() {
            err.exit()
        }
        let code = match write(&err.render().to_string()) {
            Ok(()) => 0,
            Err(e) => {
                errln!("error: {e:#}");
                1
            }
        };
        std::process::exit(code)
    })
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
        assert_eq!(err.kind(), io::ErrorKind::StorageFull);
        assert!(!closed.load(Ordering::Relaxed));
    }
}
