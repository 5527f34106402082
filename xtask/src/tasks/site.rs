// SPDX-License-Identifier: Apache-2.0
// Copyright (c) 2026 NVIDIA CORPORATION & AFFILIATES. All rights reserved.

//! `cargo xtask site [--out DIR]`: the documentation site the on-tag `site` job
//! publishes to GitHub Pages: the README (the index), RELEASING.md, the crates' READMEs
//! and the aicrd API (`crates/aicrd/openapi.yaml`, one section per operation, and the
//! document itself), as static HTML pages with one navigation bar. Links between these
//! documents point at their pages. The same sources give the same bytes.
//!
//! Touches only DIR (default `target/site/`), replaced once complete.

use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};

use anyhow::{Context, Result};
use pulldown_cmark::{CowStr, Event, Options, Parser, Tag, TagEnd};
use serde_json::Value;

use crate::flags::SiteArgs;
use crate::project::Project;

/// The Markdown pages: source (relative to the root), page, title.
pub const PAGES: [(&str, &str, &str); 5] = [
    ("README.md", "index.html", "AICR"),
    ("RELEASING.md", "releasing.html", "Releasing"),
    ("crates/aicr/README.md", "aicr.html", "aicr"),
    ("crates/aicrd/README.md", "aicrd.html", "aicrd"),
    (
        "crates/validators/README.md",
        "validators.html",
        "validators",
    ),
];
/// The OpenAPI document, and the page of the API.
pub const OPENAPI: &str = "crates/aicrd/openapi.yaml";
const API_PAGE: (&str, &str) = ("api.html", "API");

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// `path` relative to the root, `..` and `.` resolved; `None` when it leaves the root.
fn normalize(path: &Path) -> Option<PathBuf> {
    let mut out = PathBuf::new();
    for part in path.components() {
        match part {
            Component::Normal(p) => out.push(p),
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    return None;
                }
            }
            _ => return None,
        }
    }
    Some(out)
}

/// Where a link of the document `source` leads on the site: the page of a document it
/// publishes (keeping any `#fragment`), else the link unchanged.
fn rewrite(source: &str, url: &str) -> String {
    if url.contains("://") || url.starts_with('#') || url.starts_with("mailto:") {
        return url.to_owned();
    }
    let (path, fragment) = url
        .split_once('#')
        .map_or((url, None), |(p, f)| (p, Some(f)));
    let dir = Path::new(source).parent().unwrap_or(Path::new(""));
    let Some(target) = normalize(&dir.join(path)) else {
        return url.to_owned();
    };
    let page = PAGES
        .iter()
        .find(|(src, _, _)| Path::new(src) == target)
        .map(|(_, page, _)| *page)
        .or_else(|| (target == Path::new(OPENAPI)).then_some(API_PAGE.0));
    match (page, fragment) {
        (Some(page), Some(f)) => format!("{page}#{f}"),
        (Some(page), None) => page.to_owned(),
        (None, _) => url.to_owned(),
    }
}

/// The anchor GitHub gives a heading: lowercase, spaces as `-`, punctuation other than
/// `-` and `_` dropped.
fn slug(text: &str) -> String {
    text.trim()
        .chars()
        .filter_map(|c| match c {
            ' ' => Some('-'),
            c if c.is_alphanumeric() || c == '-' || c == '_' => Some(c.to_ascii_lowercase()),
            _ => None,
        })
        .collect()
}

