// SPDX-License-Identifier: Apache-2.0
// Copyright (c) 2026 NVIDIA CORPORATION & AFFILIATES. All rights reserved.

//! `WWW-Authenticate` challenges as RFC 7235 (section 4.1) defines them: a list of
//! challenges, each an auth scheme followed by a token68 or by comma-separated
//! auth-params whose values are tokens or quoted strings (in which commas are data and
//! `\` escapes the next character). So `Bearer realm="r",scope="repository:x:pull,push"`
//! keeps its scope whole, and `Basic realm="a", Bearer realm="b"` is two challenges.

use std::fmt;

/// One challenge: a scheme (compared case-insensitively) and its parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Challenge {
    pub scheme: String,
    /// Parameter names are lowercased (they are case-insensitive); values are unquoted.
    pub params: Vec<(String, String)>,
    pub token68: Option<String>,
}

impl Challenge {
    /// Whether the scheme is `name`, ignoring case.
    pub fn is(&self, name: &str) -> bool {
        self.scheme.eq_ignore_ascii_case(name)
    }

    /// The value of a parameter, by case-insensitive name.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Why a header is not a valid challenge list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    pub at: usize,
    pub what: &'static str,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at byte {}", self.what, self.at)
    }
}

impl std::error::Error for ParseError {}

fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

fn is_token68_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"-._~+/".contains(&b)
}

struct Parser<'a> {
    s: &'a str,
    i: usize,
}

impl<'a> Parser<'a> {
    fn peek(&self) -> Option<u8> {
        self.s.as_bytes().get(self.i).copied()
    }

    fn eof(&self) -> bool {
        self.i >= self.s.len()
    }

    fn error(&self, what: &'static str) -> ParseError {
        ParseError { at: self.i, what }
    }

    /// Skips spaces and tabs; returns whether there were any.
    fn ows(&mut self) -> bool {
        let start = self.i;
        while matches!(self.peek(), Some(b' ' | b'\t')) {
            self.i += 1;
        }
        self.i > start
    }

    /// Skips whitespace and empty list elements.
    fn separators(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b',')) {
            self.i += 1;
        }
    }

    fn token(&mut self) -> Option<&'a str> {
        let start = self.i;
        while self.peek().is_some_and(is_tchar) {
            self.i += 1;
        }
        let s = self.s;
        (self.i > start).then(|| &s[start..self.i])
    }

    fn token68(&mut self) -> Option<&'a str> {
        let start = self.i;
        while self.peek().is_some_and(is_token68_char) {
            self.i += 1;
        }
        if self.i == start {
            return None;
        }
        while self.peek() == Some(b'=') {
            self.i += 1;
        }
        let s = self.s;
        Some(&s[start..self.i])
    }

    /// A quoted string, the opening quote at the cursor; returns its unescaped content.
    fn quoted(&mut self) -> Result<String, ParseError> {
        self.i += 1;
        let mut out = String::new();
        let mut chars = self.s[self.i..].char_indices();
        while let Some((offset, c)) = chars.next() {
            match c {
                '"' => {
                    self.i += offset + 1;
                    return Ok(out);
                }
                '\\' => match chars.next() {
                    Some((_, c)) if c != '\x7f' && (c >= ' ' || c == '\t') => out.push(c),
                    _ => {
                        self.i += offset;
                        return Err(self.error("a bad escape in a quoted string"));
                    }
                },
                c if c == '\x7f' || (c < ' ' && c != '\t') => {
                    self.i += offset;
                    return Err(self.error("a control character in a quoted string"));
                }
                c => out.push(c),
            }
        }
        self.i = self.s.len();
        Err(self.error("an unterminated quoted string"))
    }

    fn challenge(&mut self) -> Result<Challenge, ParseError> {
        let scheme = self
            .token()
            .ok_or_else(|| self.error("expected an auth scheme"))?
            .to_owned();
        let mut challenge = Challenge {
            scheme,
            params: Vec::new(),
            token68: None,
        };
        if !self.ows() || self.eof() || self.peek() == Some(b',') {
            return Ok(challenge);
        }
        // A token68 stands alone: nothing but a separator or the end may follow it.
        let start = self.i;
        if let Some(t68) = self.token68().map(str::to_owned) {
            self.ows();
            if self.eof() || self.peek() == Some(b',') {
                challenge.token68 = Some(t68);
                return Ok(challenge);
            }
        }
        self.i = start;
        loop {
            let before = self.i;
            let Some(name) = self.token().map(str::to_ascii_lowercase) else {
                return Err(self.error("expected an auth-param"));
            };
            self.ows();
            if self.peek() != Some(b'=') {
                // Not a parameter: the scheme of the next challenge.
                if challenge.params.is_empty() {
                    return Err(self.error("expected '=' after a parameter name"));
                }
                self.i = before;
                return Ok(challenge);
            }
            self.i += 1;
            self.ows();
            let value = match self.peek() {
                Some(b'"') => self.quoted()?,
                _ => self
                    .token()
                    .ok_or_else(|| self.error("expected a token or a quoted string"))?
                    .to_owned(),
            };
            challenge.params.push((name, value));
            self.ows();
            match self.peek() {
                None => return Ok(challenge),
                Some(b',') => self.separators(),
                Some(_) => return Err(self.error("expected ',' between parameters")),
            }
            if self.eof() {
                return Ok(challenge);
            }
        }
    }
}

