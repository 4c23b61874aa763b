pub fn warnings(_l: &super::Loaded) -> Vec<crate::error::Diagnostic> {
    Vec::new()
}
