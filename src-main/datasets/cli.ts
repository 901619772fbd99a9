/**
 * The dataset commands of the mlp-studio CLI (same library as the app: studioHome()):
 *   import PATH... [--name N] [--test-fraction F] [...]   add a dataset to the library
 *   datasets                                             list the library
 *   dataset show|rename|delete ID                        one dataset, by id or name
 */
import cliProgress from 'cli-progress';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { COLUMN_TYPES, TASKS, type ColumnType, type TableColumn, type Task } from '../engine/table';
import { studioHome } from '../paths';
import { offerBundledMnist } from './bundled-mnist';
import { DatasetLibrary } from './library';
import { safeText } from './safe-text';
import type { DatasetMeta, ImportOptions } from './types';

interface Io {
  out: (s: string) => void;
  err: (s: string) => void;
}

function io(program: Command): Io {
  const cfg = program.configureOutput();
  const write = (w: ((s: string) => void) | undefined, fallback: NodeJS.WriteStream) => (s: string) => (w ? w(s + '\n') : fallback.write(s + '\n'));
  return { out: write(cfg.writeOut, process.stdout), err: write(cfg.writeErr, process.stderr) };
}

const fraction = (v: string) => {
  const f = Number(v);
  if (!(f > 0 && f < 1)) throw new InvalidArgumentError('the test fraction must be between 0 and 1, e.g. 0.2');
  return f;
};
/** `--image-size 48`: the longest side (16–96 px, the aspect kept); `--image-size 28x28`: exactly that height and width */
const size = (v: string): number | [number, number] => {
  const m = /^(\d+)(?:x(\d+))?$/i.exec(v);
  if (!m) throw new InvalidArgumentError('give the longest side in pixels (16 to 96, e.g. 32) or an exact HEIGHTxWIDTH (e.g. 28x28)');
  if (m[2] === undefined) {
    const n = Number(m[1]);
    if (n < 16 || n > 96) throw new InvalidArgumentError('the longest side must be 16 to 96 pixels (or give an exact HEIGHTxWIDTH, e.g. 128x128)');
    return n;
  }
  return [Number(m[1]), Number(m[2])];
};

/** `--column NAME=TYPE`, repeatable: the types gathered by column name. */
const columnType = (v: string, prev: Record<string, ColumnType> = {}): Record<string, ColumnType> => {
  const m = /^(.+)=([a-z]+)$/.exec(v);
  if (!m || !(COLUMN_TYPES as readonly string[]).includes(m[2])) throw new InvalidArgumentError(`give NAME=TYPE with TYPE one of ${COLUMN_TYPES.join(', ')} (e.g. --column year=category)`);
  return { ...prev, [m[1].trim()]: m[2] as ColumnType };
};

/** One line per column of a table: its type, range or levels, missing cells, and why it was read so. */
function columnLine(c: TableColumn): string {
  const t = safeText;
  const what =
    c.type === 'number'
      ? `${c.min} to ${c.max}${c.missingIndicator ? ', missing → median ' + c.median : ''}`
      : c.type === 'category' || c.type === 'yesno'
        ? `${c.levels.length} levels: ${c.levels.slice(0, 6).map(t).join(', ')}${c.levels.length > 6 ? ', …' : ''}`
        : c.type === 'date'
          ? c.parts.join(', ')
          : (c.reason ?? '');
  return `    ${t(c.name).padEnd(20)} ${c.type.padEnd(8)} ${what}${c.missing ? ` (${c.missing} missing)` : ''}`;
}

function tableLines(m: DatasetMeta): string[] {
  const s = m.table;
  if (!s) return [];
  const tg = s.target;
  const lines = [
    `  predicts    ${safeText(tg.name)}: ${tg.task === 'number' ? `a number (${tg.min} to ${tg.max}, mean ${tg.mean?.toFixed(4)})` : `a category (${m.classNames.length} classes)`}`,
    `  table       ${s.source.format}${s.source.sheet ? `, sheet "${safeText(s.source.sheet)}"` : ''}${s.source.delimiter ? `, delimiter ${JSON.stringify(s.source.delimiter)}` : ''}${s.source.decimalComma ? ', decimal comma' : ''}; ${s.features.length} features from ${s.columns.length} columns${s.droppedRows ? `; ${s.droppedRows} rows left out (no value to predict, or bad cells)` : ''}`,
    `  columns`,
    ...s.columns.slice(0, 50).map(columnLine),
  ];
  if (s.columns.length > 50) lines.push(`    … and ${s.columns.length - 50} more`);
  return lines;
}

