//! The report as a document: sections of paragraphs, lists, tables, figures and
//! preformatted text, all plain text. The HTML and Markdown renderers escape every string
//! they are given, so nothing here needs escaping and nothing from the scenario file can
//! become markup.

#[derive(Debug, Clone)]
pub struct Doc {
    pub lang: &'static str,
    pub title: String,
    pub subtitle: String,
    pub sections: Vec<Section>,
}

#[derive(Debug, Clone)]
pub struct Section {
    /// A stable anchor (`findings`, `tables`, …), the same in every language.
    pub id: &'static str,
    pub heading: String,
    pub blocks: Vec<Block>,
}

#[derive(Debug, Clone)]
pub enum Block {
    /// A sub-heading inside a section.
    Heading(String),
    Para(String),
    /// Items with an optional lead phrase shown in bold.
    List(Vec<Item>),
    Table(Table),
    Figure(Figure),
    /// Preformatted text (commands, the scenario's own notes).
    Pre(String),
}

#[derive(Debug, Clone)]
pub struct Item {
    pub lead: Option<String>,
    pub text: String,
}

impl Item {
    pub fn plain(text: String) -> Self {
        Item { lead: None, text }
    }
    pub fn lead(lead: String, text: String) -> Self {
        Item {
            lead: Some(lead),
            text,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Table {
    pub header: Vec<String>,
    /// Per column: right-aligned (numbers).
    pub numeric: Vec<bool>,
    pub rows: Vec<Vec<String>>,
}

#[derive(Debug, Clone)]
pub struct Figure {
    /// File stem when images are written beside a Markdown file (`downtime` →
    /// `report-files/downtime.svg`); also the HTML element id.
    pub name: &'static str,
    /// A complete SVG document (no XML declaration).
    pub svg: String,
    pub caption: String,
    /// Shown in a box that scrolls vertically: shrunk to the page's width, not to the
    /// window's height (a large graph, whose labels would become unreadable).
    pub natural_size: bool,
}

impl Doc {
    pub fn figures(&self) -> impl Iterator<Item = &Figure> {
        self.sections.iter().flat_map(|s| {
            s.blocks.iter().filter_map(|b| match b {
                Block::Figure(f) => Some(f),
                _ => None,
            })
        })
    }
}
