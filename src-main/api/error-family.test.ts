/**
 * One error family (issue 14): every error the engine, the datasets, the runs and the API
 * raise on purpose is a StudioError whose code reaches API clients unchanged, and system
 * errors of files that cannot be read or written are 'io', never 'internal'.
 */
import { describe, expect, it } from 'vitest';
import { MissingGradientError } from '../engine/autodiff';
import { StudioError as EngineStudioError } from '../engine/errors';
import { SpecError } from '../engine/spec';
import { BadRequestError, DatasetImportError, DatasetNotFoundError } from '../datasets/errors';
import { CheckpointError } from '../runs/checkpoint';
import { DiskFullError, asDiskFull } from '../runs/diskfull';
import { ExportExistsError } from '../runs/export-files';
import { ExportVerificationError } from '../runs/export';
import { PredictInputError } from '../runs/predict';
import { RunFileError, RunNotFoundError } from '../runs/run-names';
import { RunStateError } from '../runs/training';
import { StudioError, toErrorShape } from './errors';

describe('one error family', () => {
  const verification = { ok: false, samples: 0, labelAgreement: 0, maxProbDiff: 0, tolerance: 1e-5, mismatches: [] };
  const cases: [string, Error, string][] = [
    ['SpecError', new SpecError('The layer needs at least 1 unit.', 0), 'bad_request'],
    ['MissingGradientError', new MissingGradientError('no gradient for Foo'), 'internal'],
    ['DatasetImportError', new DatasetImportError('data.csv, row 3: bad'), 'import_failed'],
    ['DatasetNotFoundError', new DatasetNotFoundError('digits'), 'not_found'],
    ['BadRequestError', new BadRequestError('bad'), 'bad_request'],
    ['RunNotFoundError', new RunNotFoundError('r1', 'No run r1.'), 'not_found'],
    ['RunFileError', new RunFileError('/x/run.json', 'run.json is unreadable'), 'io'],
    ['CheckpointError', new CheckpointError('/x/best.ckpt', 'not a checkpoint'), 'io'],
    ['RunStateError', new RunStateError('run r1 is finished'), 'conflict'],
    ['PredictInputError', new PredictInputError('a.csv: no rows'), 'bad_request'],
    ['ExportExistsError', new ExportExistsError(['/x/m.onnx']), 'conflict'],
    ['ExportVerificationError', new ExportVerificationError('FAILED', verification as never, '/x/v.json'), 'export_failed'],
    ['DiskFullError', new DiskFullError('/x/run.json', 'ENOSPC', 'The disk is full'), 'io'],
  ];
  it.each(cases)('%s is a StudioError whose code reaches the API', (name, err, code) => {
    expect(err).toBeInstanceOf(StudioError);
    expect(err).toBeInstanceOf(EngineStudioError);
    expect(err.name).toBe(name);
    expect(toErrorShape(err)).toEqual({ code, message: err.message });
  });

  it('a disk-full error keeps the system code apart from the family code', () => {
    const sys = Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', path: '/x/run.json.tmp-1' });
    const err = asDiskFull(sys, 'try again.');
    expect(err?.systemCode).toBe('ENOSPC');
    expect(err?.code).toBe('io');
    expect(err?.message).toMatch(/^The disk is full: \/x\/run.json could not be written/);
  });

  it('a file that cannot be read or written is io; a missing one is not found; anything else is internal', () => {
    expect(toErrorShape(Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' })).code).toBe('io');
    expect(toErrorShape(Object.assign(new Error('EROFS: read-only file system'), { code: 'EROFS' })).code).toBe('io');
    expect(toErrorShape(Object.assign(new Error('ENOENT: no such file'), { code: 'ENOENT' })).code).toBe('not_found');
    expect(toErrorShape(new TypeError('x is undefined')).code).toBe('internal');
  });
});
