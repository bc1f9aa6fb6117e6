//! Where things stand in a document's text: the line and column of every object key and array
//! element, by JSON path, so that a result can point at the offending property
//! (`$.Resources.Web.Properties.ContainerDefinitions[1].Privileged` → line 41, column 11).
//! The index is built only for documents whose results need it, from the same text the parser
//! read.

use crate::parse::tree::{push_index, push_key};
use crate::verdict::{Pointer, Within};

/// A 1-based line and column (in characters).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Position {
    pub line: usize,
    pub column: usize,
}

/// Every node of a document with its position, in document order. The paths are kept end to
/// end in one string (an entry is its range there), so that indexing a document allocates a
/// few buffers rather than one string per node.
#[derive(Clone, Debug, Default)]
pub struct PositionIndex {
    paths: String,
    entries: Vec<(std::ops::Range<usize>, Position)>,
}

impl PositionIndex {
    pub(crate) fn push(&mut self, path: &str, position: Position) {
        let start = self.paths.len();
        self.paths.push_str(path);
        self.entries.push((start..self.paths.len(), position));
    }

    /// Every node with its position, in the order they were recorded.
    pub(crate) fn entries(&self) -> impl Iterator<Item = (&str, Position)> {
        self.entries
            .iter()
            .map(|(range, position)| (&self.paths[range.clone()], *position))
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The position of a node by its exact JSON path.
    pub fn get(&self, path: &str) -> Option<Position> {
        self.entries()
            .find(|(p, _)| *p == path)
            .map(|(_, position)| position)
    }

    /// The position of a node, or of its nearest ancestor the index knows (for a path that
    /// names a missing key, say).
    pub fn nearest(&self, path: &str) -> Option<Position> {
        let mut path = path;
        loop {
            if let Some(position) = self.get(path) {
                return Some(position);
            }
            let cut = path.rfind(['.', '['])?;
            path = &path[..cut];
        }
    }

    /// The position of the node a control's pointer names, within the resource at
    /// `resource_path`: the property itself when the document writes it, else the container or
    /// volume it belongs to, else the resource.
    pub fn locate(&self, resource_path: &str, pointer: &Pointer) -> Option<Position> {
        let scope = match pointer.within {
            Within::Resource => Some(resource_path.to_string()),
            Within::Container(index) => {
                self.item_path(resource_path, &["containerdefinitions"], index)
            }
            Within::Volume(index) => self.item_path(resource_path, &["volumes", "volume"], index),
        };
        let scope = scope.unwrap_or_else(|| resource_path.to_string());
        // A field may have several spellings across shapes, separated by `|`.
        let wanted: Vec<String> = pointer.field.split('|').map(normalize).collect();
        let field = self.entries().find(|(path, _)| {
            under(path, &scope)
                && last_key(path).is_some_and(|k| wanted.iter().any(|w| same_key(k, w)))
        });
        field
            .map(|(_, position)| position)
            .or_else(|| self.get(&scope))
            .or_else(|| self.get(resource_path))
    }

    /// The path of element `index` of the first list under `resource_path` whose key is one of
    /// `keys` (compared normalized: `ContainerDefinitions`, `container_definitions`).
    fn item_path(&self, resource_path: &str, keys: &[&str], index: usize) -> Option<String> {
        let (list, _) = self.entries().find(|(path, _)| {
            under(path, resource_path)
                && last_key(path).is_some_and(|k| keys.iter().any(|w| same_key(k, w)))
        })?;
        let mut path = list.to_string();
        push_index(&mut path, index);
        self.get(&path).map(|_| path)
    }
}

/// Whether `key` is `normalized` once normalized (see [`normalize`]), without allocating.
fn same_key(key: &str, normalized: &str) -> bool {
    key.chars()
        .filter(|c| *c != '_' && *c != '-')
        .map(|c| c.to_ascii_lowercase())
        .eq(normalized.chars())
}

/// Whether `path` is `scope` or lies below it.
fn under(path: &str, scope: &str) -> bool {
    path.strip_prefix(scope)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('.') || rest.starts_with('['))
}

