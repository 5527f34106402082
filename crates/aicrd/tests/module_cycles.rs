// SPDX-License-Identifier: Apache-2.0
// Copyright (c) 2026 NVIDIA CORPORATION & AFFILIATES. All rights reserved.

//! No import cycle among the modules of `aicrd`. The edges:
//! `cargo test -p aicrd --test module_cycles -- --nocapture`.

#[path = "../../aicr/tests/module_graph/mod.rs"]
mod module_graph;

use std::path::Path;

#[test]
fn the_modules_of_aicrd_import_no_cycle() {
    module_graph::assert_acyclic(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
        "main.rs",
    );
}
