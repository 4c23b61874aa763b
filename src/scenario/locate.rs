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
}

pub struct Locator<'a> {
    text: &'a str,
    line_starts: Vec<usize>,
}

impl<'a> Locator<'a> {
    pub fn new(text: &'a str) -> Self {
        let mut line_starts = vec![0];
        line_starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        Locator { text, line_starts }
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

    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let line = match self.line_starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i - 1,
        };
        let start = self.line_starts[line];
        let col = self.text[start..offset.min(self.text.len())]
            .chars()
            .count()
            + 1;
        (line + 1, col)
    }
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
        assert_eq!(l.locate(&[Anchor::Id("a")]), (2, 8));
        assert_eq!(l.locate(&[Anchor::Id("zz")]), (0, 0));
    }
}