/// The last key of a JSON path (`$.a.b[2]` has none: it ends in an index).
fn last_key(path: &str) -> Option<&str> {
    if let Some(rest) = path.strip_suffix("']") {
        let start = rest.rfind("['")?;
        return Some(&rest[start + 2..]);
    }
    if path.ends_with(']') {
        return None;
    }
    path.rsplit('.').next()
}

/// Keys compared the way the shapes spell them: case and `_`/`-` do not matter
/// (`AssignPublicIp`, `assignPublicIp`, `assign_public_ip`).
pub(crate) fn normalize(key: &str) -> String {
    key.chars()
        .filter(|c| *c != '_' && *c != '-')
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// Counts lines and columns while a scanner moves forward through a text, each byte once.
pub(crate) struct LineCounter<'a> {
    text: &'a str,
    offset: usize,
    line: usize,
    /// The column (in characters) of `offset`.
    column: usize,
}

impl<'a> LineCounter<'a> {
    pub(crate) fn new(text: &'a str) -> Self {
        LineCounter {
            text,
            offset: 0,
            line: 1,
            column: 1,
        }
    }

    /// The position of byte `offset` (never before the last one asked for).
    pub(crate) fn at(&mut self, offset: usize) -> Position {
        let end = offset.min(self.text.len());
        for &b in &self.text.as_bytes()[self.offset.min(end)..end] {
            if b == b'\n' {
                self.line += 1;
                self.column = 1;
            } else if b & 0xC0 != 0x80 {
                // Not a UTF-8 continuation byte: a character starts here.
                self.column += 1;
            }
        }
        self.offset = self.offset.max(end);
        Position {
            line: self.line,
            column: self.column,
        }
    }
}

/// Indexes a JSON text (already known to parse): every key and element with its position.
pub fn json_positions(text: &str) -> PositionIndex {
    let mut scanner = JsonScanner {
        bytes: text.as_bytes(),
        text,
        at: 0,
        lines: LineCounter::new(text),
        index: PositionIndex::default(),
    };
    scanner.skip_space();
    let position = scanner.lines.at(scanner.at);
    scanner.index.push("$", position);
    let mut path = String::from("$");
    scanner.value(&mut path, 0);
    scanner.index
}

struct JsonScanner<'a> {
    bytes: &'a [u8],
    text: &'a str,
    at: usize,
    lines: LineCounter<'a>,
    index: PositionIndex,
}

