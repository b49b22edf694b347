// The Markdown AST shared by every channel's renderer. Markup characters that were read as syntax
// are gone; every other character of the source is kept in a `value`, `url`, `title`, `lang`,
// `meta` or table cell.

/** Plain text; may contain "\n" (line breaks inside a paragraph are kept). */
export interface Text {
  readonly type: "text";
  readonly value: string;
}

/** `code` span: the value is verbatim (no escapes), newlines turned into spaces. */
export interface InlineCode {
  readonly type: "code";
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

/** ~~strike~~. */
export interface Strike {
  readonly type: "strike";
  readonly children: Inline[];
}

/** [text](url "title"), ![alt](url) or <autolink>; the URL is not checked here (renderers do). */
export interface Link {
  readonly type: "link";
  readonly url: string;
  readonly title?: string;
  readonly children: Inline[];
}

/** An inline node. */
export type Inline = Text | InlineCode | Strong | Emphasis | Strike | Link;

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

/** A fenced code block; `lang` is the first word of the info string, `meta` the rest. */
export interface CodeBlock {
  readonly type: "codeBlock";
  readonly lang: string;
  readonly meta: string;
  readonly value: string;
}

/** A `>` block quote. */
export interface Blockquote {
  readonly type: "blockquote";
  readonly children: Block[];
}

/** One list item: its content as blocks (a nested list is a block of the item). */
export interface ListItem {
  readonly children: Block[];
}

/** A bullet (`-`, `*`, `+`) or ordered (`1.`, `1)`) list. */
export interface List {
  readonly type: "list";
  readonly ordered: boolean;
  /** Number of the first item (1 for bullet lists). */
  readonly start: number;
  readonly items: ListItem[];
}

/** A thematic break (`---`, `***`, `___`). */
export interface ThematicBreak {
  readonly type: "hr";
}

/** Column alignment from a GFM table's delimiter row. */
export type Align = "left" | "center" | "right" | null;

/** A GFM pipe table; `rows[0]` is the header row, rows may be ragged. */
export interface Table {
  readonly type: "table";
  readonly align: Align[];
  readonly rows: Inline[][][];
}

/** A block node. */
export type Block = Paragraph | Heading | CodeBlock | Blockquote | List | ThematicBreak | Table;
