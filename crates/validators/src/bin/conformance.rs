// SPDX-License-Identifier: Apache-2.0
// Copyright (c) 2026 NVIDIA CORPORATION & AFFILIATES. All rights reserved.

//! `conformance`: the AICR conformance validator (see the `validators` library for the contract).

#![forbid(unsafe_code)]

fn main() -> std::process::ExitCode {
    validators::main(&validators::CONFORMANCE)
}
