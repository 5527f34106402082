// SPDX-License-Identifier: Apache-2.0
// Copyright (c) 2026 NVIDIA CORPORATION & AFFILIATES. All rights reserved.

//! No import cycle among the modules of the `validators` library, nor among those of
//! the `validator` binary. The edges: `cargo test -p validators --test module_cycles --
//! --nocapture`.

#[path = "../../aicr/tests/module_graph/mod.rs"]
mod module_graph;

use std::path::{Path, PathBuf};

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

#[test]
fn the_modules_of_the_library_import_no_cycle() {
    module_graph::assert_acyclic_tree(&src(), "lib.rs");
}

#[test]
fn the_modules_of_the_binary_import_no_cycle() {
    module_graph::assert_acyclic_tree(&src(), "main.rs");
}
