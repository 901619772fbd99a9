/**
 * What killed processes leave behind, cleaned when the studio starts (the app, the web host,
 * CLI commands that write): staging folders of imports (`<home>/datasets/.staging-*`) and
 * uploads nobody imported (`<home>/uploads/up-*`), once nothing in them has been written for a
 * day, and trash folders of interrupted deletes. Anything younger may be in use by another
 * process and is kept. A failure here never stops the start.
 */
import { cleanAbandonedUploads } from './api/uploads';
import { DatasetLibrary } from './datasets/library';

export interface LeftoversCleaned {
  /** staging and trash folders of the dataset library */
  library: number;
  uploads: number;
}

export async function cleanLeftoversAtStart(home: string): Promise<LeftoversCleaned> {
  const library = await new DatasetLibrary(home).cleanLeftovers().catch(() => 0);
  const uploads = await cleanAbandonedUploads(home).catch(() => 0);
  return { library, uploads };
}

/** CLI commands that write to the home, after whose start leftovers are cleaned. */
export const WRITING_COMMANDS: ReadonlySet<string> = new Set(['import', 'train', 'resume', 'serve', 'export', 'delete', 'rename']);