/** What the CLI prints of a dataset; every text that came from files or people goes through safeText. */
export function summary(m: DatasetMeta): string {
  const t = safeText;
  const lines = [
    `${t(m.name)}  (${m.id})`,
    `  format      ${m.format}${m.split ? `, test split off: ${(m.split.fraction * 100).toFixed(1)}% stratified, seed ${m.split.seed}` : ''}`,
    `  samples     ${m.sampleShape.join('×')} ${m.kind === 'image' ? 'pixels (channels×height×width)' : 'features'}`,
    `  classes     ${m.classNames.length}: ${m.classNames.slice(0, 12).map(t).join(', ')}${m.classNames.length > 12 ? ', …' : ''}`,
    `  train       ${m.train.count} (${m.train.perClass.join(' / ')})`,
    `  test        ${m.test.count} (${m.test.perClass.join(' / ')})`,
    `  mean / std  ${m.mean.slice(0, 6).map((v) => v.toFixed(4)).join(' ')}${m.mean.length > 6 ? ' …' : ''} / ${m.std.slice(0, 6).map((v) => v.toFixed(4)).join(' ')}${m.std.length > 6 ? ' …' : ''}`,
    `  sources     ${m.sources.slice(0, 4).map(t).join(', ')}${m.sources.length > 4 ? ', …' : ''}`,
    `  imported    ${m.createdAt}`,
  ];
  if (typeof m.preprocessing.labels === 'string') lines.push(`  labels      ${m.preprocessing.labels}`);
  const img = m.preprocessing.image as { size?: number[]; channels?: number; fit?: string } | undefined;
  if (img?.size) lines.push(`  pictures    brought to ${img.size.join('×')}, ${img.channels === 1 ? 'greyscale' : 'colour'}, ${img.fit === 'crop' ? 'centre crop' : 'padded'}, EXIF turns applied, transparency on white`);
  lines.push(...tableLines(m));
  if (m.skipped?.count) lines.push(`  skipped     ${m.skipped.count} file(s), e.g. ${m.skipped.files.slice(0, 3).map((f) => `${t(f.path)} (${t(f.reason)})`).join(', ')}`);
  return lines.join('\n');
}

export function table(metas: DatasetMeta[]): string {
  const rows = [['ID', 'NAME', 'FORMAT', 'SHAPE', 'CLASSES', 'TRAIN', 'TEST'], ...metas.map((m) => [m.id, safeText(m.name), m.format, m.sampleShape.join('×'), String(m.classNames.length), String(m.train.count), String(m.test.count)])];
  const w = rows[0].map((_, j) => Math.max(...rows.map((r) => r[j].length)));
  return rows.map((r) => r.map((c, j) => c.padEnd(w[j])).join('  ').trimEnd()).join('\n');
}

interface ImportFlags {
  name?: string;
  testFraction?: number;
  seed?: number;
  labelColumn?: string;
  predict?: Task;
  column?: Record<string, ColumnType>;
  sheet?: string;
  dropBadRows?: boolean;
  imageSize?: number | [number, number];
  channels?: '1' | '3';
  crop?: boolean;
  coarse?: boolean;
  json?: boolean;
  progress?: boolean;
}

