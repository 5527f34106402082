// SPDX-License-Identifier: Apache-2.0
// Copyright (c) 2026 NVIDIA CORPORATION & AFFILIATES. All rights reserved.

//! The import graph of a crate's top-level modules, read from its sources: an edge
//! `a -> b` for every `use crate::b…`, `use crate::{b, …}` or `crate::b::…` in the files
//! of module `a` (`src/a.rs` and everything under `src/a/`). Shared by the
//! `module_cycles` tests of `aicr`, `aicrd` and `xtask` (which also checks the children
//! of every nested module, `read_tree`); print a crate's edges with
//! `cargo test -p aicr --test module_cycles -- --nocapture`.

#![allow(dead_code)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Each module and the modules it imports.
pub type Graph = BTreeMap<String, BTreeSet<String>>;

/// The modules a crate root (`lib.rs`, `main.rs`) declares with `mod x;`.
pub fn modules(root: &str) -> Vec<String> {
    root.lines()
        .map(|l| l.trim_start().trim_start_matches("pub ").trim_start())
        .filter_map(|l| l.strip_prefix("mod ")?.trim().strip_suffix(';'))
        .map(|name| name.trim().to_owned())
        .collect()
}

fn identifier(text: &str) -> &str {
    let end = text
        .find(|c: char| !(c.is_alphanumeric() || c == '_'))
        .unwrap_or(text.len());
    &text[..end]
}

/// The first path segment of each item of a `{a, b::c, d::{e, f}}` group.
fn group(text: &str) -> Vec<&str> {
    let mut names = Vec::new();
    let (mut depth, mut start) = (0usize, 1usize);
    for (i, c) in text.char_indices() {
        match c {
            '{' => depth += 1,
            '}' | ',' if depth == 1 => {
                names.push(identifier(text[start..i].trim_start()));
                start = i + 1;
                if c == '}' {
                    break;
                }
            }
            '}' => depth -= 1,
            _ => {}
        }
    }
    names.retain(|n| !n.is_empty());
    names
}

/// Every name that follows `crate::` in `source`, line comments left out.
pub fn references(source: &str) -> BTreeSet<String> {
    references_after(source, "crate::")
}

/// Every name that follows `prefix` (`crate::`, `crate::a::b::`, `super::super::`) in
/// `source`, where the prefix starts a path, line comments left out.
pub fn references_after(source: &str, prefix: &str) -> BTreeSet<String> {
    let code: String = source
        .lines()
        .map(|l| l.split_once("//").map_or(l, |(code, _)| code))
        .collect::<Vec<_>>()
        .join("\n");
    let mut names = BTreeSet::new();
    for (at, _) in code.match_indices(prefix) {
        let before = code[..at].chars().next_back();
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':') {
            continue;
        }
        let rest = &code[at + prefix.len()..];
        if rest.starts_with('{') {
            names.extend(group(rest).into_iter().map(str::to_owned));
        } else {
            names.insert(identifier(rest).to_owned());
        }
    }
    names.remove("");
    names
}

fn sources(path: &Path, out: &mut Vec<String>) {
    if path.is_dir() {
        let mut entries: Vec<_> = std::fs::read_dir(path)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        entries.sort();
        for entry in entries {
            sources(&entry, out);
        }
    } else if path.is_file() && path.extension().is_some_and(|e| e == "rs") {
        out.push(std::fs::read_to_string(path).unwrap());
    }
}

/// The graph of the modules that `src/<root>` declares.
pub fn read(src: &Path, root: &str) -> Graph {
    let declared = modules(&std::fs::read_to_string(src.join(root)).unwrap());
    let mut graph = Graph::new();
    for module in &declared {
        let mut texts = Vec::new();
        sources(&src.join(format!("{module}.rs")), &mut texts);
        sources(&src.join(module), &mut texts);
        assert!(!texts.is_empty(), "no source of module {module} in {src:?}");
        let imports = texts
            .iter()
            .flat_map(|t| references(t))
            .filter(|name| name != module && declared.contains(name))
            .collect();
        graph.insert(module.clone(), imports);
    }
    graph
}

