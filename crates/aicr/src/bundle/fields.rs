// SPDX-License-Identifier: Apache-2.0
// Copyright (c) 2026 NVIDIA CORPORATION & AFFILIATES. All rights reserved.

//! The grammar of the component fields a bundle puts into its scripts and file names.
//!
//! Every field is checked here, before anything is rendered, so that `aicr bundle` and
//! `POST /v1/bundle` refuse the same recipes with the same one-line message:
//!
//! - name (the Helm release and the bundle directory): a DNS-1123 label of at most 53
//!   characters (Helm's limit for release names);
//! - namespace: a DNS-1123 label (at most 63 characters);
//! - chart: letters, digits, `.`, `_` and `-`, starting with a letter or digit;
//! - version: a chart version, i.e. a semantic version with an optional leading `v`
//!   (`v25.10.1`, `82.8.0`, `1.2`, `1.0.0-rc.1+build.5`);
//! - source: an `https://` or `oci://` URL without credentials, query or fragment;
//! - type: `Helm`, the only kind of component a bundle can deploy.
//!
//! None of these grammars admits a leading `-`, a quote, a space or a shell
//! metacharacter; the scripts quote every value as well (see [`super::shell`]).

use crate::catalog::ComponentRef;
use crate::error::Error;

/// The component types a bundle can deploy.
pub const SUPPORTED_TYPES: [&str; 1] = ["Helm"];

/// The longest name Helm accepts for a release.
const MAX_RELEASE: usize = 53;
/// The longest DNS-1123 label.
const MAX_LABEL: usize = 63;
const MAX_CHART: usize = 128;
const MAX_VERSION: usize = 128;
const MAX_SOURCE: usize = 2048;

/// `text` for an error message: quoted, escaped (one line whatever it holds) and cut
/// after 64 characters.
pub fn shown(text: &str) -> String {
    const LIMIT: usize = 64;
    match text.char_indices().nth(LIMIT) {
        Some((at, _)) => format!("{:?}...", &text[..at]),
        None => format!("{text:?}"),
    }
}

fn alnum_lower(b: u8) -> bool {
    b.is_ascii_lowercase() || b.is_ascii_digit()
}

/// A DNS-1123 label of at most `max` characters: lowercase letters, digits and `-`,
/// starting and ending with a letter or digit.
fn dns_label(text: &str, max: usize) -> bool {
    let bytes = text.as_bytes();
    match (bytes.first(), bytes.last()) {
        (Some(&first), Some(&last)) => {
            bytes.len() <= max
                && alnum_lower(first)
                && alnum_lower(last)
                && bytes.iter().all(|&b| alnum_lower(b) || b == b'-')
        }
        _ => false,
    }
}

/// Whether `name` can name a component: its Helm release and its bundle directory.
pub fn is_name(name: &str) -> bool {
    dns_label(name, MAX_RELEASE)
}

/// Whether `namespace` is a Kubernetes namespace name (a DNS-1123 label).
pub fn is_namespace(namespace: &str) -> bool {
    dns_label(namespace, MAX_LABEL)
}

