// SPDX-License-Identifier: Apache-2.0
// Copyright (c) 2026 NVIDIA CORPORATION & AFFILIATES. All rights reserved.

//! The `licenses` gate: every third-party crate shipped in the released binaries (see
//! `deps`) has a license expression the allow-list of `dist/release.toml` satisfies.
//! Expressions are parsed as SPDX (the legacy `MIT/Apache-2.0` means OR); a `WITH`
//! exception only adds permissions, so its base license decides. Crates listed under
//! `[[licenses.exception]]` pass with their written reason.

use anyhow::Result;

use crate::deps;
use crate::dist::{Definition, Licenses};
use crate::gate::{Finding, Outcome};
use crate::project::Project;

/// Why a license expression is not acceptable, or `None` when it is.
pub fn judge(expression: Option<&str>, allow: &[String]) -> Option<String> {
    let Some(text) = expression else {
        return Some("declares no SPDX license expression (only a license file)".to_owned());
    };
    let parsed = match spdx::Expression::parse_mode(text, spdx::ParseMode::LAX) {
        Ok(parsed) => parsed,
        Err(err) => {
            return Some(format!(
                "license '{text}' is not a valid SPDX expression ({})",
                err.reason
            ));
        }
    };
    let ok = parsed.evaluate(|req| {
        req.license
            .id()
            .is_some_and(|id| allow.iter().any(|a| a == id.name))
    });
    (!ok).then(|| format!("license '{text}' is not satisfied by the allow-list"))
}

/// Judges every package; returns the findings and how many crates were checked.
pub fn findings<'a>(
    packages: impl IntoIterator<Item = (&'a str, String, Option<&'a str>)>,
    policy: &Licenses,
) -> (usize, Vec<Finding>) {
    let mut checked = 0;
    let mut findings = Vec::new();
    for (name, version, license) in packages {
        checked += 1;
        if policy.exceptions.iter().any(|e| e.name == name) {
            continue;
        }
        if let Some(problem) = judge(license, &policy.allow) {
            findings.push(Finding::new(format!(
                "{name} {version}: {problem}; hint: replace the dependency, or add [[licenses.exception]] crate = \"{name}\" with a reason to dist/release.toml"
            )));
        }
    }
    (checked, findings)
}

pub fn check(project: &Project, def: &Definition) -> Result<Outcome> {
    let packages = deps::shipped(project, def)?;
    let (checked, findings) = findings(
        packages
            .iter()
            .map(|p| (p.name.as_str(), p.version.to_string(), p.license.as_deref())),
        &def.licenses,
    );
    let summary = if findings.is_empty() {
        format!("{checked} shipped crate(s) under allowed licenses")
    } else {
        format!(
            "{} of {checked} shipped crate(s) have licenses outside the allow-list",
            findings.len()
        )
    };
    Ok(Outcome::from_findings(summary, findings))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dist::Exception;

    fn allow() -> Vec<String> {
        ["Apache-2.0", "MIT", "Unicode-3.0"]
            .map(String::from)
            .to_vec()
    }

    #[test]
    fn expressions_are_judged_as_spdx() {
        assert_eq!(judge(Some("MIT OR Apache-2.0"), &allow()), None);
        assert_eq!(
            judge(Some("MIT/Apache-2.0"), &allow()),
            None,
            "legacy slash means OR"
        );
        assert_eq!(
            judge(Some("(MIT OR Apache-2.0) AND Unicode-3.0"), &allow()),
            None
        );
        assert_eq!(
            judge(Some("Apache-2.0 WITH LLVM-exception"), &allow()),
            None
        );
        assert!(
            judge(Some("GPL-3.0-only"), &allow())
                .unwrap()
                .contains("not satisfied")
        );
        assert!(judge(Some("MIT AND GPL-2.0-or-later"), &allow()).is_some());
        assert!(
            judge(Some("MIT OR"), &allow())
                .unwrap()
                .contains("not a valid SPDX expression")
        );
        assert!(judge(None, &allow()).unwrap().contains("no SPDX license"));
    }

    #[test]
    fn exceptions_need_their_crate_name() {
        let policy = Licenses {
            allow: allow(),
            exceptions: vec![Exception {
                name: "ring".into(),
                reason: "reviewed".into(),
            }],
        };
        let packages = vec![
            ("ring", "0.17.0".to_owned(), Some("ISC AND OpenSSL")),
            ("gpl-thing", "1.0.0".to_owned(), Some("GPL-3.0-only")),
            ("serde", "1.0.0".to_owned(), Some("MIT OR Apache-2.0")),
        ];
        let (checked, findings) = findings(packages, &policy);
        assert_eq!(checked, 3);
        assert_eq!(findings.len(), 1);
        assert!(
            findings[0]
                .message
                .starts_with("gpl-thing 1.0.0: license 'GPL-3.0-only'")
        );
    }
}
