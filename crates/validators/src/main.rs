// SPDX-License-Identifier: Apache-2.0
// Copyright (c) 2026 NVIDIA CORPORATION & AFFILIATES. All rights reserved.

//! `validator`: the AICR validator, one program for the three phases
//! (`validator deployment|performance|conformance <check>`, or `<phase> <check>` through
//! a link or a copy named after the phase). See the `validators` library for the contract.

#![forbid(unsafe_code)]

fn main() -> std::process::ExitCode {
    validators::main()
}