/// Whether `chart` is a chart name.
pub fn is_chart(chart: &str) -> bool {
    let bytes = chart.as_bytes();
    bytes.first().is_some_and(u8::is_ascii_alphanumeric)
        && bytes.len() <= MAX_CHART
        && bytes
            .iter()
            .all(|&b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

/// Dot-separated identifiers of `[0-9A-Za-z-]`, none empty.
fn identifiers(text: &str) -> bool {
    text.split('.').all(|part| {
        !part.is_empty() && part.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
    })
}

/// Whether `version` is a chart version: `v?MAJOR[.MINOR[.PATCH]][-PRE][+BUILD]`.
pub fn is_version(version: &str) -> bool {
    if version.len() > MAX_VERSION {
        return false;
    }
    let text = version.strip_prefix('v').unwrap_or(version);
    let (text, build) = match text.split_once('+') {
        Some((rest, build)) => (rest, Some(build)),
        None => (text, None),
    };
    let (core, pre) = match text.split_once('-') {
        Some((core, pre)) => (core, Some(pre)),
        None => (text, None),
    };
    let numbers: Vec<&str> = core.split('.').collect();
    (1..=3).contains(&numbers.len())
        && numbers
            .iter()
            .all(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
        && pre.is_none_or(identifiers)
        && build.is_none_or(identifiers)
}

/// Whether `host` is a DNS name or an IPv4 address (labels of letters, digits and `-`).
fn is_host(host: &str) -> bool {
    !host.is_empty()
        && host.len() <= 253
        && host.split('.').all(|label| {
            let bytes = label.as_bytes();
            match (bytes.first(), bytes.last()) {
                (Some(first), Some(last)) => {
                    bytes.len() <= MAX_LABEL
                        && first.is_ascii_alphanumeric()
                        && last.is_ascii_alphanumeric()
                        && bytes
                            .iter()
                            .all(|&b| b.is_ascii_alphanumeric() || b == b'-')
                }
                _ => false,
            }
        })
}

/// A URL path: `/`-separated segments of unreserved characters and `%XX` escapes.
fn is_url_path(path: &str) -> bool {
    let bytes = path.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let hex = bytes.get(i + 1..i + 3);
                if !hex.is_some_and(|h| h.iter().all(u8::is_ascii_hexdigit)) {
                    return false;
                }
                i += 3;
            }
            b if b.is_ascii_alphanumeric() || matches!(b, b'/' | b'.' | b'_' | b'~' | b'-') => {
                i += 1;
            }
            _ => return false,
        }
    }
    true
}

/// Whether `source` is an `https://` or `oci://` URL: a host, an optional port and an
/// optional path; no credentials, query or fragment.
pub fn is_source(source: &str) -> bool {
    if source.len() > MAX_SOURCE {
        return false;
    }
    let Some(rest) = source
        .strip_prefix("https://")
        .or_else(|| source.strip_prefix("oci://"))
    else {
        return false;
    };
    let (authority, path) = match rest.find('/') {
        Some(at) => rest.split_at(at),
        None => (rest, ""),
    };
    let host = match authority.split_once(':') {
        Some((host, port)) => {
            if port.is_empty() || port.len() > 5 || !port.bytes().all(|b| b.is_ascii_digit()) {
                return false;
            }
            host
        }
        None => authority,
    };
    is_host(host) && is_url_path(path)
}

fn invalid(component: &str, field: &str, value: &str, expected: &str) -> Error {
    Error::Input(format!(
        "component {component}: {field} {} is not {expected}",
        shown(value)
    ))
}

