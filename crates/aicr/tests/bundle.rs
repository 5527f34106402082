// SPDX-License-Identifier: Apache-2.0
// Copyright (c) 2026 NVIDIA CORPORATION & AFFILIATES. All rights reserved.

//! `aicr bundle` and `aicr verify` through the real binary, checked with the real
//! `sha256sum`.

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;

use support::{aicr, aicr_in, stderr, workdir, write_recipe};

fn make_bundle(dir: &Path, extra: &[&str]) -> PathBuf {
    let recipe = write_recipe(dir);
    let bundle = dir.join("bundle");
    let mut args = vec![
        "bundle",
        "-r",
        recipe.to_str().unwrap(),
        "-o",
        bundle.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    let out = aicr(&args);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    bundle
}

fn sha256sum_check(dir: &Path) -> bool {
    Command::new("sha256sum")
        .args(["-c", "--strict", "--quiet", "checksums.txt"])
        .current_dir(dir)
        .status()
        .unwrap()
        .success()
}

#[test]
fn bundles_verify_with_sha256sum_and_aicr_and_tampering_fails_both() {
    let dir = workdir("verify");
    let bundle = make_bundle(
        &dir,
        &[
            "--set-string",
            "gpu-operator:driver.version=590.1",
            "--set",
            "gpu-operator:driver.enabled=true",
        ],
    );
    for file in [
        "deploy.sh",
        "undeploy.sh",
        "README.md",
        "recipe.yaml",
        "gpu-operator/values.yaml",
        "gpu-operator/README.md",
    ] {
        assert!(bundle.join(file).is_file(), "{file}");
    }
    let values = std::fs::read_to_string(bundle.join("gpu-operator/values.yaml")).unwrap();
    assert!(values.contains("version: '590.1'"), "{values}");
    assert!(values.contains("enabled: true"), "{values}");
    let deploy = std::fs::read_to_string(bundle.join("deploy.sh")).unwrap();
    let at = |needle: &str| {
        deploy
            .find(&format!("'--' '{needle}' "))
            .unwrap_or_else(|| panic!("{needle} in deploy.sh"))
    };
    assert!(at("cert-manager") < at("gpu-operator"), "deployment order");
    let sums = std::fs::read_to_string(bundle.join("checksums.txt")).unwrap();
    let paths: Vec<&str> = sums
        .lines()
        .map(|l| l.split("  ").nth(1).unwrap())
        .collect();
    let mut sorted = paths.clone();
    sorted.sort_unstable();
    assert_eq!(paths, sorted, "checksums.txt is sorted");
    assert!(sha256sum_check(&bundle));
    assert!(aicr(&["verify", bundle.to_str().unwrap()]).status.success());
    if Command::new("shellcheck").arg("--version").output().is_ok() {
        let out = Command::new("shellcheck")
            .arg("deploy.sh")
            .arg("undeploy.sh")
            .current_dir(&bundle)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "shellcheck: {}",
            String::from_utf8_lossy(&out.stdout)
        );
    }

    std::fs::write(
        bundle.join("gpu-operator/values.yaml"),
        "driver: {version: evil}\n",
    )
    .unwrap();
    assert!(!sha256sum_check(&bundle));
    let out = aicr(&["verify", bundle.to_str().unwrap(), "-t", "json"]);
    assert_eq!(out.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["passed"], false);
    assert_eq!(report["failed"], 1);
}

#[test]
fn paths_that_leave_the_bundle_are_refused() {
    let dir = workdir("escape");
    let bundle = make_bundle(&dir, &[]);
    std::fs::write(dir.join("outside.txt"), "x").unwrap();
    let sums = std::fs::read_to_string(bundle.join("checksums.txt")).unwrap();
    let evil = format!(
        "{sums}2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881  ../outside.txt\n"
    );
    std::fs::write(bundle.join("checksums.txt"), evil).unwrap();
    let out = aicr(&["verify", bundle.to_str().unwrap()]);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stdout)
            .contains("FAIL ../outside.txt: the path leaves the bundle; refused")
    );
}

