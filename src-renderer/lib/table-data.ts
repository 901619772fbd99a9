/**
 * What the window needs to know about a table dataset (issue 11): whether a dataset is a table
 * with a column schema, and what it predicts. A dataset without `task` predicts a category.
 */
import type { TableSchema, Task } from '../../src-main/engine/table';
import type { RegressionMetrics, RunMetrics } from '../../src-main/engine/types';

interface WithTable {
  kind?: string;
  task?: Task;
  table?: TableSchema;
}

export function taskOf(d: WithTable | null | undefined): Task {
  return d?.task ?? 'category';
}

/** the column schema of a table imported since issue 11 (older tabular datasets have none) */
export function tableOf(d: WithTable | null | undefined): TableSchema | null {
  return d?.table ?? null;
}

/** "price" for a number, the class for a category: what the output is called in the window */
export function targetName(d: WithTable | null | undefined): string {
  return d?.table?.target.name ?? 'class';
}

/** a number model's MAE, RMSE and R² (null for a category's accuracy, or none yet) */
export function regressionOf(m: RunMetrics | null | undefined): RegressionMetrics | null {
  return m && 'mae' in m ? m : null;
}
