// The Markdown AST shared by every channel's renderer. Node types and fields are mdast's
// (https://github.com/syntax-tree/mdast), so a parser that gives mdast (mdast-util-from-markdown with
// its GFM extensions) could replace ours; ours reads less (no HTML, no references, images as links)
// and is lenient with model output. Markup characters that were read as syntax are gone; every other
// character of the source is kept in a `value`, `url`, `title`, `lang`, `meta` or table cell.

/** Plain text; may contain "\n" (line breaks inside a paragraph are kept). */
export interface Text {
  readonly type: "text";
  readonly value: string;
}

/** `code` span: the value is verbatim (no escapes), newlines turned into spaces. */
export interface InlineCode {
  readonly type: "inlineCode";
  readonly value: string;
}

/** **strong** or __strong__. */
export interface Strong {
  readonly type: "strong";
  readonly children: Inline[];
}

/** *emphasis* or _emphasis_. */
export interface Emphasis {
  readonly type: "emphasis";
  readonly children: Inline[];
}

/** ~~strikethrough~~ (GFM). */
export interface Delete {
  readonly type: "delete";
  readonly children: Inline[];
}

/** [text](url "title"), ![alt](url) or <autolink>; the URL is not checked here (renderers do). */
export interface Link {
  readonly type: "link";
  readonly url: string;
  readonly title?: string;
  readonly children: Inline[];
}

/** An inline node (mdast's phrasing content, as far as we read it). */
export type Inline = Text | InlineCode | Strong | Emphasis | Delete | Link;

/** A paragraph: consecutive non-blank lines. */
export interface Paragraph {
  readonly type: "paragraph";
  readonly children: Inline[];
}

/** An ATX heading (`# Title`). */
export interface Heading {
  readonly type: "heading";
  readonly depth: number;
  readonly children: Inline[];
}

/** A fenced code block; `lang` is the first word of the info string, `meta` the rest (null when none). */
export interface Code {
  readonly type: "code";
  readonly lang: string | null;
  readonly meta: string | null;
  readonly value: string;
}

/** A `>` block quote. */
export interface Blockquote {
  readonly type: "blockquote";
  readonly children: Block[];
}

/** One list item: its content as blocks (a nested list is a block of the item). */
export interface ListItem {
  readonly type: "listItem";
  readonly children: Block[];
}

/** A bullet (`-`, `*`, `+`) or ordered (`1.`, `1)`) list. */
export interface List {
  readonly type: "list";
  readonly ordered: boolean;
  /** Number of the first item (1 for bullet lists). */
  readonly start: number;
  readonly children: ListItem[];
}

/** A thematic break (`---`, `***`, `___`). */
export interface ThematicBreak {
  readonly type: "thematicBreak";
}

/** Column alignment from a GFM table's delimiter row. */
export type Align = "left" | "center" | "right" | null;

/** A cell of a table row. */
export interface TableCell {
  readonly type: "tableCell";
  readonly children: Inline[];
}

/** A row of a table. */
export interface TableRow {
  readonly type: "tableRow";
  readonly children: TableCell[];
}

/** A GFM pipe table; the first row is the header row, rows may be ragged. */
export interface Table {
  readonly type: "table";
  readonly align: Align[];
  readonly children: TableRow[];
}

/** A block node (mdast's flow content, as far as we read it). */
export type Block = Paragraph | Heading | Code | Blockquote | List | ThematicBreak | Table;

/** A whole document. */
export interface Root {
  readonly type: "root";
  readonly children: Block[];
}
