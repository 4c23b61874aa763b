//! Finding where in the source text a value was written.
//!
//! serde hands the model layer values without positions, and RON has no spanned values.
//! Positions of semantic errors (an unknown id, a bad duration) are recovered by searching
//! the text for a chain of anchors: the entity's `id: "x"`, then the field, then the literal.
//! Each anchor is searched from where the previous one was found, so the answer points at
//! the right occurrence even when the same literal appears in several places. When an
//! anchor is not found, the last one that was found is reported: never a wrong file, at
//! worst the start of the right entity.

/// One step of a search.
#[derive(Debug, Clone, Copy)]
pub enum Anchor<'a> {
    /// `id: "x"` (a site or service).
    Id(&'a str),
    /// `name: "x"` (an event or variant).
    Name(&'a str),
    /// `field:`.
    Field(&'a str),
    /// `"x"`, a string literal.
    Str(&'a str),
    /// The `n`-th (0-based) `id: "x"` from where the search is: for duplicates.
    NthId(&'a str, usize),
    /// The `n`-th (0-based) `key: "x"` from where the search is.
    NthKeyed(&'a str, &'a str, usize),
    /// The `n`-th (0-based) `field:` from where the search is: for entries of a list
    /// that have no id or name (`common_cause`).
    NthField(&'a str, usize),
}

pub struct Locator<'a> {
    text: &'a str,
    /// Where each line starts, found on the first question about lines: a valid file
    /// asks none, and loading a large one need not index its lines.
    line_starts: std::cell::OnceCell<Vec<usize>>,
}

impl<'a> Locator<'a> {
    pub fn new(text: &'a str) -> Self {
        Locator {
            text,
            line_starts: std::cell::OnceCell::new(),
        }
    }

    fn line_starts(&self) -> &[usize] {
        self.line_starts.get_or_init(|| {
            let mut starts = vec![0];
            starts.extend(self.text.match_indices('\n').map(|(i, _)| i + 1));
            starts
        })
    }

    /// Line and column (1-based, columns in characters) of the end of the anchor chain.
    pub fn locate(&self, anchors: &[Anchor<'_>]) -> (usize, usize) {
        let mut at = 0;
        let mut found_any = false;
        for a in anchors {
            match self.find(*a, at) {
                Some(p) => {
                    at = p;
                    found_any = true;
                }
                None => break,
            }
        }
        if !found_any {
            return (0, 0);
        }
        self.line_col(at)
    }

    fn find(&self, anchor: Anchor<'_>, from: usize) -> Option<usize> {
        match anchor {
            Anchor::Id(v) => self.find_keyed("id", v, from),
            Anchor::Name(v) => self.find_keyed("name", v, from),
            Anchor::NthId(v, n) => self.find(Anchor::NthKeyed("id", v, n), from),
            Anchor::NthKeyed(key, v, n) => {
                let mut at = self.find_keyed(key, v, from)?;
                for _ in 0..n {
                    at = self.find_keyed(key, v, at + 1)?;
                }
                Some(at)
            }
            Anchor::NthField(f, n) => {
                let mut at = self.find(Anchor::Field(f), from)?;
                for _ in 0..n {
                    at = self.find(Anchor::Field(f), at + f.len())?;
                }
                Some(at)
            }
            Anchor::Field(f) => {
                let mut start = from;
                while let Some(rel) = self.text.get(start..)?.find(f) {
                    let p = start + rel;
                    let before_ok = p == 0
                        || !self.text.as_bytes()[p - 1].is_ascii_alphanumeric()
                            && self.text.as_bytes()[p - 1] != b'_';
                    let rest = self.text[p + f.len()..].trim_start();
                    if before_ok && rest.starts_with(':') {
                        return Some(p);
                    }
                    start = p + f.len();
                }
                None
            }
            Anchor::Str(v) => {
                let quoted = format!("\"{v}\"");
                self.text.get(from..)?.find(&quoted).map(|r| from + r)
            }
        }
    }

    fn find_keyed(&self, key: &str, value: &str, from: usize) -> Option<usize> {
        let quoted = format!("\"{value}\"");
        let mut start = from;
        while let Some(rel) = self.text.get(start..)?.find(&quoted) {
            let p = start + rel;
            let before = self.text[..p].trim_end();
            if let Some(b) = before.strip_suffix(':') {
                if b.trim_end().ends_with(key) {
                    return Some(p);
                }
            }
            start = p + quoted.len();
        }
        None
    }

    /// The byte offset of a 1-based line and column (in characters), if it is in the text.
    pub fn offset(&self, line: usize, col: usize) -> Option<usize> {
        let start = *self.line_starts().get(line.checked_sub(1)?)?;
        let end = self
            .line_starts()
            .get(line)
            .copied()
            .unwrap_or(self.text.len());
        let line_text = &self.text[start..end];
        let within = match line_text.char_indices().nth(col.checked_sub(1)?) {
            Some((i, _)) => i,
            None if col - 1 == line_text.chars().count() => line_text.len(),
            None => return None,
        };
        Some(start + within)
    }

    /// Where the value ending with the bracket at `offset` starts: the matching opening
    /// bracket, or the name before it (`LogNormal(`). The parser reports some errors
    /// (a missing field, a value of none of the accepted shapes) at the closing bracket of
    /// the value, which is less helpful than its start when the value spans many lines.
    /// Any other offset is returned unchanged.
    pub fn value_start(&self, offset: usize) -> usize {
        let bytes = self.text.as_bytes();
        if !matches!(bytes.get(offset), Some(b')' | b']' | b'}')) {
            return offset;
        }
        let Some(open) = self.matching_open(offset) else {
            return offset;
        };
        // An enum variant or struct name written right before its parenthesis.
        let mut start = open;
        while start > 0 && (bytes[start - 1].is_ascii_alphanumeric() || bytes[start - 1] == b'_') {
            start -= 1;
        }
        if start < open && bytes[start].is_ascii_alphabetic() {
            start
        } else {
            open
        }
    }

    /// The opening bracket matching the closing one at `close`, found by scanning the
    /// text from the start while skipping strings and comments.
    fn matching_open(&self, close: usize) -> Option<usize> {
        let bytes = self.text.as_bytes();
        let mut stack: Vec<usize> = Vec::new();
        let mut i = 0;
        while i < close {
            match bytes[i] {
                b'"' => i = skip_string(bytes, i + 1),
                b'r' if bytes.get(i + 1).is_some_and(|&b| b == b'"' || b == b'#')
                    && (i == 0
                        || !bytes[i - 1].is_ascii_alphanumeric() && bytes[i - 1] != b'_') =>
                {
                    i = skip_raw_string(bytes, i + 1);
                }
                b'/' if bytes.get(i + 1) == Some(&b'/') => {
                    while i < bytes.len() && bytes[i] != b'\n' {
                        i += 1;
                    }
                }
                b'/' if bytes.get(i + 1) == Some(&b'*') => i = skip_block_comment(bytes, i + 2),
                b'(' | b'[' | b'{' => {
                    stack.push(i);
                    i += 1;
                }
                b')' | b']' | b'}' => {
                    stack.pop();
                    i += 1;
                }
                _ => i += 1,
            }
        }
        if i == close {
            stack.pop()
        } else {
            // The offset lies inside a string or comment: not a bracket after all.
            None
        }
    }

    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let starts = self.line_starts();
        let line = match starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i - 1,
        };
        let start = starts[line];
        let col = self.text[start..offset.min(self.text.len())]
            .chars()
            .count()
            + 1;
        (line + 1, col)
    }
}

/// The offset just after the string whose contents start at `i`.
pub(crate) fn skip_string(bytes: &[u8], mut i: usize) -> usize {
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'"' => return i + 1,
            _ => i += 1,
        }
    }
    bytes.len()
}

/// The offset just after the raw string `r#"..."#` whose hashes start at `i`.
pub(crate) fn skip_raw_string(bytes: &[u8], mut i: usize) -> usize {
    let mut hashes = 0;
    while bytes.get(i) == Some(&b'#') {
        hashes += 1;
        i += 1;
    }
    if bytes.get(i) != Some(&b'"') {
        return i;
    }
    i += 1;
    while i < bytes.len() {
        if bytes[i] == b'"'
            && bytes[i + 1..]
                .iter()
                .take(hashes)
                .filter(|&&b| b == b'#')
                .count()
                == hashes
        {
            return i + 1 + hashes;
        }
        i += 1;
    }
    bytes.len()
}

/// The offset just after the (possibly nested) block comment whose body starts at `i`.
pub(crate) fn skip_block_comment(bytes: &[u8], mut i: usize) -> usize {
    let mut depth = 1;
    while i < bytes.len() {
        if bytes[i..].starts_with(b"*/") {
            depth -= 1;
            i += 2;
            if depth == 0 {
                return i;
            }
        } else if bytes[i..].starts_with(b"/*") {
            depth += 1;
            i += 2;
        } else {
            i += 1;
        }
    }
    bytes.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chain_finds_the_right_occurrence() {
        let text =
            "services: [\n (id: \"a\", replicas: [\"x\"]),\n (id: \"b\", replicas: [\"x\"]),\n]";
        let l = Locator::new(text);
        assert_eq!(
            l.locate(&[Anchor::Id("b"), Anchor::Field("replicas"), Anchor::Str("x")]),
            (3, 23)
        );
        assert_eq!(l.locate(&[Anchor::Id("a")]), (2, 7));
        assert_eq!(l.locate(&[Anchor::Id("zz")]), (0, 0));
        assert_eq!(l.locate(&[Anchor::NthId("a", 0)]), (2, 7));
        assert_eq!(l.locate(&[Anchor::NthId("a", 1)]), (0, 0));
    }

    #[test]
    fn value_start_skips_strings_and_comments() {
        let text = "x: [\n  LogNormal( // )\n    median: \")(\",\n  ),\n]";
        let l = Locator::new(text);
        let close = text.rfind("),").unwrap();
        assert_eq!(l.line_col(l.value_start(close)), (2, 3));
        assert_eq!(l.offset(4, 3), Some(close));
        let end = text.len() - 1;
        assert_eq!(l.value_start(end), 3);
        assert_eq!(l.value_start(0), 0);
        assert_eq!(l.offset(9, 1), None);
    }
}
