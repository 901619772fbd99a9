/**
 * The dataset side of the Studio API over the dataset library: opaque ids only (never a name
 * or a path), imports tracked by an import id with progress events and cancellation.
 */
import { randomBytes } from 'node:crypto';
import { DatasetLibrary } from '../datasets/library';
import { isDatasetId } from '../datasets/ids';
import type { DatasetMeta, ImportOptions, ImportProgress, PicturePreview } from '../datasets/types';
import type { DatasetPreview, ImportRequest, PreparedImage, StudioEvent } from './contract';
import { preparePicture } from '../datasets/prepare-picture';
import { previewTableAt } from '../datasets/table/import';
import type { ImportOptions as TableImportOptions } from '../datasets/types';
import type { RawRow, TablePreview } from '../engine/table';
import { StudioError, toErrorShape } from './errors';
import { hideUploadFolders, removeUploadFolder, uploadFoldersOf } from './uploads';

/** The library's import options for an API import request (the same for the import and its preview). */
function importOptionsOf(req: ImportRequest): ImportOptions {
  return {
    name: req.name,
    testFraction: req.testFraction,
    imageSize: Array.isArray(req.imageSize) ? req.imageSize : undefined,
    imageLongSide: typeof req.imageSize === 'number' ? req.imageSize : undefined,
    imageChannels: req.channels,
    resize: req.crop ? 'crop' : undefined,
    table: req.table,
    dropBadRows: req.dropBadRows,
  };
}

/** The library's options for a table preview (the same table choices the import takes). */
function tableOptionsOf(req: ImportRequest): TableImportOptions {
  return { name: req.name, testFraction: req.testFraction, table: req.table, dropBadRows: req.dropBadRows };
}

export class DatasetGateway {
  readonly library: DatasetLibrary;
  private readonly imports = new Map<string, AbortController>();

  constructor(
    private readonly home: string,
    private readonly emit: (e: StudioEvent) => void,
  ) {
    this.library = new DatasetLibrary(home);
  }

  private checkId(id: string): string {
    if (!isDatasetId(id)) throw new StudioError('not_found', `No dataset with id "${id}" (dataset ids look like ds-0123456789abcdef).`);
    return id;
  }

  list(): Promise<DatasetMeta[]> {
    return this.library.list();
  }
  get(id: string): Promise<DatasetMeta> {
    return this.library.get(this.checkId(id));
  }
  preview(id: string, perClass: number): Promise<DatasetPreview> {
    return this.library.preview(this.checkId(id), perClass);
  }
  rename(id: string, name: string): Promise<DatasetMeta> {
    return this.library.rename(this.checkId(id), name);
  }
  delete(id: string): Promise<void> {
    return this.library.delete(this.checkId(id));
  }
  sample(id: string, split: 'train' | 'test', index: number): Promise<{ shape: number[]; values: number[]; label: number }> {
    return this.library.getSample(this.checkId(id), split, index);
  }

  /** A dropped picture brought to the dataset's sample as its import brought its own pictures. */
  async prepareImage(id: string, picture: { name: string; base64: string }): Promise<PreparedImage> {
    const meta = await this.get(id);
    return preparePicture(meta, picture.name, Buffer.from(picture.base64, 'base64'));
  }

  /** What importing these pictures would make; nothing is stored (upload folders stay for the import that follows). */
  async previewPictures(req: ImportRequest): Promise<PicturePreview> {
    try {
      const p = await this.library.previewPictures(req.paths, importOptionsOf(req));
      // files dropped in a browser are named as dropped, not by the host's upload folder
      const hide = (s: string) => hideUploadFolders(s, this.home);
      return {
        ...p,
        samples: p.samples.map((s) => ({ ...s, file: hide(s.file) })),
        skipped: { count: p.skipped.count, files: p.skipped.files.map((f) => ({ path: hide(f.path), reason: hide(f.reason) })) },
      };
    } catch (err) {
      const shape = toErrorShape(err);
      throw new StudioError(shape.code, hideUploadFolders(shape.message, this.home));
    }
  }

  /** What importing this table would store; nothing is stored (upload folders stay for the import that follows). */
  async previewTable(req: ImportRequest): Promise<TablePreview> {
    try {
      const p = await previewTableAt(req.paths, tableOptionsOf(req));
      return { ...p, file: hideUploadFolders(p.file, this.home), ...(p.problem ? { problem: hideUploadFolders(p.problem, this.home) } : {}) };
    } catch (err) {
      const shape = toErrorShape(err);
      throw new StudioError(shape.code, hideUploadFolders(shape.message, this.home));
    }
  }

  tableRows(id: string, split: 'test', indices: number[]): Promise<RawRow[]> {
    return this.library.tableRows(this.checkId(id), split, indices);
  }

  /** Starts an import and answers at once; progress, the result or the failure arrive as events. */
  async startImport(req: ImportRequest): Promise<{ importId: string }> {
    const importId = `imp-${randomBytes(8).toString('hex')}`;
    const controller = new AbortController();
    this.imports.set(importId, controller);
    // which uploads the import consumes is decided before anything is read, from resolved paths
    const uploads = uploadFoldersOf(this.home, req.paths).catch(() => [] as string[]);
    const run = async () => {
      try {
        const opts = {
          ...importOptionsOf(req),
          signal: controller.signal,
          onProgress: (p: ImportProgress) => this.emit({ channel: 'import', event: 'progress', importId, phase: p.phase, done: p.done, total: p.total }),
        };
        // pictures added to a dataset: a new version of it (the dataset's size and colour win over the request's)
        const dataset = req.addTo ? await this.library.addVersion(this.checkId(req.addTo), req.paths, opts) : await this.library.import(req.paths, opts);
        await this.removeUploads(await uploads);
        this.emit({ channel: 'import', event: 'done', importId, dataset });
      } catch (err) {
        const message = controller.signal.aborted ? 'The import was cancelled; nothing was added to the library.' : hideUploadFolders(toErrorShape(err).message, this.home);
        this.emit({ channel: 'import', event: 'failed', importId, message });
      } finally {
        this.imports.delete(importId);
      }
    };
    // after this call has answered, so the caller knows the import id before the first event
    setImmediate(() => void run());
    return { importId };
  }

  /** Files uploaded from a browser are copied into the library by a successful import: drop them. */
  private async removeUploads(folders: string[]): Promise<void> {
    for (const f of folders) await removeUploadFolder(this.home, f).catch(() => undefined);
  }

  cancelImport(importId: string): void {
    const c = this.imports.get(importId);
    if (!c) throw new StudioError('not_found', `No import "${importId}" is in progress (it may have finished already).`);
    c.abort();
  }
}