/// Gives every heading without an id GitHub's anchor (`-1`, `-2`… for repeats), so that
/// links to `page#section` land.
fn with_heading_ids(events: Vec<Event<'_>>) -> Vec<Event<'_>> {
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    let mut ids = Vec::new();
    let mut text: Option<String> = None;
    for event in &events {
        match event {
            Event::Start(Tag::Heading { id: None, .. }) => text = Some(String::new()),
            Event::Text(t) | Event::Code(t) => {
                if let Some(text) = text.as_mut() {
                    text.push_str(t);
                }
            }
            Event::End(TagEnd::Heading(_)) => {
                if let Some(done) = text.take() {
                    let base = slug(&done);
                    let count = seen.entry(base.clone()).or_insert(0);
                    ids.push(if *count == 0 {
                        base
                    } else {
                        format!("{base}-{count}")
                    });
                    *count += 1;
                }
            }
            _ => {}
        }
    }
    let mut ids = ids.into_iter();
    events
        .into_iter()
        .map(|event| match event {
            Event::Start(Tag::Heading {
                level,
                id: None,
                classes,
                attrs,
            }) => Event::Start(Tag::Heading {
                level,
                id: ids.next().map(CowStr::from),
                classes,
                attrs,
            }),
            other => other,
        })
        .collect()
}

/// Markdown as HTML, links rewritten for the site, headings with their anchors.
pub fn markdown(source: &str, text: &str) -> String {
    let options = Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH;
    let events = Parser::new_ext(text, options).map(|event| match event {
        Event::Start(Tag::Link {
            link_type,
            dest_url,
            title,
            id,
        }) => Event::Start(Tag::Link {
            link_type,
            dest_url: CowStr::from(rewrite(source, &dest_url)),
            title,
            id,
        }),
        other => other,
    });
    let mut html = String::new();
    pulldown_cmark::html::push_html(&mut html, with_heading_ids(events.collect()).into_iter());
    html
}

/// One page: the navigation bar, then `body`.
fn page(title: &str, current: &str, body: &str) -> String {
    let mut nav = String::new();
    for (_, file, name) in PAGES
        .iter()
        .map(|(s, f, n)| (*s, *f, *n))
        .chain([(OPENAPI, API_PAGE.0, API_PAGE.1)])
    {
        if file == current {
            nav.push_str(&format!("<strong>{}</strong> ", escape(name)));
        } else {
            nav.push_str(&format!("<a href=\"{file}\">{}</a> ", escape(name)));
        }
    }
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<nav>{}</nav>\n<main>\n{body}</main>\n</body>\n</html>\n",
        escape(title),
        nav.trim_end()
    )
}

const STYLE: &str = "body{font-family:system-ui,sans-serif;max-width:60rem;margin:0 auto;padding:1rem;line-height:1.5}nav{border-bottom:1px solid #ccc;padding-bottom:.5rem;margin-bottom:1rem}nav a,nav strong{margin-right:1rem}pre{background:#f4f4f4;padding:.75rem;overflow-x:auto}code{background:#f4f4f4}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.25rem .5rem;vertical-align:top}";

/// The operations of an OpenAPI document as HTML: one section per path and method, with
/// its parameters, request body and responses. Pure.
pub fn api(doc: &Value) -> String {
    let mut html = format!(
        "<h1>{} <small>{}</small></h1>\n",
        escape(doc["info"]["title"].as_str().unwrap_or("API")),
        escape(doc["info"]["version"].as_str().unwrap_or(""))
    );
    if let Some(description) = doc["info"]["description"].as_str() {
        html.push_str(&markdown(OPENAPI, description));
    }
    html.push_str("<p>The OpenAPI document: <a href=\"openapi.yaml\">openapi.yaml</a>.</p>\n");
    let empty = serde_json::Map::new();
    let paths = doc["paths"].as_object().unwrap_or(&empty);
    for (path, item) in paths {
        for method in ["get", "put", "post", "delete", "patch", "head", "options"] {
            let Some(op) = item.get(method).filter(|o| o.is_object()) else {
                continue;
            };
            let anchor = format!("{method}-{}", path.trim_matches('/').replace('/', "-"));
            html.push_str(&format!(
                "<h2 id=\"{}\"><code>{} {}</code></h2>\n",
                escape(&anchor),
                method.to_uppercase(),
                escape(path)
            ));
            if let Some(summary) = op["summary"].as_str() {
                html.push_str(&format!("<p>{}</p>\n", escape(summary)));
            }
            if let Some(description) = op["description"].as_str() {
                html.push_str(&markdown(OPENAPI, description));
            }
            if let Some(params) = op["parameters"].as_array().filter(|p| !p.is_empty()) {
                html.push_str("<table>\n<tr><th>parameter</th><th>in</th><th>schema</th><th>description</th></tr>\n");
                for p in params {
                    html.push_str(&format!(
                        "<tr><td><code>{}</code>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
                        escape(p["name"].as_str().unwrap_or("")),
                        if p["required"] == true {
                            " (required)"
                        } else {
                            ""
                        },
                        escape(p["in"].as_str().unwrap_or("")),
                        escape(&schema(&p["schema"])),
                        escape(p["description"].as_str().unwrap_or(""))
                    ));
                }
                html.push_str("</table>\n");
            }
            if let Some(content) = op["requestBody"]["content"].as_object() {
                let types: Vec<String> = content.keys().map(|k| escape(k)).collect();
                html.push_str(&format!(
                    "<p>Request body: <code>{}</code></p>\n",
                    types.join("</code>, <code>")
                ));
            }
            if let Some(responses) = op["responses"].as_object() {
                html.push_str(
                    "<table>\n<tr><th>status</th><th>description</th><th>content</th></tr>\n",
                );
                for (status, response) in responses {
                    let types: Vec<String> = response["content"]
                        .as_object()
                        .map(|c| c.keys().map(|k| escape(k)).collect())
                        .unwrap_or_default();
                    html.push_str(&format!(
                        "<tr><td>{}</td><td>{}</td><td>{}</td></tr>\n",
                        escape(status),
                        escape(response["description"].as_str().unwrap_or("")),
                        types.join(", ")
                    ));
                }
                html.push_str("</table>\n");
            }
        }
    }
    html
}

