/**
 * A table dataset's test rows as the person wrote them (the studio keeps the raw cells of the
 * test split): Evaluate shows mistakes and the worst predictions as rows, Try it fills its
 * fields from one.
 */
import type { RawRow } from '../../src-main/engine/table';
import { studio } from '../studio';

export async function testRows(datasetId: string, indices: number[]): Promise<RawRow[]> {
  if (!indices.length) return [];
  return studio().tableRows(datasetId, 'test', indices);
}
