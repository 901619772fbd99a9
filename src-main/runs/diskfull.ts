/**
 * A full disk (ENOSPC), a used-up quota (EDQUOT) or a read-only disk (EROFS) while the studio
 * writes a run: said plainly, with the file and what to do, instead of the raw system error.
 */
import { StudioError } from '../engine/errors';

export class DiskFullError extends StudioError {
  constructor(
    readonly file: string,
    /** the system's code: ENOSPC, EDQUOT or EROFS */
    readonly systemCode: string,
    message: string,
  ) {
    super('io', message);
    this.name = 'DiskFullError';
  }
}

const KINDS: Record<string, { what: string; fix: string }> = {
  ENOSPC: { what: 'The disk is full', fix: 'Free some space' },
  EDQUOT: { what: 'Your disk quota is used up', fix: 'Free some space' },
  EROFS: { what: 'The disk is read-only', fix: 'Make it writable' },
};

/** The system error code when `err` says the disk cannot take a write, else null. */
export function diskErrorCode(err: unknown): string | null {
  if (err instanceof DiskFullError) return err.systemCode;
  const code = (err as NodeJS.ErrnoException | null)?.code;
  return code && code in KINDS ? code : null;
}

/**
 * `err` as a DiskFullError naming `file` (or the path the error names, without the temporary
 * file's suffix), ending with `then` (what to do once there is space); null for other errors.
 */
export function asDiskFull(err: unknown, then: string, file?: string): DiskFullError | null {
  if (err instanceof DiskFullError) return err;
  const code = diskErrorCode(err);
  if (!code) return null;
  const target = file ?? String((err as NodeJS.ErrnoException).path ?? 'a file').replace(/\.tmp-[\w-]+$/, '');
  const k = KINDS[code];
  return new DiskFullError(target, code, `${k.what}: ${target} could not be written. ${k.fix}, then ${then}`);
}

/** what to do once there is space again, for a run that stopped on a full disk */
export const continueRun = (runId: string): string => `press Continue (or run "mlp-studio resume ${runId}"); training goes on from the last checkpoint.`;
