// SPDX-License-Identifier: Apache-2.0
// Copyright (c) 2026 NVIDIA CORPORATION & AFFILIATES. All rights reserved.

//! The machine `aicr snapshot` runs on, as a [`Node`] the library's pure snapshot code
//! reads: files under a root directory (`/` for the machine itself) and an
//! `nvidia-smi` program. A module of the binary: the library touches no machine.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use aicr::snapshot::Node;

/// A machine: its files under `root`, and the `nvidia-smi` it runs.
#[derive(Debug, Clone)]
pub struct Machine {
    root: PathBuf,
    nvidia_smi: OsString,
}

impl Machine {
    /// The machine this process runs on.
    pub fn local() -> Machine {
        Machine::new(Path::new("/"), "nvidia-smi")
    }

    /// The files under `root` (`/etc/os-release` is `root/etc/os-release`) and the
    /// program `nvidia_smi`, looked up on `PATH` when it is a bare name.
    pub fn new(root: &Path, nvidia_smi: impl Into<OsString>) -> Machine {
        Machine {
            root: root.to_owned(),
            nvidia_smi: nvidia_smi.into(),
        }
    }

    /// Where a path of the node is on this machine.
    fn path(&self, path: &str) -> PathBuf {
        self.root.join(path.trim_start_matches('/'))
    }
}

impl Node for Machine {
    fn read(&self, path: &str) -> std::io::Result<String> {
        std::fs::read_to_string(self.path(path))
    }

    fn list(&self, dir: &str) -> std::io::Result<Vec<(String, bool)>> {
        let mut entries = Vec::new();
        for entry in std::fs::read_dir(self.path(dir))? {
            let Ok(entry) = entry else { continue };
            let name = entry.file_name();
            entries.push((
                format!("{dir}/{}", name.to_string_lossy()),
                entry.path().is_dir(),
            ));
        }
        Ok(entries)
    }

    fn nvidia_smi(&self) -> std::io::Result<Output> {
        Command::new(&self.nvidia_smi).args(["-q", "-x"]).output()
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::os::unix::fs::PermissionsExt;

    use aicr::snapshot::collect;

    use super::*;

    /// A fresh directory for one test, removed when the test ends.
    fn workdir(name: &str) -> tempfile::TempDir {
        tempfile::Builder::new()
            .prefix(&format!("aicr-collect-{name}-"))
            .tempdir()
            .unwrap()
    }

    fn write(root: &Path, path: &str, text: &str) {
        let path = root.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    /// An executable shell script at `dir/name`.
    fn script(dir: &Path, name: &str, body: &str) -> PathBuf {
        let path = dir.join(name);
        std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        path
    }

    /// A node with the files `aicr snapshot` reads, under `root`.
    fn node(root: &Path) {
        write(
            root,
            "etc/os-release",
            "NAME=\"Ubuntu\"\nVERSION_ID=\"24.04\"\nID=ubuntu\n",
        );
        write(root, "proc/cmdline", "BOOT_IMAGE=/vmlinuz ro iommu=pt\n");
        write(root, "proc/modules", "nvidia 123 4 - Live 0x0\n");
        write(root, "proc/sys/kernel/hostname", "gpu-node-1\n");
        write(root, "proc/sys/kernel/osrelease", "6.8.0-1015-aws\n");
        write(root, "proc/sys/kernel/random/boot_id", "abc\n");
        write(root, "proc/sys/kernel/random/deeper/not_read", "x\n");
        write(root, "proc/sys/vm/swappiness", "60\n");
    }

    #[test]
    fn a_node_with_gpus_is_measured_from_its_files_and_nvidia_smi() {
        let dir = workdir("gpus");
        let root = dir.path();
        node(root);
        let fixture =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/nvidia-smi-q-x.xml");
        let smi = script(root, "nvidia-smi", &format!("cat '{}'", fixture.display()));
        let snapshot = collect(&Machine::new(root, smi), "v1.2.3", "2026-01-01T00:00:00Z");
        assert_eq!(snapshot.metadata.source_node, "gpu-node-1");
        assert_eq!(snapshot.metadata.version, "v1.2.3");
        assert!(
            snapshot.metadata.collector_errors.is_empty(),
            "{:?}",
            snapshot.metadata.collector_errors
        );
        assert_eq!(snapshot.value("OS.release.VERSION_ID"), Some("24.04"));
        assert_eq!(snapshot.value("OS.grub.iommu"), Some("pt"));
        assert_eq!(snapshot.value("OS.kmod.nvidia"), Some("Live"));
        assert_eq!(snapshot.value("GPU.smi.gpu-count"), Some("2"));
        assert_eq!(snapshot.value("GPU.smi.driver-version"), Some("580.105.08"));
        let sysctl = &snapshot.measurements[0].subtypes[3];
        assert_eq!(sysctl.subtype, "sysctl");
        let want: BTreeMap<String, String> = [
            ("/proc/sys/kernel/hostname", "gpu-node-1"),
            ("/proc/sys/kernel/osrelease", "6.8.0-1015-aws"),
            ("/proc/sys/kernel/random/boot_id", "abc"),
            ("/proc/sys/vm/swappiness", "60"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        assert_eq!(
            sysctl.data, want,
            "keys are paths on the node, one directory deep"
        );
    }

    #[test]
    fn missing_files_and_a_failing_nvidia_smi_are_collector_errors() {
        let dir = workdir("errors");
        let root = dir.path();
        write(root, "proc/cmdline", "ro\n");
        let smi = script(root, "nvidia-smi", "exit 3");
        let snapshot = collect(&Machine::new(root, smi), "v", "t");
        let errors = &snapshot.metadata.collector_errors;
        assert_eq!(errors.len(), 3, "{errors:?}");
        assert!(errors[0].starts_with("/etc/os-release: "), "{errors:?}");
        assert!(errors[1].starts_with("/proc/modules: "), "{errors:?}");
        assert_eq!(errors[2], "nvidia-smi exited Some(3)");
        assert_eq!(snapshot.metadata.source_node, "unknown");
        let os: Vec<&str> = snapshot.measurements[0]
            .subtypes
            .iter()
            .map(|s| s.subtype.as_str())
            .collect();
        assert_eq!(os, ["grub", "sysctl"]);
        assert_eq!(snapshot.value("GPU.smi.gpu-count"), Some("0"));
    }

    #[test]
    fn no_nvidia_smi_means_no_gpus_and_no_error() {
        let dir = workdir("no-smi");
        let root = dir.path();
        node(root);
        let snapshot = collect(&Machine::new(root, root.join("absent")), "v", "t");
        assert!(snapshot.metadata.collector_errors.is_empty());
        assert_eq!(
            snapshot.measurements[1].subtypes[0].data,
            BTreeMap::from([("gpu-count".to_owned(), "0".to_owned())])
        );
    }

    #[test]
    fn unparsable_nvidia_smi_output_is_a_collector_error() {
        let dir = workdir("bad-smi");
        let root = dir.path();
        node(root);
        let smi = script(root, "nvidia-smi", "echo '<not xml'");
        let snapshot = collect(&Machine::new(root, smi), "v", "t");
        let errors = &snapshot.metadata.collector_errors;
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert!(errors[0].starts_with("nvidia-smi: "), "{errors:?}");
        assert_eq!(snapshot.value("GPU.smi.gpu-count"), Some("0"));
    }
}