/// A schema in one line: its `$ref` name, or its type and allowed values.
fn schema(schema: &Value) -> String {
    if let Some(reference) = schema["$ref"].as_str() {
        return reference.rsplit('/').next().unwrap_or(reference).to_owned();
    }
    let kind = schema["type"].as_str().unwrap_or("");
    match schema["enum"].as_array() {
        Some(values) => {
            let values: Vec<String> = values
                .iter()
                .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned))
                .collect();
            format!("{kind}: {}", values.join(" | "))
        }
        None => kind.to_owned(),
    }
}

/// Every file of the site, by name. Reads the sources under `root`.
pub fn build(root: &Path) -> Result<BTreeMap<String, String>> {
    let mut files = BTreeMap::new();
    for (source, file, title) in PAGES {
        let text = std::fs::read_to_string(root.join(source))
            .with_context(|| format!("cannot read {source}"))?;
        files.insert(file.to_owned(), page(title, file, &markdown(source, &text)));
    }
    let text = std::fs::read_to_string(root.join(OPENAPI))
        .with_context(|| format!("cannot read {OPENAPI}"))?;
    let doc: Value =
        serde_norway::from_str(&text).with_context(|| format!("{OPENAPI} is not valid YAML"))?;
    files.insert(
        API_PAGE.0.to_owned(),
        page(API_PAGE.1, API_PAGE.0, &api(&doc)),
    );
    files.insert("openapi.yaml".to_owned(), text);
    Ok(files)
}

/// Writes the site into `out`, replacing it once every file is written.
pub fn write(root: &Path, out: &Path) -> Result<usize> {
    let files = build(root)?;
    let parent = out
        .parent()
        .with_context(|| format!("{} has no parent directory", out.display()))?;
    std::fs::create_dir_all(parent)?;
    let staging = tempfile::tempdir_in(parent)?;
    for (name, text) in &files {
        std::fs::write(staging.path().join(name), text)?;
    }
    if out.exists() {
        std::fs::remove_dir_all(out)
            .with_context(|| format!("cannot replace {}", out.display()))?;
    }
    std::fs::rename(staging.keep(), out)
        .with_context(|| format!("cannot write {}", out.display()))?;
    Ok(files.len())
}

