// SPDX-License-Identifier: Apache-2.0
// Copyright (c) 2026 NVIDIA CORPORATION & AFFILIATES. All rights reserved.

//! `cargo xtask`: build, qualify and release tooling for the AICR workspace.
//!
//! This file only parses flags and dispatches; each task lives in `tasks/<task>.rs`.

#![forbid(unsafe_code)]

#[macro_use]
mod output;

mod actions;
mod archive;
mod artifacts;
mod assets;
mod attestation;
mod changelog;
mod deps;
mod dist;
mod dsse;
mod flags;
mod fsutil;
mod gate;
mod git;
mod github;
mod history;
mod homebrew;
mod http;
mod image_attest;
mod image_contents;
mod macho;
mod oci;
mod parallel;
mod project;
mod registry;
mod targets;
mod tasks;
mod tools;
mod version;
mod wheels;

use std::process::ExitCode;

fn main() -> ExitCode {
    let flags: flags::Xtask = output::parse_flags();
    match run(flags) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            errln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(flags: flags::Xtask) -> anyhow::Result<()> {
    let project = project::Project::open(flags.directory.as_deref())?;
    match flags.task {
        flags::Task::Build(args) => tasks::build::run(&project, &args),
        flags::Task::Qualify(args) => tasks::qualify::run(&project, &(&args).into()),
        flags::Task::Headers(args) => tasks::headers::run(&project, &args),
        flags::Task::Bump(args) => tasks::bump::run(&project, &(&args).into()),
        flags::Task::Version(args) => tasks::version::run(&project, &args),
        flags::Task::CrossBuild(args) => tasks::cross_build::run(&project, &args),
        flags::Task::Package(args) => tasks::package::run(&project, &args),
        flags::Task::Checksum(args) => tasks::checksum::run(&project, &args),
        flags::Task::Release(args) => tasks::release::run(&project, &args),
        flags::Task::Plan(args) => tasks::plan::run(&project, &args),
        flags::Task::KindE2e(args) => tasks::kind_e2e::run(&project, &args),
        flags::Task::Site(args) => tasks::site::run(&project, &args),
        flags::Task::Images(args) => tasks::images::run(&project, &args),
        flags::Task::Notices(args) => tasks::notices::run(&project, &args),
        flags::Task::Sbom(args) => tasks::sbom::run(&project, &args),
        flags::Task::Changelog(args) => tasks::changelog::run(&project, &(&args).into()),
        flags::Task::Attest(args) => tasks::attest::run(&project, &args),
        flags::Task::Keygen(args) => tasks::keygen::run(&project, &args),
        flags::Task::Verify(args) => tasks::verify::run(&project, &args),
        flags::Task::Rebuild(args) => tasks::rebuild::run(&project, &args),
        flags::Task::Bench(args) => tasks::bench::run(&project, &args),
    }
}
