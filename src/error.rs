//! Errors that know where in the input they came from (after the `csv` crate's
//! `Error(Box<ErrorKind>)`), and their exit codes.

use std::fmt;

/// One problem in a scenario file, at a place a person can go to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub file: String,
    /// 1-based; 0 when the place is unknown.
    pub line: usize,
    pub col: usize,
    /// The field path, such as `services[kakaotalk].replicas`; empty when not known.
    pub field: String,
    pub message: String,
}

impl Diagnostic {
    pub fn at(file: &str, line: usize, col: usize, field: &str, message: String) -> Self {
        Diagnostic {
            file: file.to_string(),
            line,
            col,
            field: field.to_string(),
            message,
        }
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line > 0 {
            write!(f, "{}:{}:{}: ", self.file, self.line, self.col)?;
        } else {
            write!(f, "{}: ", self.file)?;
        }
        if !self.field.is_empty() {
            write!(f, "`{}`: ", self.field)?;
        }
        write!(f, "{}", self.message)
    }
}

#[derive(Debug)]
pub enum ErrorKind {
    /// The scenario is malformed or inconsistent; every problem found, in file order.
    Invalid(Vec<Diagnostic>),
    /// The command line asks for something impossible.
    Usage(String),
    /// An input file could not be read.
    Read {
        path: String,
        source: std::io::Error,
    },
    /// A run failed for a reason other than its input (an output could not be written).
    Runtime(String),
}

/// The error type of the library. `Send + Sync`, boxed to stay one word wide.
#[derive(Debug)]
pub struct Error(Box<ErrorKind>);

impl Error {
    pub fn invalid(diagnostics: Vec<Diagnostic>) -> Self {
        Error(Box::new(ErrorKind::Invalid(diagnostics)))
    }
    pub fn usage(message: impl Into<String>) -> Self {
        Error(Box::new(ErrorKind::Usage(message.into())))
    }
    pub fn read(path: &str, source: std::io::Error) -> Self {
        Error(Box::new(ErrorKind::Read {
            path: path.to_string(),
            source,
        }))
    }
    pub fn runtime(message: impl Into<String>) -> Self {
        Error(Box::new(ErrorKind::Runtime(message.into())))
    }
    pub fn kind(&self) -> &ErrorKind {
        &self.0
    }
    /// The diagnostics of an invalid scenario, if that is what this is.
    pub fn diagnostics(&self) -> &[Diagnostic] {
        match &*self.0 {
            ErrorKind::Invalid(d) => d,
            _ => &[],
        }
    }
    /// 1 runtime failure, 2 invalid input or usage (the exit codes the README lists).
    pub fn exit_code(&self) -> i32 {
        match &*self.0 {
            ErrorKind::Runtime(_) => 1,
            _ => 2,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &*self.0 {
            ErrorKind::Invalid(ds) => {
                for (i, d) in ds.iter().enumerate() {
                    if i > 0 {
                        writeln!(f)?;
                    }
                    write!(f, "error: {d}")?;
                }
                Ok(())
            }
            ErrorKind::Usage(m) => write!(f, "error: {m}"),
            ErrorKind::Read { path, source } => write!(f, "error: cannot read {path}: {source}"),
            ErrorKind::Runtime(m) => write!(f, "error: {m}"),
        }
    }
}

impl std::error::Error for Error {}

/// The candidate closest to `found`, if it is close enough to be what was meant.
pub fn suggest<'a>(found: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let mut best: Option<(f64, &str)> = None;
    for c in candidates {
        let score = strsim::jaro_winkler(found, c);
        if score >= 0.8 && best.is_none_or(|(b, _)| score > b) {
            best = Some((score, c));
        }
    }
    best.map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggestions() {
        assert_eq!(suggest("pangyp", ["pangyo", "anyang"]), Some("pangyo"));
        assert_eq!(suggest("zzz", ["pangyo", "anyang"]), None);
    }

    #[test]
    fn error_is_send_sync() {
        fn check<T: Send + Sync + std::error::Error>() {}
        check::<Error>();
    }
}