pub fn run(project: &Project, args: &SiteArgs) -> Result<()> {
    let out = project.out_dir(&args.out);
    let count = write(&project.root, &out)?;
    outln!("{}", out.display())?;
    errln!("site: wrote {count} file(s) to {}", out.display());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn root() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .unwrap()
            .to_path_buf()
    }

    #[test]
    fn links_between_published_documents_point_at_their_pages() {
        assert_eq!(rewrite("README.md", "RELEASING.md"), "releasing.html");
        assert_eq!(
            rewrite("README.md", "crates/aicrd/README.md#endpoints"),
            "aicrd.html#endpoints"
        );
        assert_eq!(
            rewrite("crates/aicr/README.md", "../../README.md"),
            "index.html"
        );
        assert_eq!(
            rewrite("crates/aicr/README.md", "../validators/README.md"),
            "validators.html"
        );
        assert_eq!(
            rewrite("crates/aicrd/README.md", "openapi.yaml"),
            "api.html"
        );
        // Anything else is left alone.
        assert_eq!(rewrite("README.md", "LICENSE"), "LICENSE");
        assert_eq!(rewrite("README.md", "../../etc/passwd"), "../../etc/passwd");
        assert_eq!(
            rewrite("README.md", "https://example.com/a.md"),
            "https://example.com/a.md"
        );
        assert_eq!(rewrite("README.md", "#tasks"), "#tasks");
    }

    #[test]
    fn markdown_is_rendered_and_escaped() {
        let html = markdown(
            "README.md",
            "# Title\n\nSee [releasing](RELEASING.md) and `<b>`.\n\n| a | b |\n|---|---|\n| 1 | 2 |\n",
        );
        assert!(html.contains("<h1 id=\"title\">Title</h1>"), "{html}");
        assert!(
            html.contains("<a href=\"releasing.html\">releasing</a>"),
            "{html}"
        );
        assert!(html.contains("<code>&lt;b&gt;</code>"), "{html}");
        assert!(html.contains("<table>"), "{html}");
    }

    #[test]
    fn headings_get_githubs_anchors() {
        let html = markdown(
            "README.md",
            "## Quality gates: `cargo xtask qualify`\n\n## Usage\n\n## Usage\n",
        );
        assert!(
            html.contains("<h2 id=\"quality-gates-cargo-xtask-qualify\">"),
            "{html}"
        );
        assert!(html.contains("<h2 id=\"usage\">Usage</h2>"), "{html}");
        assert!(html.contains("<h2 id=\"usage-1\">Usage</h2>"), "{html}");
    }

    #[test]
    fn the_site_has_every_page_and_each_operation_of_the_api() {
        let files = build(&root()).unwrap();
        let names: Vec<&str> = files.keys().map(String::as_str).collect();
        assert_eq!(
            names,
            [
                "aicr.html",
                "aicrd.html",
                "api.html",
                "index.html",
                "openapi.yaml",
                "releasing.html",
                "validators.html"
            ]
        );
        let api = &files["api.html"];
        for operation in [
            "GET /health",
            "GET /ready",
            "POST /v1/bundle",
            "GET /v1/recipe",
        ] {
            assert!(
                api.contains(&format!("<code>{operation}</code>")),
                "{operation}"
            );
        }
        assert!(api.contains("<td>503</td>"), "the readiness 503 response");
        assert!(
            api.contains("<code>accelerator</code>"),
            "the recipe's query parameters"
        );
        let index = &files["index.html"];
        assert!(index.contains("<title>AICR</title>"));
        assert!(
            index.contains("<a href=\"releasing.html\">Releasing</a>"),
            "the navigation"
        );
        assert!(
            !index.contains("href=\"RELEASING.md\""),
            "links point at pages"
        );
        // The same sources, the same bytes.
        assert_eq!(build(&root()).unwrap(), files);
    }

    #[test]
    fn the_site_replaces_its_directory_once_complete() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("site");
        std::fs::create_dir_all(&out).unwrap();
        std::fs::write(out.join("stale.html"), "old").unwrap();
        assert_eq!(write(&root(), &out).unwrap(), 7);
        assert!(!out.join("stale.html").exists());
        assert!(out.join("index.html").is_file());
        let entries = std::fs::read_dir(dir.path()).unwrap().count();
        assert_eq!(entries, 1, "no staging directory left behind");
    }
}
