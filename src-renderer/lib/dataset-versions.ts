/**
 * Dataset versions in words for the Data screen (pure, tested under Node): which version of
 * which dataset a dataset is, and how it was made (meta.preprocessing.version, written by
 * src-main/datasets/versions.ts when pictures are added to a dataset).
 */
import type { DatasetMeta, VersionRecord } from '../../src-main/datasets/types';
import { count } from './format';

/** "version 2 of “Cats and dogs”" for a version, null for any other dataset. */
export function versionWords(d: Pick<DatasetMeta, 'versionOf' | 'version'>, all: Pick<DatasetMeta, 'id' | 'name'>[]): string | null {
  if (!d.versionOf || !d.version) return null;
  const first = all.find((x) => x.id === d.versionOf);
  return `version ${d.version} of ${first ? `“${first.name}”` : 'a removed dataset'}`;
}

/** How a version was made, in plain words; null for any other dataset. */
export function versionMade(d: Pick<DatasetMeta, 'versionOf' | 'preprocessing'> | null | undefined): string | null {
  const v = d?.preprocessing.version as VersionRecord | undefined;
  if (!d?.versionOf || !v?.added) return null;
  const n = v.added.train + v.added.test;
  return (
    `It holds the pictures of “${v.madeFromName}”, unchanged, and ${count(n)} new ${n === 1 ? 'one' : 'ones'} ` +
    `(${count(v.added.train)} for training, ${count(v.added.test)} for testing). “${v.madeFromName}” itself stays as it was, so runs trained on it can be repeated.`
  );
}
