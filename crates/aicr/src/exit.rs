// SPDX-License-Identifier: Apache-2.0
// Copyright (c) 2026 NVIDIA CORPORATION & AFFILIATES. All rights reserved.

//! Process exit codes shared by the `aicr` CLI and the other binaries.
//!
//! | code | meaning          |
//! |------|------------------|
//! | 0    | ok               |
//! | 1    | generic error    |
//! | 2    | invalid request  |
//! | 3    | not found        |
//! | 4    | unauthorized     |
//! | 5    | timeout          |
//! | 6    | unavailable      |
//! | 7    | rate limited     |
//! | 8    | internal error   |

/// An exit code of the AICR binaries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum Code {
    /// Success.
    Ok = 0,
    /// A failure with no more specific code.
    Error = 1,
    /// The request (flags, criteria, input file) is invalid.
    InvalidRequest = 2,
    /// Something that was asked for does not exist.
    NotFound = 3,
    /// Credentials are missing or refused.
    Unauthorized = 4,
    /// An operation ran out of time.
    Timeout = 5,
    /// A service the command needs is unavailable.
    Unavailable = 6,
    /// A service refused the request because of rate limits.
    RateLimited = 7,
    /// A bug or an unexpected internal state.
    Internal = 8,
}

impl Code {
    /// The numeric value passed to the operating system.
    pub const fn as_u8(self) -> u8 {
        self as u8
    }
}

impl From<Code> for std::process::ExitCode {
    fn from(code: Code) -> Self {
        std::process::ExitCode::from(code.as_u8())
    }
}

#[cfg(test)]
mod tests {
    use super::Code;

    #[test]
    fn codes_match_the_documented_table() {
        let table = [
            (Code::Ok, 0),
            (Code::Error, 1),
            (Code::InvalidRequest, 2),
            (Code::NotFound, 3),
            (Code::Unauthorized, 4),
            (Code::Timeout, 5),
            (Code::Unavailable, 6),
            (Code::RateLimited, 7),
            (Code::Internal, 8),
        ];
        for (code, value) in table {
            assert_eq!(code.as_u8(), value, "{code:?}");
        }
    }
}
