// SPDX-License-Identifier: Apache-2.0
// Copyright (c) 2026 NVIDIA CORPORATION & AFFILIATES. All rights reserved.

//! The `aicr` binary's version output and usage errors.

mod support;

use aicr::build_info::BUILD;
use support::aicr;

#[test]
fn version_flag_and_subcommand_print_the_same_line() {
    let want = BUILD.version_line("aicr");
    for args in [&["--version"][..], &["version"][..]] {
        let out = aicr(args);
        assert!(out.status.success(), "{args:?}");
        assert_eq!(
            String::from_utf8_lossy(&out.stdout).trim_end(),
            want,
            "{args:?}"
        );
    }
}

#[test]
fn unknown_subcommands_are_invalid_requests() {
    let out = aicr(&["frobnicate"]);
    assert_eq!(
        out.status.code(),
        Some(aicr::exit::Code::InvalidRequest.as_u8().into())
    );
}