/// Checks every field of `component` that a bundle uses; the error names the component,
/// the field, the value and the grammar.
pub fn check(component: &ComponentRef) -> Result<(), Error> {
    let name = component.name.as_str();
    if !is_name(name) {
        return Err(Error::Input(format!(
            "component name {} is not a valid name; hint: lowercase letters, digits and '-', \
             starting and ending with a letter or digit, at most {MAX_RELEASE} characters",
            shown(name)
        )));
    }
    if let Some(kind) = component.kind.as_deref()
        && !SUPPORTED_TYPES.contains(&kind)
    {
        return Err(Error::Input(format!(
            "component {name}: type {} cannot be bundled; supported: {}",
            shown(kind),
            SUPPORTED_TYPES.join(", ")
        )));
    }
    if let Some(namespace) = component.namespace.as_deref()
        && !is_namespace(namespace)
    {
        return Err(invalid(
            name,
            "namespace",
            namespace,
            "a DNS-1123 label (lowercase letters, digits and '-', at most 63 characters)",
        ));
    }
    if let Some(chart) = component.chart.as_deref()
        && !is_chart(chart)
    {
        return Err(invalid(
            name,
            "chart",
            chart,
            "a chart name (letters, digits, '.', '_' and '-', starting with a letter or digit)",
        ));
    }
    if let Some(version) = component.version.as_deref()
        && !is_version(version)
    {
        return Err(invalid(
            name,
            "version",
            version,
            "a chart version (a semantic version such as v1.2.3 or 1.2.3-rc.1)",
        ));
    }
    match component.source.as_deref() {
        Some(source) if !is_source(source) => Err(invalid(
            name,
            "source",
            source,
            "an https:// or oci:// URL (no credentials, query or fragment)",
        )),
        Some(_) => Ok(()),
        None => Err(Error::Input(format!(
            "component {name} has no source; hint: give its Helm repository (https://) or \
             OCI registry (oci://)"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn the_catalogs_values_pass() {
        let catalog = crate::catalog::Catalog::embedded().unwrap();
        for c in catalog.components.values() {
            assert!(is_name(&c.name), "{}", c.name);
            assert!(is_namespace(&c.namespace), "{}", c.namespace);
            assert!(is_chart(&c.chart), "{}", c.chart);
            assert!(is_version(&c.version), "{}", c.version);
            assert!(is_source(&c.source), "{}", c.source);
            assert!(SUPPORTED_TYPES.contains(&c.kind.as_str()), "{}", c.kind);
        }
    }

    #[test]
    fn grammars_accept_and_refuse() {
        for ok in [
            "v25.10.1",
            "82.8.0",
            "1",
            "1.2",
            "1.0.0-rc.1+build.5",
            "1.0.0--x",
        ] {
            assert!(is_version(ok), "{ok}");
        }
        for bad in [
            "", "v", "-1.0.0", "1..2", "1.2.3.4", "1.0.0-", "1.0.0+", "1.0 ", "latest",
        ] {
            assert!(!is_version(bad), "{bad}");
        }
        for ok in [
            "https://charts.jetstack.io",
            "oci://ghcr.io/nvidia",
            "https://127.0.0.1:8443/a%20b/~c/",
        ] {
            assert!(is_source(ok), "{ok}");
        }
        for bad in [
            "http://charts.jetstack.io",
            "https://",
            "https://x' ; touch /tmp/p ; : '",
            "https://user:pw@host/x",
            "https://host/x?y=1",
            "https://host/x#y",
            "https://-host/x",
            "https://host:/x",
            "https://host:123456/x",
            "https://host/%zz",
            "oci://host/$(id)",
            "https://host/a\nb",
            "--post-renderer=/tmp/x",
        ] {
            assert!(!is_source(bad), "{bad}");
        }
        for bad in ["", "-x", "x-", "X", "a_b", "a.b", "a".repeat(54).as_str()] {
            assert!(!is_name(bad), "{bad}");
        }
        assert!(is_name(&"a".repeat(53)) && is_namespace(&"a".repeat(63)));
        assert!(!is_namespace(&"a".repeat(64)));
        for bad in ["", "-chart", ".chart", "a/b", "a b", "a'b"] {
            assert!(!is_chart(bad), "{bad}");
        }
    }

    #[test]
    fn errors_are_one_line_and_name_the_component() {
        let component = ComponentRef {
            name: "gpu-operator".into(),
            source: Some("https://x' ; touch /tmp/p ; : '\nrm -rf /".into()),
            ..ComponentRef::default()
        };
        let err = check(&component).unwrap_err().to_string();
        assert_eq!(
            err,
            "component gpu-operator: source \"https://x' ; touch /tmp/p ; : '\\nrm -rf /\" is \
             not an https:// or oci:// URL (no credentials, query or fragment)"
        );
        let kustomize = ComponentRef {
            name: "x".into(),
            kind: Some("Kustomize".into()),
            source: Some("https://h".into()),
            ..ComponentRef::default()
        };
        assert_eq!(
            check(&kustomize).unwrap_err().to_string(),
            "component x: type \"Kustomize\" cannot be bundled; supported: Helm"
        );
        assert!(shown(&"é".repeat(100)).ends_with("\"..."));
    }

    proptest! {
        /// Whatever passes a grammar holds no character a shell or an option parser
        /// treats specially.
        #[test]
        fn accepted_values_are_inert(text in any::<String>()) {
            let inert = |s: &str| {
                !s.starts_with('-')
                    && s.bytes().all(|b| b.is_ascii_alphanumeric() || b"-._~/:%+".contains(&b))
            };
            for (accepted, _) in [
                (is_name(&text), "name"),
                (is_namespace(&text), "namespace"),
                (is_chart(&text), "chart"),
                (is_version(&text), "version"),
                (is_source(&text), "source"),
            ] {
                if accepted {
                    prop_assert!(inert(&text), "{text:?}");
                }
            }
            prop_assert!(!shown(&text).contains('\n'));
        }
    }
}