/// Parses the value of a `WWW-Authenticate` header into its challenges.
pub fn parse(header: &str) -> Result<Vec<Challenge>, ParseError> {
    let mut parser = Parser { s: header, i: 0 };
    let mut challenges = Vec::new();
    loop {
        parser.separators();
        if parser.eof() {
            return Ok(challenges);
        }
        challenges.push(parser.challenge()?);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// `s` as a quoted string: `"` and `\` escaped. Control characters other than tab
    /// cannot be quoted; they are dropped.
    fn quote(s: &str) -> String {
        let mut out = String::with_capacity(s.len() + 2);
        out.push('"');
        for c in s.chars() {
            match c {
                '"' | '\\' => {
                    out.push('\\');
                    out.push(c);
                }
                c if c == '\x7f' || (c < ' ' && c != '\t') => {}
                c => out.push(c),
            }
        }
        out.push('"');
        out
    }

    #[test]
    fn a_scope_with_commas_stays_whole() {
        let c = parse(r#"Bearer realm="https://auth.example/token",service="registry.example",scope="repository:nvidia/aicr:pull,push""#).unwrap();
        assert_eq!(c.len(), 1);
        assert!(c[0].is("bearer"));
        assert_eq!(c[0].param("realm"), Some("https://auth.example/token"));
        assert_eq!(c[0].param("service"), Some("registry.example"));
        assert_eq!(
            c[0].param("scope"),
            Some("repository:nvidia/aicr:pull,push")
        );
    }

    #[test]
    fn several_challenges_tokens_and_escapes() {
        let c = parse(
            r#"Newauth realm="apps", type=1, title="Login to \"apps\"", Basic realm="simple", Negotiate abc+/==, Bearer"#,
        )
        .unwrap();
        assert_eq!(
            c.iter().map(|c| c.scheme.as_str()).collect::<Vec<_>>(),
            ["Newauth", "Basic", "Negotiate", "Bearer"]
        );
        assert_eq!(c[0].param("type"), Some("1"));
        assert_eq!(c[0].param("TITLE"), Some(r#"Login to "apps""#));
        assert_eq!(c[1].param("realm"), Some("simple"));
        assert_eq!(c[2].token68.as_deref(), Some("abc+/=="));
        assert!(c[3].params.is_empty());
        let spaced = parse("Basic  realm = \"a, b\" ,  charset=UTF-8 ,,").unwrap();
        assert_eq!(spaced[0].param("realm"), Some("a, b"));
        assert_eq!(spaced[0].param("charset"), Some("UTF-8"));
    }

    #[test]
    fn malformed_headers_are_errors() {
        for (header, what) in [
            (r#"Bearer realm="open"#, "unterminated"),
            (r#"Bearer realm="a" scope="b""#, "expected ','"),
            (r#"Bearer scope="a", realm="#, "expected a token"),
            ("=x", "expected an auth scheme"),
            ("Bearer realm=\"a\u{1}\"", "control character"),
            ("Bearer a b", "expected '='"),
        ] {
            let err = parse(header).unwrap_err().to_string();
            assert!(err.contains(what), "{header:?}: {err}");
        }
    }

    proptest! {
        #[test]
        fn any_scope_round_trips(scope in "[^\\x00-\\x08\\x0a-\\x1f\\x7f]*") {
            let header = format!("Basic realm=\"x\", Bearer realm=\"http://127.0.0.1/token\",service=registry,scope={}", quote(&scope));
            let challenges = parse(&header).unwrap();
            prop_assert_eq!(challenges.len(), 2);
            prop_assert_eq!(challenges[1].param("scope"), Some(scope.as_str()));
        }

        #[test]
        fn any_header_parses_or_errs_without_panicking(header in any::<String>()) {
            let _ = parse(&header);
        }
    }
}
