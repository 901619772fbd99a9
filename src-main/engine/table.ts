/**
 * Tables (issue 11): the one definition of a table dataset's column schema, shared by the
 * importer (which infers it and encodes rows with it), the trainer (a number to predict),
 * the export (which builds the same encoding into the ONNX model), predict and Try it (which
 * encode a raw row exactly as training did). Pure TypeScript: no node:* imports.
 *
 * A raw row is the person's values as text, one per column name. `encodeRow` turns it into the
 * feature vector the network reads (before the per-feature standardisation of
 * `TrainingData.preprocess`, which stays as for every tabular dataset).
 */

/** What a column is: the types a person can choose in the preview, and 'ignore' (left out). */
export const COLUMN_TYPES = ['number', 'category', 'yesno', 'date', 'ignore'] as const;
export type ColumnType = (typeof COLUMN_TYPES)[number];

/** What is predicted: a category (classification) or a number (regression). */
export const TASKS = ['category', 'number'] as const;
export type Task = (typeof TASKS)[number];

/** The cell texts read as missing (compared trimmed and case-insensitively), besides the empty cell. */
export const MISSING_TOKENS = ['na', 'n/a', 'null', '?', 'nan', '-', 'none', '#n/a'] as const;

/** The level a missing category cell becomes, and the one rare levels past the kept ones go to. */
export const MISSING_LEVEL = '(missing)';
export const OTHER_LEVEL = '(other)';

/** The parts of a date column the network sees, in this order (hour only when some cell has a time). */
export const DATE_PARTS = ['year', 'month', 'dayOfWeek', 'dayOfYear', 'hour'] as const;
export type DatePart = (typeof DATE_PARTS)[number];

/** The order of day and month in a date written with numbers only (03/04/2020). */
export type DateOrder = 'dmy' | 'mdy';

interface ColumnBase {
  /** the header's name as the person wrote it (unique within the table) */
  name: string;
  /** missing cells in the whole table (training and test rows) */
  missing: number;
  /** how the type was chosen, in plain words ("nearly every value is different: left out") */
  reason?: string;
}

export type TableColumn =
  | (ColumnBase & {
      type: 'number';
      /** training median: what a missing cell becomes */
      median: number;
      /** values are clipped to this range (training quantiles widened), protecting against outliers */
      clip: [number, number];
      /** whether a "was missing" 0/1 feature follows the value (when any training cell was missing) */
      missingIndicator: boolean;
      /** the range seen in the table (for the Data screen) */
      min: number;
      max: number;
      /** whether the column was written with a decimal comma ("1,5") */
      decimalComma?: boolean;
    })
  | (ColumnBase & {
      type: 'category' | 'yesno';
      /** one feature per level (one-hot), in this order; may include MISSING_LEVEL and OTHER_LEVEL */
      levels: string[];
      /** training rows per level, like levels */
      counts: number[];
    })
  | (ColumnBase & {
      type: 'date';
      /** the parts fed to the network, each one feature, in DATE_PARTS order */
      parts: DatePart[];
      /** training median of each part: what a missing date becomes */
      medians: number[];
      missingIndicator: boolean;
      /** how a date like 03/04/2020 is read: day first ('dmy', the default) or month first ('mdy'); decided per column */
      order?: DateOrder;
    })
  | (ColumnBase & { type: 'ignore' });

export interface TableTarget {
  name: string;
  task: Task;
  /** category: the class names (also DatasetMeta.classNames) */
  levels?: string[];
  /** number: the training mean and standard deviation the target is standardised with */
  mean?: number;
  std?: number;
  /** number: the range seen (for the scatter plot and the Data screen) */
  min?: number;
  max?: number;
}

export interface TableSchema {
  /** every column of the table except the target, in the table's order (ignored ones included) */
  columns: TableColumn[];
  target: TableTarget;
  /** the names of the encoded features, in order: "age", "age was missing", "island = Biscoe", "date · month" */
  features: string[];
  /** rows left out because their target cell was empty */
  droppedRows: number;
  /** how the file was read: delimiter, decimal comma, sheet name, encoding */
  source: { format: 'csv' | 'xlsx' | 'json'; delimiter?: string; decimalComma?: boolean; sheet?: string; encoding?: string };
}

/** One raw row: column name → the cell as text ('' or a MISSING_TOKENS value for missing). */
export type RawRow = Record<string, string>;

/** What a person may choose before a table is imported (the preview and the import take the same). */
export interface TableChoices {
  /** the column to predict, by name or 0-based index (guessed when absent) */
  labelColumn?: string | number;
  /** what to predict: a category (classification) or a number (regression); guessed when absent */
  predict?: Task;
  /** a type per column name, overriding the detected one */
  columns?: Record<string, ColumnType>;
  /** xlsx: the sheet to read (the first when absent) */
  sheet?: string;
}

/** One column as the preview shows it. */
export interface PreviewColumn {
  name: string;
  /** the type the studio detected, and the one that will be used (the person's choice, if any) */
  detected: ColumnType;
  chosen: ColumnType;
  reason?: string;
  missing: number;
  distinct: number;
  /** category / yes-no: the most frequent levels (at most 30), with their counts */
  levels?: { level: string; count: number }[];
  /** number: the range */
  min?: number;
  max?: number;
  /** whether this is the column to predict */
  isTarget: boolean;
}

/** What an import of a table would do, before anything is stored. */
export interface TablePreview {
  /** the file read (a path or an upload's name) and how it was read */
  file: string;
  source: TableSchema['source'];
  /** xlsx: every sheet's name (the one read is source.sheet) */
  sheets?: string[];
  header: string[];
  /** the first rows, raw */
  rows: string[][];
  /** rows in the table (data rows, the header not counted) */
  rowCount: number;
  columns: PreviewColumn[];
  target: { name: string; task: Task; reason: string };
  /** rows that will be left out because their target cell is empty */
  droppedRows: number;
  /** category: rows per class (whole table); number: absent */
  classes?: { name: string; count: number }[];
  /** plain-words warnings: a class under 20 samples or 2 % of rows, few rows, … */
  warnings: string[];
  /** how many numbers the network will read per row */
  featureCount: number;
  /** why this table cannot be imported with these choices (the rest is then what could be read); absent when it can */
  problem?: string;
}