#[test]
fn non_empty_directories_need_force_and_sets_are_checked() {
    let dir = workdir("force");
    let bundle = make_bundle(&dir, &["--set", "aws-efa:enabled=false"]);
    assert!(
        !bundle.join("aws-efa").exists(),
        "enabled=false drops the component"
    );
    assert!(
        !std::fs::read_to_string(bundle.join("deploy.sh"))
            .unwrap()
            .contains("aws-efa")
    );
    let recipe = dir.join("recipe.yaml");
    let out = aicr(&[
        "bundle",
        "-r",
        recipe.to_str().unwrap(),
        "-o",
        bundle.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("is not empty; hint"));
    assert!(
        aicr(&[
            "bundle",
            "-r",
            recipe.to_str().unwrap(),
            "-o",
            bundle.to_str().unwrap(),
            "--force"
        ])
        .status
        .success()
    );
    assert!(bundle.join("aws-efa").exists());
    let out = aicr(&[
        "bundle",
        "-r",
        recipe.to_str().unwrap(),
        "-o",
        dir.join("b2").to_str().unwrap(),
        "--set",
        "nope:x=1",
    ]);
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("--set names \"nope\", which the recipe does not include")
    );
    assert!(!dir.join("b2").exists(), "nothing is written on error");
}

/// Every file under `dir` with its content, for before/after comparisons.
fn snapshot(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            let meta = std::fs::symlink_metadata(&path).unwrap();
            if meta.is_dir() {
                stack.push(path);
            } else if meta.is_file() {
                out.push((path.clone(), std::fs::read(&path).unwrap()));
            } else {
                out.push((
                    path.clone(),
                    std::fs::read_link(&path)
                        .unwrap()
                        .into_os_string()
                        .into_encoded_bytes(),
                ));
            }
        }
    }
    out.sort();
    out
}

/// The scratch directories (`.NAME.tmp-*`, `.NAME.old-*`) a bundle run may leave in
/// `dir` by mistake, for any target named as one of `dir`'s entries or `dir` itself.
fn leftovers(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.push(dir.file_name().unwrap().to_string_lossy().into_owned());
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| {
            names.iter().any(|target| {
                n.starts_with(&format!(".{target}.tmp-"))
                    || n.starts_with(&format!(".{target}.old-"))
            })
        })
        .collect()
}