/// The source files of module `dir/name` (`dir/name.rs` and everything under
/// `dir/name/`), each with its depth below `dir`: 1 for `name.rs`, 2 for `name/x.rs`.
fn sources_with_depth(dir: &Path, name: &str) -> Vec<(usize, String)> {
    fn walk(path: &Path, depth: usize, out: &mut Vec<(usize, String)>) {
        if path.is_dir() {
            let mut entries: Vec<_> = std::fs::read_dir(path)
                .unwrap()
                .map(|e| e.unwrap().path())
                .collect();
            entries.sort();
            for entry in entries {
                walk(&entry, depth + 1, out);
            }
        } else if path.is_file() && path.extension().is_some_and(|e| e == "rs") {
            out.push((depth, std::fs::read_to_string(path).unwrap()));
        }
    }
    let mut out = Vec::new();
    walk(&dir.join(format!("{name}.rs")), 1, &mut out);
    walk(&dir.join(name), 1, &mut out);
    out
}

/// The graph among the children of the module at `path` (`[]` for the crate root
/// `src/<root>`, `["a", "b"]` for `src/a/b.rs`): an edge `c -> d` for every
/// `crate::a::b::d` and every `super::d` that leaves `c` to reach its parent.
pub fn read_children(src: &Path, root: &str, path: &[String]) -> Graph {
    let dir = path.iter().fold(src.to_path_buf(), |dir, p| dir.join(p));
    let declaration = match path.split_last() {
        None => src.join(root),
        Some((last, parents)) => {
            let parent = parents.iter().fold(src.to_path_buf(), |dir, p| dir.join(p));
            let file = parent.join(format!("{last}.rs"));
            if file.is_file() {
                file
            } else {
                dir.join("mod.rs")
            }
        }
    };
    let declared = modules(&std::fs::read_to_string(&declaration).unwrap());
    let absolute: String = path.iter().map(|p| format!("{p}::")).collect();
    let mut graph = Graph::new();
    for module in &declared {
        let texts = sources_with_depth(&dir, module);
        assert!(!texts.is_empty(), "no source of module {module} in {dir:?}");
        let imports = texts
            .iter()
            .flat_map(|(depth, text)| {
                let mut names = references_after(text, &format!("crate::{absolute}"));
                names.extend(references_after(text, &"super::".repeat(*depth)));
                names
            })
            .filter(|name| name != module && declared.contains(name))
            .collect();
        graph.insert(module.clone(), imports);
    }
    graph
}

/// Every module that declares modules, from the crate root `src/<root>` down, each
/// with the graph among its children.
pub fn read_tree(src: &Path, root: &str) -> Vec<(Vec<String>, Graph)> {
    let mut out = Vec::new();
    let mut pending = vec![Vec::new()];
    while let Some(path) = pending.pop() {
        let graph = read_children(src, root, &path);
        for child in graph.keys() {
            let mut child_path = path.clone();
            child_path.push(child.clone());
            let dir = child_path.iter().fold(src.to_path_buf(), |d, p| d.join(p));
            if dir.is_dir() {
                pending.push(child_path);
            }
        }
        if !graph.is_empty() {
            out.push((path, graph));
        }
    }
    out.sort();
    out
}

/// Every group of two or more modules that import each other, directly or not (the
/// strongly connected parts of the graph), each sorted.
pub fn tangles(graph: &Graph) -> Vec<Vec<String>> {
    fn reach(from: &str, graph: &Graph) -> BTreeSet<String> {
        let mut seen = BTreeSet::new();
        let mut pending = vec![from.to_owned()];
        while let Some(node) = pending.pop() {
            for next in graph.get(&node).into_iter().flatten() {
                if seen.insert(next.clone()) {
                    pending.push(next.clone());
                }
            }
        }
        seen
    }
    let reaches: BTreeMap<&String, BTreeSet<String>> =
        graph.keys().map(|n| (n, reach(n, graph))).collect();
    let mut groups: Vec<Vec<String>> = Vec::new();
    for (node, from_node) in &reaches {
        let group: Vec<String> = from_node
            .iter()
            .filter(|other| reaches.get(other).is_some_and(|r| r.contains(*node)))
            .cloned()
            .collect();
        if group.len() > 1 && !groups.contains(&group) {
            groups.push(group);
        }
    }
    groups
}

/// Fails, naming each group of modules that import each other, when the children of any module of the crate rooted at
/// `src/<root>` import in a circle; a module's children are the nodes, so a cycle
/// between `a::x` and `a::y` shows though `a` as a whole imports only downward.
pub fn assert_acyclic_tree(src: &Path, root: &str) {
    let mut cycles = Vec::new();
    for (path, graph) in read_tree(src, root) {
        let name = if path.is_empty() {
            root.to_owned()
        } else {
            path.join("::")
        };
        println!("{name}:\n{}", render(&graph));
        for tangle in tangles(&graph) {
            cycles.push(format!("in {name}: {}", tangle.join(", ")));
        }
    }
    assert!(
        cycles.is_empty(),
        "modules import each other:\n{}\n(the edges: --nocapture)",
        cycles.join("\n")
    );
}

