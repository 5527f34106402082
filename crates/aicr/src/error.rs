// SPDX-License-Identifier: Apache-2.0
// Copyright (c) 2026 NVIDIA CORPORATION & AFFILIATES. All rights reserved.

//! Errors of the recipe engine, each mapped to an exit code (and, in `aicrd`, to an HTTP
//! status).

use crate::exit::Code;

/// An engine error.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum Error {
    /// A criteria value outside the allowed ones.
    #[error("invalid {field} '{requested}'; allowed: {}", allowed.join(", "))]
    InvalidCriteria {
        field: String,
        requested: String,
        allowed: Vec<String>,
    },
    /// The catalog is inconsistent (unknown parent or component, cycle, bad YAML).
    #[error("catalog: {0}")]
    Catalog(String),
    /// A component depends on one the recipe does not include, or dependencies cycle.
    #[error("recipe: {0}")]
    Dependencies(String),
    /// A query selector names nothing.
    #[error("no value at '{selector}'; available keys: {}", available.join(", "))]
    NotFound {
        selector: String,
        available: Vec<String>,
    },
    /// An input document could not be read.
    #[error("{0}")]
    Input(String),
    /// A check failed (e.g. a bundle does not match its checksums).
    #[error("{0}")]
    Failed(String),
}

impl Error {
    /// The exit code of the CLI for this error.
    pub fn code(&self) -> Code {
        match self {
            Error::InvalidCriteria { .. } | Error::Input(_) => Code::InvalidRequest,
            Error::NotFound { .. } => Code::NotFound,
            Error::Catalog(_) | Error::Dependencies(_) => Code::Internal,
            Error::Failed(_) => Code::Error,
        }
    }
}
