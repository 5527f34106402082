// SPDX-License-Identifier: Apache-2.0
// Copyright (c) 2026 NVIDIA CORPORATION & AFFILIATES. All rights reserved.

//! Parsing of untrusted YAML and JSON documents (`aicr -c`, `-r`, `-s` and the bodies
//! `aicrd` accepts) with a nesting limit checked before the parser sees the input.
//!
//! The YAML parser (libyaml, through `serde_norway`) does work proportional to the
//! flow nesting level for every token, so a deeply nested document costs time
//! quadratic in its size. [`yaml_depth`] measures the nesting in one linear pass that
//! follows libyaml's own scanner: flow collections (`[`, `{`) and block collections
//! (indentation), skipping quoted, plain and block scalars, comments, anchors and tags
//! exactly where libyaml does. It never reports less than the nesting libyaml builds:
//! every collection start libyaml sees, it sees too. Documents deeper than
//! [`MAX_DEPTH`] are refused before they are parsed, so parsing stays linear.

use serde::de::DeserializeOwned;

/// The deepest nesting of collections a document may have.
pub const MAX_DEPTH: usize = 64;

/// Why a document could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DocumentError {
    /// Collections nested deeper than the limit.
    #[error(
        "nested deeper than {limit} levels at line {line}, column {column}; hint: documents may nest at most {limit} levels"
    )]
    TooDeep {
        limit: usize,
        line: usize,
        column: usize,
    },
    /// The parser refused the document.
    #[error("{0}")]
    Syntax(String),
}

/// Parses a YAML (or JSON, which is YAML) document after checking its nesting.
pub fn from_yaml<T: DeserializeOwned>(text: &str) -> Result<T, DocumentError> {
    yaml_depth(text, MAX_DEPTH)?;
    serde_norway::from_str(text).map_err(|e| DocumentError::Syntax(e.to_string()))
}

/// Parses a JSON document after checking its nesting.
pub fn from_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, DocumentError> {
    json_depth(bytes, MAX_DEPTH)?;
    serde_json::from_slice(bytes).map_err(|e| DocumentError::Syntax(e.to_string()))
}

