// SPDX-License-Identifier: Apache-2.0
// Copyright (c) 2026 NVIDIA CORPORATION & AFFILIATES. All rights reserved.

//! `aicr`: the AI Cluster Runtime command-line tool.

#![forbid(unsafe_code)]

use std::process::ExitCode;

use aicr::build_info::BUILD;
use clap::{Parser, Subcommand};

/// AI Cluster Runtime: turns a short description of a GPU Kubernetes cluster into a
/// validated recipe of components, versions and constraints.
#[derive(Debug, Parser)]
#[command(name = "aicr", version = BUILD.clap_version())]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Print the version, commit and build date of this binary.
    Version,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Version => println!("{}", BUILD.version_line("aicr")),
    }
    aicr::exit::Code::Ok.into()
}