impl<'a> JsonScanner<'a> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    fn skip_space(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.at += 1;
        }
        if self
            .bytes
            .get(self.at..)
            .is_some_and(|rest| rest.starts_with("\u{feff}".as_bytes()))
        {
            self.at += '\u{feff}'.len_utf8();
            self.skip_space();
        }
    }

    /// Reads a string token, returning its decoded text (borrowed when it has no escapes).
    fn string(&mut self) -> std::borrow::Cow<'a, str> {
        let start = self.at;
        self.at += 1;
        let mut escaped = false;
        let mut has_escapes = false;
        while let Some(b) = self.peek() {
            self.at += 1;
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
                has_escapes = true;
            } else if b == b'"' {
                break;
            }
        }
        let token = &self.text[start..self.at];
        match token.strip_prefix('"').and_then(|t| t.strip_suffix('"')) {
            Some(inner) if !has_escapes && token.len() >= 2 => std::borrow::Cow::Borrowed(inner),
            _ => std::borrow::Cow::Owned(serde_json::from_str(token).unwrap_or_default()),
        }
    }

    fn value(&mut self, path: &mut String, depth: usize) {
        self.skip_space();
        match self.peek() {
            Some(b'{') if depth < super::load::MAX_DEPTH => {
                self.at += 1;
                loop {
                    self.skip_space();
                    match self.peek() {
                        Some(b'"') => {}
                        Some(b',') => {
                            self.at += 1;
                            continue;
                        }
                        _ => {
                            self.at += 1;
                            return;
                        }
                    }
                    let key_at = self.at;
                    let key = self.string();
                    let position = self.lines.at(key_at);
                    let length = path.len();
                    push_key(path, &key);
                    self.index.push(path, position);
                    self.skip_space();
                    if self.peek() == Some(b':') {
                        self.at += 1;
                    }
                    self.value(path, depth + 1);
                    path.truncate(length);
                }
            }
            Some(b'[') if depth < super::load::MAX_DEPTH => {
                self.at += 1;
                let mut element = 0;
                loop {
                    self.skip_space();
                    match self.peek() {
                        Some(b']') | None => {
                            self.at += 1;
                            return;
                        }
                        Some(b',') => {
                            self.at += 1;
                            continue;
                        }
                        _ => {}
                    }
                    let start = self.at;
                    let position = self.lines.at(start);
                    let length = path.len();
                    push_index(path, element);
                    self.index.push(path, position);
                    self.value(path, depth + 1);
                    path.truncate(length);
                    element += 1;
                    // Text that is not JSON (`[}`) still moves the scan forward.
                    if self.at == start {
                        self.at += 1;
                    }
                }
            }
            Some(b'"') => {
                self.string();
            }
            Some(_) => {
                while let Some(b) = self.peek() {
                    if matches!(b, b',' | b'}' | b']' | b' ' | b'\t' | b'\n' | b'\r') {
                        break;
                    }
                    self.at += 1;
                }
            }
            None => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_and_element_has_its_line_and_column() {
        let text = "{\n  \"a\": [1, {\"b c\": true}],\n  \"d\": \"x\\\"y\"\n}\n";
        let index = json_positions(text);
        assert_eq!(index.get("$.a"), Some(Position { line: 2, column: 3 }));
        assert_eq!(
            index.get("$.a[1]"),
            Some(Position {
                line: 2,
                column: 12
            })
        );
        assert_eq!(
            index.get("$.a[1]['b c']"),
            Some(Position {
                line: 2,
                column: 13
            })
        );
        assert_eq!(index.get("$.d"), Some(Position { line: 3, column: 3 }));
    }

    #[test]
    fn text_that_is_not_json_ends_the_scan() {
        for text in [
            "[}",
            "{\"a\": ]",
            "[[[",
            "{\"a\" \"b\"}",
            "[1 2 }]",
            "\u{feff}",
            "[é]",
            r#"["\"] {"#,
        ] {
            let _ = json_positions(text);
        }
    }

    #[test]
    fn a_pointer_finds_the_property_in_its_container() {
        let text = r#"{"Resources": {
  "Web": {"Type": "AWS::ECS::TaskDefinition", "Properties": {
    "ContainerDefinitions": [
      {"Name": "a", "Privileged": false},
      {"Name": "b",
       "Privileged": true}
    ]}},
  "Api": {"Type": "AWS::ECS::TaskDefinition", "Properties": {
    "ContainerDefinitions": [{"Name": "c", "Privileged": true}]}}
}}"#;
        let index = json_positions(text);
        let pointer = Pointer {
            within: Within::Container(1),
            field: "privileged",
        };
        assert_eq!(
            index.locate("$.Resources.Web", &pointer),
            Some(Position { line: 6, column: 8 })
        );
        let first = Pointer {
            within: Within::Container(0),
            field: "privileged",
        };
        assert_eq!(
            index.locate("$.Resources.Api", &first).map(|p| p.line),
            Some(9)
        );
        // A property the document does not write: the container itself.
        let missing = Pointer {
            within: Within::Container(1),
            field: "readonlyRootFilesystem",
        };
        assert_eq!(
            index.locate("$.Resources.Web", &missing),
            Some(Position { line: 5, column: 7 })
        );
    }
}
