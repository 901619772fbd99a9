/**
 * Table fixtures for tests, generated at run time: a penguins-like table (species, island,
 * bill lengths with NA, sex with NA, year), a house-prices-like table (a sale date, a
 * neighbourhood, a price to predict) and a minimal Excel workbook writer (inline strings and
 * numbers, several sheets) built with fflate.
 */
import { strToU8, zipSync } from 'fflate';

/** Deterministic pseudo-random numbers in [0, 1). */
function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4294967296;
  };
}

const SPECIES = ['Adelie', 'Chinstrap', 'Gentoo'];
const ISLANDS = ['Biscoe', 'Dream', 'Torgersen'];

/** A penguins-like table: the species follows from the bill and flipper sizes; some cells are NA. */
export function penguinsRows(n: number, seed = 1): string[][] {
  const r = rng(seed);
  const rows = [['species', 'island', 'bill_length_mm', 'bill_depth_mm', 'flipper_length_mm', 'body_mass_g', 'sex', 'year']];
  for (let i = 0; i < n; i++) {
    const k = i % 3;
    const bill = 38 + 9 * k + 3 * r();
    const depth = 18.5 - 2.5 * (k === 2 ? 1 : 0) + r();
    const flipper = 190 + 12 * k + 8 * r();
    const mass = 3500 + 700 * (k === 2 ? 1 : 0) + 500 * r();
    const na = (v: string, p: number) => (r() < p ? 'NA' : v);
    rows.push([
      SPECIES[k],
      ISLANDS[(k + (r() < 0.3 ? 1 : 0)) % 3],
      na(bill.toFixed(1), 0.03),
      na(depth.toFixed(1), 0.03),
      na(flipper.toFixed(0), 0.02),
      na(mass.toFixed(0), 0.02),
      na(r() < 0.5 ? 'male' : 'female', 0.05),
      String(2007 + (i % 3)),
    ]);
  }
  return rows;
}

/** A house-prices-like table: the price follows from the area, rooms, neighbourhood and sale year. */
export function housesRows(n: number, seed = 2): string[][] {
  const r = rng(seed);
  const hoods = ['North', 'South', 'East', 'West', 'Centre'];
  const rows = [['Id', 'sold', 'area_m2', 'rooms', 'neighbourhood', 'garage', 'price']];
  for (let i = 0; i < n; i++) {
    const area = 40 + Math.round(160 * r());
    const rooms = 1 + Math.round(area / 40);
    const h = Math.floor(r() * hoods.length);
    const year = 2015 + Math.floor(r() * 8);
    const month = 1 + Math.floor(r() * 12);
    const day = 1 + Math.floor(r() * 28);
    const garage = r() < 0.4 ? 'yes' : 'no';
    const price = 1000 * Math.round(50 + 2.2 * area + 20 * h + 6 * (year - 2015) + (garage === 'yes' ? 15 : 0) + 10 * r());
    rows.push([String(i + 1), `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`, r() < 0.03 ? '' : String(area), String(rooms), hoods[h], garage, String(price)]);
  }
  return rows;
}

/** Rows as CSV text (cells are written as they are: no quoting needed for these fixtures). */
export function csvOf(rows: string[][], sep = ','): string {
  return rows.map((r) => r.join(sep)).join('\n') + '\n';
}

const xmlEscape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

function columnLetters(j: number): string {
  let s = '';
  for (let n = j + 1; n > 0; n = Math.floor((n - 1) / 26)) s = String.fromCharCode(65 + ((n - 1) % 26)) + s;
  return s;
}

function sheetXml(rows: string[][]): string {
  const body = rows
    .map((row, i) => {
      const cells = row
        .map((v, j) => {
          const ref = `${columnLetters(j)}${i + 1}`;
          if (v === '') return '';
          // "date:45000": an Excel serial date (days since 1899-12-30) in a cell styled as a date
          if (v.startsWith('date:')) return `<c r="${ref}" s="1"><v>${v.slice(5)}</v></c>`;
          return /^-?\d+(\.\d+)?$/.test(v) ? `<c r="${ref}"><v>${v}</v></c>` : `<c r="${ref}" t="inlineStr"><is><t>${xmlEscape(v)}</t></is></c>`;
        })
        .join('');
      return `<row r="${i + 1}">${cells}</row>`;
    })
    .join('');
  return `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>${body}</sheetData></worksheet>`;
}

/** A minimal .xlsx workbook with the given sheets (numbers as numbers, other cells as inline text). */
export function xlsxBytes(sheets: { name: string; rows: string[][] }[]): Buffer {
  const ns = 'http://schemas.openxmlformats.org';
  const files: Record<string, Uint8Array> = {
    '[Content_Types].xml': strToU8(
      `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="${ns}/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>${sheets
        .map((_, k) => `<Override PartName="/xl/worksheets/sheet${k + 1}.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>`)
        .join('')}</Types>`,
    ),
    '_rels/.rels': strToU8(
      `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="${ns}/package/2006/relationships"><Relationship Id="rId1" Type="${ns}/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`,
    ),
    'xl/workbook.xml': strToU8(
      `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><workbook xmlns="${ns}/spreadsheetml/2006/main" xmlns:r="${ns}/officeDocument/2006/relationships"><sheets>${sheets
        .map((s, k) => `<sheet name="${xmlEscape(s.name)}" sheetId="${k + 1}" r:id="rId${k + 1}"/>`)
        .join('')}</sheets></workbook>`,
    ),
    'xl/_rels/workbook.xml.rels': strToU8(
      `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="${ns}/package/2006/relationships">${sheets
        .map((_, k) => `<Relationship Id="rId${k + 1}" Type="${ns}/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet${k + 1}.xml"/>`)
        .join('')}<Relationship Id="rIdS" Type="${ns}/officeDocument/2006/relationships/styles" Target="styles.xml"/></Relationships>`,
    ),
    // style 1: the built-in date format 14 (m/d/yyyy)
    'xl/styles.xml': strToU8(
      `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><styleSheet xmlns="${ns}/spreadsheetml/2006/main"><cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/><xf numFmtId="14" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs></styleSheet>`,
    ),
  };
  sheets.forEach((s, k) => (files[`xl/worksheets/sheet${k + 1}.xml`] = strToU8(sheetXml(s.rows))));
  return Buffer.from(zipSync(files));
}
