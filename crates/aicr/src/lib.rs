// SPDX-License-Identifier: Apache-2.0
// Copyright (c) 2026 NVIDIA CORPORATION & AFFILIATES. All rights reserved.

//! AICR (AI Cluster Runtime) library: the pieces shared by the `aicr` CLI, the `aicrd`
//! API server and the validator binaries.
//!
//! - [`build_info`]: which release a binary is (version, commit, date), stamped at build
//!   time by `cargo xtask build`.
//! - [`exit`]: the process exit codes every binary uses.
//! - [`criteria`], [`catalog`], [`recipe`]: the recipe engine over the embedded catalog.
//! - [`checks`], [`validate`]: the validation checks and the CTRF report of a run.
//! - [`error`]: the engine's errors and their exit codes.
//! - [`output`]: stdout and stderr for the binaries: a closed pipe ends stdout, a full
//!   disk is an error; a line stderr does not take is dropped ([`errln!`]).
//! - [`verify`]: the checks of `aicr verify` on a bundle directory.
//! - [`document`]: parsing of untrusted YAML and JSON with a nesting limit.

#![forbid(unsafe_code)]

pub mod build_info;
pub mod bundle;
pub mod catalog;
pub mod checks;
pub mod constraint;
pub mod criteria;
pub mod document;
pub mod error;
pub mod exit;
pub mod output;
pub mod recipe;
pub mod snapshot;
pub mod validate;
pub mod verify;

/// The `apiVersion` of every document AICR reads and writes (recipes, snapshots,
/// bundles).
pub const API_VERSION: &str = "aicr.nvidia.com/v1alpha1";
