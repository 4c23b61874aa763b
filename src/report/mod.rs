//! Every output format lives here and only here: tables, JSON, CSV, Markdown, DOT, and
//! the policy report (HTML or Markdown with SVG charts).
//! Renderers return text and do no I/O; [`output`] writes it, atomically.

pub mod compare;
pub mod dot;
pub mod grid;
pub mod importance;
pub mod output;
pub mod partial;
pub mod policy;
pub mod portal;
pub mod run;
pub mod whatif;