/// Checks that a JSON text nests at most `limit` arrays and objects.
pub fn json_depth(bytes: &[u8], limit: usize) -> Result<(), DocumentError> {
    let (mut depth, mut line, mut column) = (0usize, 1usize, 0usize);
    let mut in_string = false;
    let mut escaped = false;
    for &b in bytes {
        column += 1;
        if b == b'\n' {
            line += 1;
            column = 0;
        }
        if in_string {
            match (escaped, b) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                if depth > limit {
                    return Err(DocumentError::TooDeep {
                        limit,
                        line,
                        column,
                    });
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    Ok(())
}

/// Checks that a YAML text nests at most `limit` collections, counting what libyaml
/// would build: block collections (and sequences at their parent's indentation) and
/// flow collections (and the single-pair mappings of flow sequences).
pub fn yaml_depth(text: &str, limit: usize) -> Result<(), DocumentError> {
    let mut scanner = Scanner::new(text, limit);
    scanner.run()
}

fn is_break(c: char) -> bool {
    matches!(c, '\r' | '\n' | '\u{85}' | '\u{2028}' | '\u{2029}')
}

fn is_blank(c: char) -> bool {
    c == ' ' || c == '\t'
}

/// libyaml's `IS_ALPHA`: the characters of anchor names and tag handles.
fn is_alpha(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '-'
}

/// Characters of a tag; `,`, `[` and `]` only in `!<…>`.
fn is_tag_char(c: char, verbatim: bool) -> bool {
    is_alpha(c) || ";/?:@&=+$.%!~*'()".contains(c) || (verbatim && matches!(c, ',' | '[' | ']'))
}

/// A possible simple key: where the last token that may be a mapping key started.
#[derive(Debug, Clone, Copy)]
struct Key {
    line: usize,
    column: i64,
    index: usize,
}

/// A block collection libyaml has opened: the indentation it replaced.
#[derive(Debug, Clone, Copy)]
struct Block {
    previous: i64,
    sequence: bool,
    /// A sequence at this collection's own indentation (`key:\n- a`): one more level.
    indentless: bool,
}

/// A flow collection: `[` (a sequence) or `{`.
#[derive(Debug, Clone, Copy)]
struct Flow {
    sequence: bool,
    /// A `key: value` pair inside a flow sequence: one more level.
    pair: bool,
}

/// A character-level model of libyaml's scanner, tracking only what decides where
/// tokens start and how deep collections nest.
#[derive(Debug)]
struct Scanner<'a> {
    text: &'a str,
    /// The byte offset of the current character (libyaml's `mark.index`).
    pos: usize,
    line: usize,
    column: i64,
    indent: i64,
    blocks: Vec<Block>,
    flows: Vec<Flow>,
    /// One possible simple key per flow level (the block level first).
    keys: Vec<Option<Key>>,
    key_allowed: bool,
    depth: usize,
    limit: usize,
}

impl<'a> Scanner<'a> {
    fn new(text: &'a str, limit: usize) -> Scanner<'a> {
        Scanner {
            text,
            pos: 0,
            line: 0,
            column: 0,
            indent: -1,
            blocks: Vec::new(),
            flows: Vec::new(),
            keys: vec![None],
            key_allowed: true,
            depth: 0,
            limit,
        }
    }

    /// The character `k` ahead (libyaml looks at most four ahead).
    fn at(&self, k: usize) -> Option<char> {
        self.text.get(self.pos..)?.chars().nth(k)
    }

    fn is(&self, k: usize, c: char) -> bool {
        self.at(k) == Some(c)
    }

    fn blankz(&self, k: usize) -> bool {
        self.at(k).is_none_or(|c| is_blank(c) || is_break(c))
    }

    /// Moves past one character, or one line break (`\r\n` counts as one).
    fn skip(&mut self) {
        match self.at(0) {
            Some('\r') if self.is(1, '\n') => {
                self.pos += 2;
                self.line += 1;
                self.column = 0;
            }
            Some(c) if is_break(c) => {
                self.pos += c.len_utf8();
                self.line += 1;
                self.column = 0;
            }
            Some(c) => {
                self.pos += c.len_utf8();
                self.column += 1;
            }
            None => {}
        }
    }

    fn flow(&self) -> bool {
        !self.flows.is_empty()
    }

    fn deeper(&mut self) -> Result<(), DocumentError> {
        self.depth += 1;
        if self.depth > self.limit {
            return Err(DocumentError::TooDeep {
                limit: self.limit,
                line: self.line + 1,
                column: usize::try_from(self.column).unwrap_or(0) + 1,
            });
        }
        Ok(())
    }

    fn key_slot(&mut self) -> &mut Option<Key> {
        let level = self.flows.len();
        &mut self.keys[level]
    }

    fn save_key(&mut self) {
        if self.key_allowed {
            let key = Key {
                line: self.line,
                column: self.column,
                index: self.pos,
            };
            *self.key_slot() = Some(key);
        }
    }

    fn remove_key(&mut self) {
        *self.key_slot() = None;
    }

    /// The possible simple key of this level: libyaml drops keys on an earlier line or
    /// more than 1024 bytes back.
    fn take_key(&mut self) -> Option<Key> {
        let (line, index) = (self.line, self.pos);
        self.key_slot()
            .take()
            .filter(|k| k.line == line && k.index + 1024 >= index)
    }

    fn roll(&mut self, column: i64, sequence: bool) -> Result<(), DocumentError> {
        if !self.flow() && self.indent < column {
            self.blocks.push(Block {
                previous: self.indent,
                sequence,
                indentless: false,
            });
            self.indent = column;
            self.deeper()?;
        }
        Ok(())
    }

    fn unroll(&mut self, column: i64) {
        if self.flow() {
            return;
        }
        while self.indent > column {
            match self.blocks.pop() {
                Some(block) => {
                    self.depth -= 1 + usize::from(block.indentless);
                    self.indent = block.previous;
                }
                None => break,
            }
        }
    }

    /// A `key: value` pair inside a flow sequence is a mapping of its own.
    fn flow_pair(&mut self) -> Result<(), DocumentError> {
        if let Some(flow) = self.flows.last_mut()
            && flow.sequence
            && !flow.pair
        {
            flow.pair = true;
            self.deeper()?;
        }
        Ok(())
    }

    fn run(&mut self) -> Result<(), DocumentError> {
        loop {
            self.skip_to_next_token();
            self.unroll(self.column);
            let Some(c) = self.at(0) else {
                return Ok(());
            };
            if self.column == 0 && (self.directive(c) || self.document_marker()) {
                continue;
            }
            if !self.token(c)? {
                return Ok(());
            }
        }
    }

    /// A directive at column 0 (`%`): its name and parameters hold no tokens.
    fn directive(&mut self, c: char) -> bool {
        if c != '%' {
            return false;
        }
        self.unroll(-1);
        self.remove_key();
        self.key_allowed = false;
        while self.at(0).is_some_and(|c| !is_break(c)) {
            self.skip();
        }
        true
    }

    /// A document start (`---`) or end (`...`) marker at column 0.
    fn document_marker(&mut self) -> bool {
        let marker = (self.is(0, '-') && self.is(1, '-') && self.is(2, '-'))
            || (self.is(0, '.') && self.is(1, '.') && self.is(2, '.'));
        if !(marker && self.blankz(3)) {
            return false;
        }
        self.unroll(-1);
        self.remove_key();
        self.key_allowed = false;
        for _ in 0..3 {
            self.skip();
        }
        true
    }

    /// Scans the token that starts with `c`; `false` where libyaml stops scanning.
    fn token(&mut self, c: char) -> Result<bool, DocumentError> {
        match c {
            '[' | '{' => self.flow_start(c == '[')?,
            ']' | '}' => self.flow_end(),
            ',' => {
                self.remove_key();
                self.key_allowed = true;
                self.skip();
            }
            '-' if self.blankz(1) => self.block_entry()?,
            '?' if self.flow() || self.blankz(1) => self.key_indicator()?,
            ':' if self.flow() || self.blankz(1) => self.value_indicator()?,
            '*' | '&' => {
                self.save_key();
                self.key_allowed = false;
                self.skip();
                while self.at(0).is_some_and(is_alpha) {
                    self.skip();
                }
            }
            '!' => {
                self.save_key();
                self.key_allowed = false;
                self.tag();
            }
            '|' | '>' if !self.flow() => {
                self.remove_key();
                self.key_allowed = true;
                self.block_scalar();
            }
            '\'' | '"' => {
                self.save_key();
                self.key_allowed = false;
                self.quoted(c == '\'');
            }
            _ if self.plain_start(c) => {
                self.save_key();
                self.key_allowed = false;
                self.plain();
            }
            // libyaml stops here: "found character that cannot start any token".
            _ => return Ok(false),
        }
        Ok(true)
    }

    /// `[` or `{`: a flow collection opens.
    fn flow_start(&mut self, sequence: bool) -> Result<(), DocumentError> {
        self.save_key();
        self.flows.push(Flow {
            sequence,
            pair: false,
        });
        self.keys.push(None);
        self.deeper()?;
        self.key_allowed = true;
        self.skip();
        Ok(())
    }

    /// `]` or `}`: the innermost flow collection closes.
    fn flow_end(&mut self) {
        self.remove_key();
        if let Some(flow) = self.flows.pop() {
            self.keys.pop();
            self.depth -= 1 + usize::from(flow.pair);
        }
        self.key_allowed = false;
        self.skip();
    }

    /// `- `: an entry of a block sequence, which may start one (or an indentless one
    /// inside a mapping).
    fn block_entry(&mut self) -> Result<(), DocumentError> {
        if !self.flow() {
            if self.indent < self.column {
                self.roll(self.column, true)?;
            } else if let Some(block) = self.blocks.last_mut()
                && !block.sequence
                && !block.indentless
            {
                block.indentless = true;
                self.deeper()?;
            }
        }
        self.remove_key();
        self.key_allowed = true;
        self.skip();
        Ok(())
    }

    /// `? `: an explicit key.
    fn key_indicator(&mut self) -> Result<(), DocumentError> {
        if self.flow() {
            self.flow_pair()?;
        } else {
            self.roll(self.column, false)?;
        }
        self.remove_key();
        self.key_allowed = !self.flow();
        self.skip();
        Ok(())
    }

    /// `: `: a value, after the simple key saved before it if there is one.
    fn value_indicator(&mut self) -> Result<(), DocumentError> {
        if self.flow() {
            self.flow_pair()?;
        }
        match self.take_key() {
            Some(key) => {
                self.roll(key.column, false)?;
                self.key_allowed = false;
            }
            None => {
                self.roll(self.column, false)?;
                self.key_allowed = !self.flow();
            }
        }
        self.skip();
        Ok(())
    }

    fn plain_start(&self, c: char) -> bool {
        let indicator = is_blank(c) || is_break(c) || "-?:,[]{}#&*!|>'\"%@`".contains(c);
        !indicator
            || (c == '-' && !self.at(1).is_some_and(is_blank))
            || (!self.flow() && matches!(c, '?' | ':') && !self.blankz(1))
    }

    /// Spaces (and tabs where libyaml allows them), comments and line breaks.
    fn skip_to_next_token(&mut self) {
        loop {
            if self.column == 0 && self.is(0, '\u{feff}') {
                self.skip();
            }
            while self.is(0, ' ') || ((self.flow() || !self.key_allowed) && self.is(0, '\t')) {
                self.skip();
            }
            if self.is(0, '#') {
                while self.at(0).is_some_and(|c| !is_break(c)) {
                    self.skip();
                }
            }
            if !self.at(0).is_some_and(is_break) {
                return;
            }
            self.skip();
            if !self.flow() {
                self.key_allowed = true;
            }
        }
    }

    fn tag(&mut self) {
        self.skip();
        let verbatim = self.is(0, '<');
        if verbatim {
            self.skip();
        }
        while self.at(0).is_some_and(|c| is_tag_char(c, verbatim)) {
            self.skip();
        }
        if verbatim && self.is(0, '>') {
            self.skip();
        }
    }

    /// A single- or double-quoted scalar, over as many lines as it takes.
    fn quoted(&mut self, single: bool) {
        self.skip();
        while let Some(c) = self.at(0) {
            if single && c == '\'' {
                self.skip();
                if self.is(0, '\'') {
                    self.skip();
                    continue;
                }
                return;
            }
            if !single && c == '"' {
                self.skip();
                return;
            }
            if !single && c == '\\' {
                self.skip();
            }
            self.skip();
        }
    }

    /// A plain scalar: in flow context it ends at `,[]{}`; in block context it goes on
    /// over lines indented deeper than the current block collection.
    fn plain(&mut self) {
        let indent = self.indent + 1;
        let mut leading_blanks = false;
        loop {
            if self.column == 0
                && ((self.is(0, '-') && self.is(1, '-') && self.is(2, '-'))
                    || (self.is(0, '.') && self.is(1, '.') && self.is(2, '.')))
                && self.blankz(3)
            {
                break;
            }
            if self.is(0, '#') {
                break;
            }
            while !self.blankz(0) {
                let c = self.at(0).unwrap_or(' ');
                if (c == ':' && self.blankz(1))
                    || (self.flow() && matches!(c, ',' | '[' | ']' | '{' | '}'))
                {
                    break;
                }
                self.skip();
            }
            if !self.at(0).is_some_and(|c| is_blank(c) || is_break(c)) {
                break;
            }
            while let Some(c) = self.at(0).filter(|&c| is_blank(c) || is_break(c)) {
                if is_break(c) {
                    leading_blanks = true;
                }
                self.skip();
            }
            if !self.flow() && self.column < indent {
                break;
            }
        }
        if leading_blanks {
            self.key_allowed = true;
        }
    }

    /// A literal or folded block scalar: its header, then every line indented at least
    /// as deep as its content (explicit, or that of its first non-empty line).
    fn block_scalar(&mut self) {
        self.skip();
        let mut increment = 0i64;
        for _ in 0..2 {
            match self.at(0) {
                Some('+' | '-') => self.skip(),
                Some(d @ '1'..='9') => {
                    increment = i64::from(d as u8 - b'0');
                    self.skip();
                }
                _ => {}
            }
        }
        while self.at(0).is_some_and(is_blank) {
            self.skip();
        }
        if self.is(0, '#') {
            while self.at(0).is_some_and(|c| !is_break(c)) {
                self.skip();
            }
        }
        if !self.at(0).is_some_and(is_break) {
            // libyaml stops: "did not find expected comment or line break"; so does
            // the model, by treating the rest as this scalar.
            self.pos = self.text.len();
            return;
        }
        self.skip();
        let mut indent = if increment > 0 {
            if self.indent >= 0 {
                self.indent + increment
            } else {
                increment
            }
        } else {
            0
        };
        self.block_breaks(&mut indent);
        while self.column == indent && self.at(0).is_some() {
            while self.at(0).is_some_and(|c| !is_break(c)) {
                self.skip();
            }
            if self.at(0).is_none() {
                break;
            }
            self.skip();
            self.block_breaks(&mut indent);
        }
    }

    fn block_breaks(&mut self, indent: &mut i64) {
        let mut max = 0;
        loop {
            while (*indent == 0 || self.column < *indent) && self.is(0, ' ') {
                self.skip();
            }
            max = max.max(self.column);
            if !self.at(0).is_some_and(is_break) {
                break;
            }
            self.skip();
        }
        if *indent == 0 {
            *indent = max.max(self.indent + 1).max(1);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn depth(text: &str) -> usize {
        (0..=200)
            .find(|&limit| yaml_depth(text, limit).is_ok())
            .unwrap_or(usize::MAX)
    }

    fn value_depth(v: &serde_json::Value) -> usize {
        match v {
            serde_json::Value::Array(a) => 1 + a.iter().map(value_depth).max().unwrap_or(0),
            serde_json::Value::Object(o) => 1 + o.values().map(value_depth).max().unwrap_or(0),
            _ => 0,
        }
    }

    #[test]
    fn flow_and_block_nesting_are_counted() {
        assert_eq!(depth("a"), 0);
        assert_eq!(depth("[]"), 1);
        assert_eq!(depth("[[1], {a: [2]}]"), 3);
        assert_eq!(depth("a:\n  b:\n    c: 1\n"), 3);
        assert_eq!(depth("a:\n- 1\n- [2]\n"), 3);
        assert_eq!(depth("- - - x\n"), 3);
        assert_eq!(depth("[a: b]"), 2);
        assert_eq!(depth("k: {\"a\": [1, 2]}\n"), 3);
    }

    #[test]
    fn brackets_in_scalars_and_comments_do_not_count() {
        assert_eq!(depth("a: \"[[[[\"\nb: '{{{{'\n"), 1);
        assert_eq!(depth("a: x[[[y # [[[[\n"), 1);
        assert_eq!(depth("# [[[[[[\na: 1\n"), 1);
        assert_eq!(depth("a: |\n  [[[[\n  {{{\nb: 1\n"), 1);
        assert_eq!(depth("a: >-\n  \"[[[\n\n  ]]]\nb: [x]\n"), 2);
        assert_eq!(depth("a: it's [not] a list\n"), 1);
        assert_eq!(depth("[\"]]]]\", '}}}', [x]]"), 2);
        assert_eq!(depth("a: plain\n  continued \"[[[\n"), 1);
        assert_eq!(depth("!<tag:x,[y]> [a]"), 1);
        assert_eq!(depth("&a [*a]"), 1);
    }

    #[test]
    fn closers_inside_strings_do_not_hide_depth() {
        let deep = format!("{}{}", "[".repeat(70), "]".repeat(70));
        for text in [
            format!("a: \"]]]]\"\nb: {deep}\n"),
            format!("a: ']]]]'\nb: {deep}\n"),
            format!("a: |\n  ]]]]\nb: {deep}\n"),
            format!("# ]]]]\nb: {deep}\n"),
            format!("[\"]]]]\", {deep}]"),
        ] {
            assert!(
                matches!(
                    yaml_depth(&text, MAX_DEPTH),
                    Err(DocumentError::TooDeep { limit: 64, .. })
                ),
                "{text}"
            );
        }
    }

    #[test]
    fn too_deep_documents_are_refused_with_the_limit_and_position() {
        let text = format!("a:\n  b: {}", "[".repeat(100_000));
        assert_eq!(
            from_yaml::<serde_json::Value>(&text),
            Err(DocumentError::TooDeep {
                limit: 64,
                line: 2,
                column: 68
            })
        );
        let err = from_json::<serde_json::Value>("{\"a\":".repeat(65).as_bytes()).unwrap_err();
        assert_eq!(
            err.to_string(),
            "nested deeper than 64 levels at line 1, column 321; hint: documents may nest at most 64 levels"
        );
        let block: String = (0..70).map(|i| format!("{}k:\n", " ".repeat(i))).collect();
        assert!(matches!(
            from_yaml::<serde_json::Value>(&block),
            Err(DocumentError::TooDeep { .. })
        ));
        let ok = format!("{}{}", "[".repeat(64), "]".repeat(64));
        assert!(from_yaml::<serde_json::Value>(&ok).is_ok());
        assert!(from_json::<serde_json::Value>(ok.as_bytes()).is_ok());
    }

    #[test]
    fn syntax_errors_pass_through() {
        let err = from_yaml::<serde_json::Value>("a: [1, 2").unwrap_err();
        assert!(matches!(err, DocumentError::Syntax(_)), "{err:?}");
        let err = from_json::<serde_json::Value>(b"{\"a\" 1}").unwrap_err();
        assert!(matches!(err, DocumentError::Syntax(_)), "{err:?}");
    }

    /// Strings full of YAML's special characters.
    fn hostile_string() -> impl Strategy<Value = String> {
        proptest::collection::vec(
            prop_oneof![
                Just("["),
                Just("]"),
                Just("{"),
                Just("}"),
                Just("\""),
                Just("'"),
                Just("#"),
                Just(": "),
                Just(":"),
                Just(","),
                Just("\n"),
                Just("  "),
                Just("- "),
                Just("|"),
                Just(">"),
                Just("\\"),
                Just("&a"),
                Just("!t"),
                Just("?"),
                Just("x"),
                Just("é"),
                Just("\t"),
            ],
            0..12,
        )
        .prop_map(|parts| parts.concat())
    }

    fn value() -> impl Strategy<Value = serde_json::Value> {
        let leaf = prop_oneof![
            hostile_string().prop_map(serde_json::Value::String),
            any::<i64>().prop_map(serde_json::Value::from),
            Just(serde_json::Value::Null),
        ];
        leaf.prop_recursive(8, 64, 5, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..5).prop_map(serde_json::Value::Array),
                proptest::collection::btree_map(hostile_string(), inner, 0..5)
                    .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
            ]
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2048))]

        /// Whatever the strings hold, the measured depth is the document's: in block
        /// style (as `aicr` writes YAML) and in flow style (JSON).
        #[test]
        fn the_measured_depth_is_the_documents(v in value()) {
            let want = value_depth(&v);
            let yaml = serde_norway::to_string(&v).unwrap();
            let back: serde_json::Value = serde_norway::from_str(&yaml).unwrap();
            prop_assert_eq!(&back, &v);
            prop_assert!(depth(&yaml) >= want, "{} < {} in\n{}", depth(&yaml), want, yaml);
            prop_assert!(depth(&yaml) <= 2 * want.max(1), "{} for {} in\n{}", depth(&yaml), want, yaml);
            let json = serde_json::to_string(&v).unwrap();
            prop_assert_eq!(depth(&json), want, "{}", json);
            let pretty = serde_json::to_string_pretty(&v).unwrap();
            prop_assert_eq!(depth(&pretty), want, "{}", pretty);
        }

        /// On arbitrary text the scan never panics, and whenever libyaml reads a
        /// document the scan measured at least its depth.
        #[test]
        fn the_scan_never_reports_less_than_the_parser_builds(text in text()) {
            let measured = depth(&text);
            if let Ok(v) = serde_norway::from_str::<serde_json::Value>(&text) {
                prop_assert!(measured >= value_depth(&v), "{} < {} in {:?}", measured, value_depth(&v), text);
            }
        }

        /// The same for real documents (block and flow style) with fragments spliced in
        /// anywhere: most still parse, many differently from the original.
        #[test]
        fn spliced_documents_are_never_deeper_than_measured(
            v in value(),
            flow in any::<bool>(),
            splices in proptest::collection::vec((any::<proptest::sample::Index>(), fragment()), 1..4),
        ) {
            let mut doc = if flow {
                serde_json::to_string_pretty(&v).unwrap()
            } else {
                serde_norway::to_string(&v).unwrap()
            };
            for (at, piece) in splices {
                let boundaries: Vec<usize> = doc.char_indices().map(|(i, _)| i).chain([doc.len()]).collect();
                doc.insert_str(boundaries[at.index(boundaries.len())], piece);
            }
            if let Ok(parsed) = serde_norway::from_str::<serde_json::Value>(&doc) {
                prop_assert!(depth(&doc) >= value_depth(&parsed), "{} < {} in {:?}", depth(&doc), value_depth(&parsed), doc);
            }
        }
    }

    /// YAML-ish fragments: keys, entries, quotes, block scalar headers, comments, flow
    /// collections and their closers.
    fn fragment() -> impl Strategy<Value = &'static str> {
        prop_oneof![
            Just("k: "),
            Just("- "),
            Just("? "),
            Just(": "),
            Just("["),
            Just("]"),
            Just("{"),
            Just("}"),
            Just(", "),
            Just("\""),
            Just("'"),
            Just("|"),
            Just(">-"),
            Just(" #"),
            Just("a"),
            Just("&x "),
            Just("*x"),
            Just("!t "),
            Just("\\"),
            Just("x: ["),
            Just("--- "),
            Just("\n"),
            Just("\n  "),
        ]
    }

    /// Lines of fragments at varied indentation.
    fn text() -> impl Strategy<Value = String> {
        let line = (0usize..6, proptest::collection::vec(fragment(), 0..6))
            .prop_map(|(indent, parts)| format!("{}{}", " ".repeat(indent), parts.concat()));
        proptest::collection::vec(line, 1..8).prop_map(|lines| lines.join("\n"))
    }
}