export function registerDatasetCommands(program: Command): void {
  const library = () => new DatasetLibrary(studioHome());

  program
    .command('import')
    .description('add a dataset to the library: IDX (MNIST style, also .gz), CIFAR binary (folder or .tar.gz), a folder of class subfolders of images, a table (CSV/TSV, Excel .xlsx, JSON records), NumPy .npy/.npz')
    .argument('<paths...>', 'files or one folder')
    .option('--name <name>', 'the name in the library (default: from the file or folder)')
    .option('--test-fraction <f>', 'share split off as the test set when the data has none (default 1/6)', fraction)
    .option('--seed <n>', 'seed of that split and of the image order', (v) => {
      const n = Number(v);
      if (!Number.isInteger(n)) throw new InvalidArgumentError('the seed must be a whole number');
      return n;
    })
    .option('--label-column <col>', 'tables: the column to predict, by name or 0-based number (default: guessed: a column named label/class/target/species/y/outcome, else the last)')
    .addOption(new Option('--predict <what>', 'tables: predict a category (classification) or a number (regression) (default: a number when the column holds numbers with many different values)').choices([...TASKS]))
    .option('--column <name=type>', `tables: a column's type, repeatable (${COLUMN_TYPES.join(', ')}; ignore leaves it out)`, columnType)
    .option('--sheet <name>', 'Excel workbooks: the sheet to read (default: the first)')
    .option('--drop-bad-rows', 'tables: leave out rows with a cell that does not fit its column\'s type (text in a number column, a value beyond float32, not a date) instead of failing; empty cells are missing values, not bad')
    .option('--image-size <N|HxW>', 'image folders: the longest side in pixels, 16 to 96, keeping the aspect, or an exact HxW (default: the most common size, brought down to 32 px, 28 for greyscale, when larger than 96 px)', size)
    .addOption(new Option('--channels <c>', 'image folders: 1 = greyscale, 3 = colour (default: colour if any picture has colour)').choices(['1', '3']))
    .option('--crop', 'image folders: keep the aspect by a centre crop instead of padding with black borders')
    .option('--coarse', 'CIFAR-100: use the 20 coarse labels instead of the 100 fine ones')
    .option('--json', 'print the dataset as JSON')
    .option('--no-progress', 'no progress bar')
    .action(async (paths: string[], f: ImportFlags, cmd: Command) => {
      const { out, err } = io(cmd.parent ?? program);
      const ac = new AbortController();
      const onSigint = () => ac.abort();
      process.once('SIGINT', onSigint);
      const showBar = f.progress !== false && !f.json && process.stderr.isTTY;
      const bar = showBar ? new cliProgress.SingleBar({ format: '{phase} [{bar}] {value}/{total}', hideCursor: true, clearOnComplete: true }, cliProgress.Presets.shades_classic) : null;
      let phase = '';
      const opts: ImportOptions = {
        name: f.name,
        testFraction: f.testFraction,
        seed: f.seed,
        labelColumn: f.labelColumn !== undefined && /^\d+$/.test(f.labelColumn) ? Number(f.labelColumn) : f.labelColumn,
        dropBadRows: f.dropBadRows,
        table: f.predict || f.column || f.sheet ? { predict: f.predict, columns: f.column, sheet: f.sheet } : undefined,
        imageSize: Array.isArray(f.imageSize) ? f.imageSize : undefined,
        imageLongSide: typeof f.imageSize === 'number' ? f.imageSize : undefined,
        imageChannels: f.channels ? (Number(f.channels) as 1 | 3) : undefined,
        resize: f.crop ? 'crop' : undefined,
        cifar100Labels: f.coarse ? 'coarse' : undefined,
        signal: ac.signal,
        onProgress: (p) => {
          if (!bar) return;
          if (p.phase !== phase) {
            if (phase) bar.stop();
            phase = p.phase;
            bar.start(p.total ?? 0, p.done, { phase: phase.padEnd(9) });
          } else bar.update(p.done, { phase: phase.padEnd(9) });
        },
      };
      try {
        const meta = await library().import(paths, opts);
        bar?.stop();
        out(f.json ? JSON.stringify(meta, null, 2) : `imported\n${summary(meta)}`);
      } finally {
        bar?.stop();
        process.off('SIGINT', onSigint);
      }
      void err;
    });

  program
    .command('datasets')
    .description('list the datasets in the library')
    .option('--json', 'as JSON')
    .action(async (f: { json?: boolean }, cmd: Command) => {
      const { out, err } = io(cmd.parent ?? program);
      const lib = library();
      const { notice } = await offerBundledMnist(lib);
      if (notice) err(notice);
      const metas = await lib.list();
      out(f.json ? JSON.stringify(metas, null, 2) : table(metas));
    });

  const dataset = program.command('dataset').description('show, rename or delete one dataset (by id or name)');
  dataset
    .command('show')
    .argument('<id>', 'dataset id or name')
    .option('--json', 'as JSON')
    .action(async (id: string, f: { json?: boolean }) => {
      const { out } = io(program);
      const meta = await library().get(id);
      out(f.json ? JSON.stringify(meta, null, 2) : summary(meta));
    });
  dataset
    .command('rename')
    .argument('<id>', 'dataset id or name')
    .argument('<name>', 'the new name')
    .action(async (id: string, name: string) => {
      const { out } = io(program);
      const meta = await library().rename(id, name);
      out(`renamed ${meta.id} to "${safeText(meta.name)}"`);
    });
  dataset
    .command('delete')
    .argument('<id>', 'dataset id or name')
    .action(async (id: string) => {
      const { out } = io(program);
      const lib = library();
      const meta = await lib.get(id);
      await lib.delete(meta.id);
      out(`deleted "${safeText(meta.name)}" (${meta.id})`);
    });
}
