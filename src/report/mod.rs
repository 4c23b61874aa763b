//! Every output format lives here and only here: tables, JSON, CSV, Markdown, DOT.
//! Renderers return text and do no I/O; [`output`] writes it, atomically.

pub mod dot;
pub mod output;
pub mod partial;
pub mod run;