#[test]
fn force_never_replaces_the_current_directory_or_a_directory_holding_inputs() {
    let dir = workdir("force-cwd");
    let recipe = write_recipe(&dir);
    std::fs::write(dir.join("notes.txt"), "mine").unwrap();
    std::fs::create_dir(dir.join("sub")).unwrap();
    let before = snapshot(&dir);

    let out = aicr_in(&dir, &["bundle", "-r", "recipe.yaml", "-o", ".", "--force"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        stderr(&out),
        "error: . is the current directory; hint: choose a new directory, e.g. -o bundle\n"
    );
    let elsewhere = workdir("force-cwd-elsewhere");
    let out = aicr_in(
        &elsewhere,
        &[
            "bundle",
            "-r",
            recipe.to_str().unwrap(),
            "-o",
            ".",
            "--force",
        ],
    );
    assert!(
        stderr(&out).contains("is the current directory"),
        "{}",
        stderr(&out)
    );
    let out = aicr_in(
        &dir.join("sub"),
        &["bundle", "-r", "../recipe.yaml", "-o", "..", "--force"],
    );
    assert_eq!(
        stderr(&out),
        "error: .. holds the current directory; hint: choose a new directory, e.g. -o bundle\n"
    );
    let out = aicr_in(
        &dir,
        &["bundle", "-r", "recipe.yaml", "-o", "sub/..", "--force"],
    );
    assert!(
        stderr(&out).contains("is the current directory"),
        "{}",
        stderr(&out)
    );

    let parent = dir.parent().unwrap();
    let via_dotdot = format!("{}/sub/..", dir.display());
    let out = aicr_in(
        parent,
        &[
            "bundle",
            "-r",
            recipe.to_str().unwrap(),
            "-o",
            &via_dotdot,
            "--force",
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        stderr(&out),
        format!(
            "error: {via_dotdot} holds the input {}; hint: choose another output directory\n",
            recipe.display()
        )
    );
    assert_eq!(snapshot(&dir), before, "nothing of the user's changed");
    assert!(leftovers(parent).is_empty() && leftovers(&dir).is_empty());

    let catalog = dir.join("sub/catalog");
    std::fs::create_dir_all(&catalog).unwrap();
    std::fs::write(catalog.join("registry.yaml"), "components: []\n").unwrap();
    let out = aicr_in(
        &elsewhere,
        &[
            "bundle",
            "-r",
            recipe.to_str().unwrap(),
            "--data",
            catalog.to_str().unwrap(),
            "-o",
            dir.join("sub").to_str().unwrap(),
            "--force",
        ],
    );
    assert!(
        stderr(&out).contains("holds the input") && stderr(&out).contains("catalog"),
        "{}",
        stderr(&out)
    );
    assert!(catalog.join("registry.yaml").is_file());
}

#[test]
fn force_through_dotdot_replaces_the_resolved_directory_and_leaves_nothing_behind() {
    let dir = workdir("force-dotdot");
    let recipe = write_recipe(&dir);
    let out_dir = dir.join("out");
    std::fs::create_dir_all(out_dir.join("sub")).unwrap();
    std::fs::write(out_dir.join("old.txt"), "old bundle").unwrap();
    let out = aicr_in(
        &dir,
        &[
            "bundle",
            "-r",
            recipe.to_str().unwrap(),
            "-o",
            "out/sub/..",
            "--force",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!out_dir.join("old.txt").exists() && !out_dir.join("sub").exists());
    assert!(out_dir.join("deploy.sh").is_file());
    assert!(sha256sum_check(&out_dir));
    assert!(leftovers(&dir).is_empty(), "{:?}", leftovers(&dir));
    let names: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names.len(), 2, "recipe.yaml and out only: {names:?}");

    let out = aicr_in(
        &dir,
        &[
            "bundle",
            "-r",
            "recipe.yaml",
            "-o",
            "new/deeper/..",
            "--force",
        ],
    );
    assert_eq!(
        stderr(&out),
        "error: cannot resolve new/deeper/..: it goes up ('..') from a directory that does not exist\n"
    );
    assert!(!dir.join("new").exists());
}

#[test]
fn links_files_and_special_outputs_are_refused_untouched() {
    let dir = workdir("force-types");
    write_recipe(&dir);
    let real = dir.join("real");
    std::fs::create_dir(&real).unwrap();
    std::fs::write(real.join("keep.txt"), "mine").unwrap();
    std::os::unix::fs::symlink(&real, dir.join("link")).unwrap();
    std::fs::write(dir.join("file"), "mine").unwrap();
    let before = snapshot(&dir);
    let run = |output: &str| {
        aicr_in(
            &dir,
            &["bundle", "-r", "recipe.yaml", "-o", output, "--force"],
        )
    };

    let out = run("link");
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        stderr(&out),
        "error: link is a symbolic link; hint: pass the directory it points to, or a new directory\n"
    );
    let out = run("file");
    assert_eq!(
        stderr(&out),
        "error: file exists and is not a directory; hint: choose a directory\n"
    );
    let out = run("file/sub");
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).starts_with("error: cannot use file/sub as the output directory"),
        "{}",
        stderr(&out)
    );
    let out = run("/");
    assert_eq!(
        stderr(&out),
        "error: / is the root directory; hint: choose a new directory, e.g. -o bundle\n"
    );
    assert_eq!(snapshot(&dir), before);
    assert!(leftovers(&dir).is_empty());

    // Through the link's target itself, a plain directory, --force replaces it.
    let out = run("real");
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!real.join("keep.txt").exists() && real.join("deploy.sh").is_file());
    assert!(
        std::fs::symlink_metadata(dir.join("link"))
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert!(leftovers(&dir).is_empty());
}
