// SPDX-License-Identifier: Apache-2.0
// Copyright (c) 2026 NVIDIA CORPORATION & AFFILIATES. All rights reserved.

//! Throwaway git repositories for the xtask's integration tests: a work tree on `main`
//! with a local bare repository as `origin`, isolated from the user's git config, with
//! fixed identities and dates, and a runner for the real `xtask` binary inside it.

#![allow(dead_code)]

pub mod registry;

use std::cell::Cell;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use tempfile::TempDir;

/// The first commit date of every test repository (2026-01-02T03:04:05Z).
pub const EPOCH: i64 = 1_767_323_045;

#[derive(Debug)]
pub struct Repo {
    _dir: TempDir,
    pub work: PathBuf,
    pub origin: PathBuf,
    home: PathBuf,
    clock: Cell<i64>,
}

/// The result of running the xtask.
#[derive(Debug)]
pub struct Run {
    pub ok: bool,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    fn from(output: Output) -> Run {
        Run {
            ok: output.status.success(),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }

    /// Asserts success and returns stdout.
    #[track_caller]
    pub fn success(self) -> String {
        assert!(
            self.ok,
            "expected success\nstdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
        self.stdout
    }

    /// Asserts failure with `needle` in stderr.
    #[track_caller]
    pub fn failure(self, needle: &str) -> String {
        assert!(
            !self.ok,
            "expected failure\nstdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
        assert!(
            self.stderr.contains(needle),
            "stderr lacks {needle:?}:\n{}",
            self.stderr
        );
        self.stderr
    }
}

impl Repo {
    /// A repository with one commit on `main`, pushed to a bare `origin`.
    pub fn new() -> Repo {
        let dir = tempfile::tempdir().expect("temp dir");
        let work = dir.path().join("work");
        Repo::init(dir, work)
    }

    fn init(dir: TempDir, work: PathBuf) -> Repo {
        let origin = dir.path().join("origin.git");
        let home = dir.path().join("home");
        fs::create_dir_all(&work).unwrap();
        fs::create_dir_all(&home).unwrap();
        let repo = Repo {
            _dir: dir,
            work,
            origin,
            home,
            clock: Cell::new(EPOCH),
        };
        repo.run_git(
            repo.origin.parent().unwrap(),
            &[
                "init",
                "--quiet",
                "--bare",
                "--initial-branch=main",
                "origin.git",
            ],
        );
        repo.git(&["init", "--quiet", "--initial-branch=main"]);
        repo.git(&["remote", "add", "origin", repo.origin.to_str().unwrap()]);
        // The manifest names the repository, which changelog links point into.
        fs::write(
            repo.work.join("Cargo.toml"),
            "# SPDX-License-Identifier: Apache-2.0\n# Copyright (c) 2026 NVIDIA CORPORATION & AFFILIATES. All rights reserved.\n\n[workspace]\nmembers = []\n\n[workspace.package]\nrepository = \"https://github.com/NVIDIA/aicr\"\n",
        )
        .unwrap();
        repo.git(&["add", "Cargo.toml"]);
        repo.commit("chore: initial commit");
        repo.git(&["push", "--quiet", "-u", "origin", "main"]);
        repo
    }

    fn env(&self, cmd: &mut Command) {
        let date = format!("@{} +0000", self.clock.get());
        cmd.env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("HOME", &self.home)
            .env("GIT_AUTHOR_NAME", "Release Tester")
            .env("GIT_AUTHOR_EMAIL", "tester@example.com")
            .env("GIT_COMMITTER_NAME", "Release Tester")
            .env("GIT_COMMITTER_EMAIL", "tester@example.com")
            .env("GIT_AUTHOR_DATE", &date)
            .env("GIT_COMMITTER_DATE", &date)
            .env_remove("GIT_DIR")
            .env_remove("GIT_WORK_TREE");
    }

    fn run_git(&self, dir: &Path, args: &[&str]) -> String {
        let mut cmd = Command::new("git");
        cmd.current_dir(dir).args(args);
        self.env(&mut cmd);
        let out = cmd.output().expect("git runs");
        assert!(
            out.status.success(),
            "git {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_owned()
    }

    /// Runs git in the work tree and returns its trimmed stdout; panics on failure.
    pub fn git(&self, args: &[&str]) -> String {
        self.run_git(&self.work, args)
    }

    /// Runs git in the bare origin.
    pub fn origin_git(&self, args: &[&str]) -> String {
        self.run_git(&self.origin, args)
    }

    /// Commits a change to a file named after the message; returns the full SHA.
    pub fn commit(&self, message: &str) -> String {
        let n = self.clock.get() - EPOCH;
        fs::write(self.work.join("history.txt"), format!("{n} {message}\n")).unwrap();
        self.git(&["add", "history.txt"]);
        self.git(&["commit", "--quiet", "-m", message]);
        self.clock.set(self.clock.get() + 60);
        self.git(&["rev-parse", "HEAD"])
    }

    /// Commits and pushes to origin's main.
    pub fn commit_pushed(&self, message: &str) -> String {
        let sha = self.commit(message);
        self.git(&["push", "--quiet", "origin", "HEAD"]);
        sha
    }

    /// Creates an annotated tag at HEAD and pushes it.
    pub fn tag_pushed(&self, name: &str) {
        self.git(&["tag", "-a", "-m", name, name]);
        self.git(&["push", "--quiet", "origin", &format!("refs/tags/{name}")]);
    }

    /// The local tags, sorted.
    pub fn local_tags(&self) -> Vec<String> {
        let out = self.git(&["tag", "--list"]);
        let mut tags: Vec<String> = out.lines().map(str::to_owned).collect();
        tags.sort();
        tags
    }

    /// The origin's tags, sorted.
    pub fn remote_tags(&self) -> Vec<String> {
        let out = self.origin_git(&["tag", "--list"]);
        let mut tags: Vec<String> = out.lines().map(str::to_owned).collect();
        tags.sort();
        tags
    }

    /// The commit a tag points at, locally.
    pub fn tag_commit(&self, tag: &str) -> String {
        self.git(&["rev-parse", &format!("{tag}^{{commit}}")])
    }

    /// Runs the real xtask binary with `-C <work>`.
    pub fn xtask(&self, args: &[&str]) -> Run {
        self.xtask_env(args, &[])
    }

    /// Runs the real xtask binary with `-C <work>` and extra environment variables.
    pub fn xtask_env(&self, args: &[&str], envs: &[(&str, &str)]) -> Run {
        let mut cmd = self.xtask_command(args);
        cmd.envs(envs.iter().copied());
        Run::from(cmd.output().expect("xtask runs"))
    }

    /// Runs the xtask as [`Repo::xtask_env`] does and samples its peak resident set
    /// (`VmHWM` of /proc/<pid>/status, in KiB) until it exits.
    pub fn xtask_peak(&self, args: &[&str], envs: &[(&str, &str)]) -> (Run, u64) {
        use std::io::Read;
        use std::process::Stdio;
        let mut child = self
            .xtask_command(args)
            .envs(envs.iter().copied())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("xtask runs");
        let mut stdout = child.stdout.take().unwrap();
        let mut stderr = child.stderr.take().unwrap();
        let out = std::thread::spawn(move || {
            let mut s = Vec::new();
            stdout.read_to_end(&mut s).unwrap();
            s
        });
        let err = std::thread::spawn(move || {
            let mut s = Vec::new();
            stderr.read_to_end(&mut s).unwrap();
            s
        });
        let status_file = format!("/proc/{}/status", child.id());
        let mut peak = 0;
        let status = loop {
            if let Ok(text) = fs::read_to_string(&status_file) {
                for line in text.lines() {
                    if let Some(kib) = line.strip_prefix("VmHWM:") {
                        let kib: u64 = kib.trim().trim_end_matches("kB").trim().parse().unwrap();
                        peak = peak.max(kib);
                    }
                }
            }
            if let Some(status) = child.try_wait().unwrap() {
                break status;
            }
            std::thread::sleep(std::time::Duration::from_millis(5));
        };
        let run = Run {
            ok: status.success(),
            stdout: String::from_utf8_lossy(&out.join().unwrap()).into_owned(),
            stderr: String::from_utf8_lossy(&err.join().unwrap()).into_owned(),
        };
        (run, peak)
    }

    /// The command that runs the real xtask binary with `-C <work>`, for tests that
    /// set up its standard streams themselves.
    pub fn xtask_command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_xtask"));
        cmd.arg("-C").arg(&self.work).args(args);
        self.env(&mut cmd);
        cmd.env_remove("GITHUB_ACTIONS")
            .env_remove("GITHUB_STEP_SUMMARY")
            .env_remove("AICR_REGISTRY_USERNAME")
            .env_remove("AICR_REGISTRY_PASSWORD")
            .env_remove("AICR_TOOLS_DIR");
        cmd
    }

    /// Runs the real xtask binary like [`Repo::xtask`], failing the test when it has
    /// not finished after `limit` (a guard against hangs, not a speed assertion).
    pub fn xtask_within(&self, args: &[&str], limit: std::time::Duration) -> Run {
        Run::from(output_within(self.xtask_command(args), limit))
    }
}

/// Runs `cmd` with its output captured; kills it and fails the test when it has not
/// finished after `limit`.
pub fn output_within(mut cmd: Command, limit: std::time::Duration) -> Output {
    use std::io::Read;
    use std::process::Stdio;
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the command starts");
    let drain = |pipe: Option<Box<dyn Read + Send>>| {
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            if let Some(mut pipe) = pipe {
                let _ = pipe.read_to_end(&mut bytes);
            }
            bytes
        })
    };
    let stdout = drain(
        child
            .stdout
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let stderr = drain(
        child
            .stderr
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let started = std::time::Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("the command can be waited for") {
            break status;
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{cmd:?} did not finish within {limit:?}: it hangs");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    Output {
        status,
        stdout: stdout.join().expect("stdout is read"),
        stderr: stderr.join().expect("stderr is read"),
    }
}

/// A committed fixture below `xtask/tests/data` (see its README.md). A missing one fails
/// the test naming the file and the fix, instead of an unwrap deep inside it.
#[track_caller]
pub fn data(relative: &str) -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data");
    let path = root.join(relative);
    assert!(
        path.exists(),
        "the test fixture {} is missing; it is committed in the repository (xtask/tests/data/README.md lists each file and its upstream); hint: git checkout -- xtask/tests/data",
        path.display()
    );
    path
}

/// The bytes of a committed fixture (see [`data`]).
#[track_caller]
pub fn read_data(relative: &str) -> Vec<u8> {
    let path = data(relative);
    fs::read(&path)
        .unwrap_or_else(|e| panic!("cannot read the test fixture {}: {e}", path.display()))
}

pub const DEFINITION: &str = r#"# SPDX-License-Identifier: Apache-2.0
# Copyright (c) 2026 NVIDIA CORPORATION & AFFILIATES. All rights reserved.
[project]
name = "aicr"
checksums = "aicr_checksums.txt"
notices = "THIRD_PARTY_NOTICES.md"

[[binary]]
name = "aicr"
package = "aicr"
targets = ["x86_64-unknown-linux-musl", "aarch64-apple-darwin"]
formats = ["tar.gz", "zip"]
files = ["LICENSE", "docs/README.md"]

[[binary]]
name = "aicrd"
package = "aicrd"
targets = ["x86_64-unknown-linux-musl"]
formats = ["tar.gz"]
files = ["LICENSE"]
"#;

/// A repository holding a small cargo workspace (packages aicr and aicrd), a release
/// definition and the files it ships.
pub fn release_repo() -> Repo {
    let repo = Repo::new();
    fs::create_dir_all(repo.work.join("dist")).unwrap();
    fs::create_dir_all(repo.work.join("docs")).unwrap();
    fs::write(repo.work.join("dist/release.toml"), DEFINITION).unwrap();
    fs::write(
        repo.work.join("Cargo.toml"),
        "[workspace]\nresolver = \"3\"\nmembers = [\"aicr\", \"aicrd\"]\n\n[workspace.package]\nrepository = \"https://github.com/NVIDIA/aicr\"\n",
    )
    .unwrap();
    for name in ["aicr", "aicrd"] {
        fs::create_dir_all(repo.work.join(name).join("src")).unwrap();
        fs::write(
            repo.work.join(name).join("Cargo.toml"),
            format!("[package]\nname = \"{name}\"\nversion = \"0.1.0\"\nedition = \"2024\"\nlicense = \"Apache-2.0\"\n"),
        )
        .unwrap();
        fs::write(repo.work.join(name).join("src/main.rs"), "fn main() {}\n").unwrap();
    }
    let status = Command::new(env!("CARGO"))
        .args(["generate-lockfile", "--offline", "--quiet"])
        .current_dir(&repo.work)
        .status()
        .unwrap();
    assert!(status.success());
    fs::write(
        repo.work.join("LICENSE"),
        "Apache License 2.0 (test copy)\n",
    )
    .unwrap();
    fs::write(repo.work.join("docs/README.md"), "# aicr\n").unwrap();
    fs::write(repo.work.join(".gitignore"), "/target\n").unwrap();
    repo.xtask(&["notices"]).success();
    repo.git(&["add", "."]);
    repo.commit_pushed("feat: release definition");
    repo
}

/// The release fixture with two images: aicrd (static base) in `ghcr.io/aicr/<name>`
/// and aicr on `base` in `ghcr.io/aicr/<name>-cli`.
pub fn image_repo(name: &str, base: &str) -> Repo {
    let repo = release_repo();
    fs::create_dir_all(repo.work.join("dist/images")).unwrap();
    fs::write(
        repo.work.join("dist/images/ca.crt"),
        "-----BEGIN CERTIFICATE-----\ntest\n-----END CERTIFICATE-----\n",
    )
    .unwrap();
    let def = fs::read_to_string(repo.work.join("dist/release.toml")).unwrap();
    // The images live on the registry of a loopback base (as a release pushes to the
    // registry its credentials are for), on ghcr.io otherwise.
    let registry = base
        .split_once('/')
        .map(|(host, _)| host)
        .filter(|host| host.starts_with("127."))
        .unwrap_or("ghcr.io");
    let def = format!(
        "{def}\n[[image]]\nname = \"aicrd\"\nbinary = \"aicrd\"\nrepository = \"{registry}/aicr/{name}\"\nca_bundle = \"dist/images/ca.crt\"\n\n[[image]]\nname = \"aicr\"\nbinary = \"aicr\"\nrepository = \"{registry}/aicr/{name}-cli\"\nbase = \"{base}\"\nca_bundle = \"dist/images/ca.crt\"\n"
    );
    fs::write(repo.work.join("dist/release.toml"), def).unwrap();
    repo.git(&["add", "."]);
    repo.commit_pushed("build: images");
    repo
}
