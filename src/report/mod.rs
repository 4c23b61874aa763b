//! Every output format lives here and only here: tables, JSON, CSV, Markdown, DOT, and
//! the policy report (HTML or Markdown with SVG charts).
//! Every analysis result implements [`export::Export`] and goes through one path,
//! [`export::render`] / [`export::write`], for table, Markdown, CSV and JSON.
//! Renderers return text and do no I/O (but `dot::render_svg` may run Graphviz);
//! [`output`] writes it, atomically.

pub mod calibrate;
pub mod compare;
pub mod dot;
pub mod export;
pub mod grid;
pub mod importance;
pub mod output;
pub mod partial;
pub mod policy;
pub mod portal;
pub mod risk;
pub mod run;
pub mod whatif;
