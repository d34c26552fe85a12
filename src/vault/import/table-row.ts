/**
 * A row of a table-shaped import file (CSV or a worksheet), before its header gives the cells names: the
 * cells as text, or why the row could not be read. Either way it carries the line (CSV) or row number (.xlsx)
 * a person finds it by.
 */
export type TableRow = { line: number; cells: string[] } | { line: number; error: string };
