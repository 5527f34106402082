// SPDX-License-Identifier: Apache-2.0
// Copyright (c) 2026 NVIDIA CORPORATION & AFFILIATES. All rights reserved.

//! No import cycle among the modules of the xtask: not among the top-level modules,
//! and not among the children of any module (the tasks under `tasks`, the gates under
//! `tasks::qualify`, …). A task used by another task is a library in the wrong place;
//! only orchestrators import other tasks. The edges:
//! `cargo test -p xtask --test module_cycles -- --nocapture`.

#[path = "../../crates/aicr/tests/module_graph/mod.rs"]
mod module_graph;

use std::path::Path;

#[test]
fn the_modules_of_the_xtask_import_no_cycle() {
    module_graph::assert_acyclic_tree(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
        "main.rs",
    );
}