/// One `a -> b` line per edge.
pub fn render(graph: &Graph) -> String {
    graph
        .iter()
        .flat_map(|(from, to)| to.iter().map(move |to| format!("{from} -> {to}\n")))
        .collect()
}

/// A cycle of imports, `[a, b, …, a]`, if there is one.
pub fn cycle(graph: &Graph) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        graph: &Graph,
        done: &mut BTreeSet<String>,
        path: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        if let Some(at) = path.iter().position(|n| n == node) {
            let mut cycle = path[at..].to_vec();
            cycle.push(node.to_owned());
            return Some(cycle);
        }
        if done.contains(node) {
            return None;
        }
        path.push(node.to_owned());
        for next in graph.get(node).into_iter().flatten() {
            if let Some(cycle) = visit(next, graph, done, path) {
                return Some(cycle);
            }
        }
        path.pop();
        done.insert(node.to_owned());
        None
    }
    let mut done = BTreeSet::new();
    graph
        .keys()
        .find_map(|node| visit(node, graph, &mut done, &mut Vec::new()))
}

/// Fails, naming the cycle, when the modules `src/<root>` declares import in a circle.
pub fn assert_acyclic(src: &Path, root: &str) {
    let graph = read(src, root);
    println!("{root}:\n{}", render(&graph));
    if let Some(cycle) = cycle(&graph) {
        panic!(
            "the modules of {root} import each other: {}\nedges:\n{}",
            cycle.join(" -> "),
            render(&graph)
        );
    }
}

#[test]
fn references_name_the_first_segment_of_every_crate_path() {
    let source = "use crate::{a, b::c, d::{e, f}};\n\
                  pub use crate::g;\n\
                  fn x() { crate::h::i(); aicr::j::k(); $crate::l::m(); }\n\
                  // crate::n is a comment\n\
                  use super::o;";
    let names: Vec<String> = references(source).into_iter().collect();
    assert_eq!(names, ["a", "b", "d", "g", "h", "l"]);
}

#[test]
fn references_after_a_nested_prefix_name_only_its_children() {
    let source = "use crate::tasks::{a, b::c};\n\
                  use crate::tasksx::d;\n\
                  fn x() { super::e(); super::super::f(); crate::g::h(); }";
    let nested: Vec<String> = references_after(source, "crate::tasks::")
        .into_iter()
        .collect();
    assert_eq!(nested, ["a", "b"]);
    let up: Vec<String> = references_after(source, "super::").into_iter().collect();
    assert_eq!(up, ["e", "super"], "super::super:: is one prefix, not two");
    let two: Vec<String> = references_after(source, "super::super::")
        .into_iter()
        .collect();
    assert_eq!(two, ["f"]);
}

#[test]
fn modules_are_the_declared_ones() {
    let root = "//! doc\n#![forbid(unsafe_code)]\n\npub mod a;\nmod b;\nmod c {\n}\n";
    assert_eq!(modules(root), ["a", "b"]);
}

#[test]
fn cycles_are_found_and_chains_are_not() {
    let graph = |edges: &[(&str, &str)]| {
        let mut graph = Graph::new();
        for (from, to) in edges {
            graph
                .entry((*from).to_owned())
                .or_default()
                .insert((*to).to_owned());
            graph.entry((*to).to_owned()).or_default();
        }
        graph
    };
    assert_eq!(cycle(&graph(&[("a", "b"), ("b", "c"), ("a", "c")])), None);
    assert_eq!(
        cycle(&graph(&[("a", "b"), ("b", "c"), ("c", "a")])),
        Some(vec!["a".into(), "b".into(), "c".into(), "a".into()])
    );
    assert_eq!(
        tangles(&graph(&[
            ("a", "b"),
            ("b", "a"),
            ("c", "d"),
            ("d", "e"),
            ("e", "c"),
            ("a", "c")
        ])),
        [vec!["a", "b"], vec!["c", "d", "e"]],
        "each group of modules that import each other, and no chain between them"
    );
    assert_eq!(
        tangles(&graph(&[("a", "b"), ("b", "c")])),
        Vec::<Vec<String>>::new()
    );
    assert_eq!(
        render(&graph(&[("x", "y")])),
        "x -> y\n",
        "one line per edge"
    );
}
