// SPDX-License-Identifier: Apache-2.0
// Copyright (c) 2026 NVIDIA CORPORATION & AFFILIATES. All rights reserved.

//! One module per `cargo xtask` task.

pub mod attest;
pub mod bench;
pub mod build;
pub mod bump;
pub mod changelog;
pub mod checksum;
pub mod cross_build;
pub mod headers;
pub mod images;
pub mod keygen;
pub mod kind_e2e;
pub mod notices;
pub mod package;
pub mod pipeline;
pub mod plan;
pub mod qualify;
pub mod rebuild;
pub mod release;
pub mod sbom;
pub mod site;
pub mod verify;
pub mod version;
