/** The failed-import callout names the file once. */
import { describe, expect, it } from 'vitest';
import { failedImportText } from '../../src-renderer/lib/import-status';
import { forPeople } from '../../src-renderer/lib/messages';

describe('failedImportText', () => {
  it('drops the file name the heading already shows from the start of the message', () => {
    expect(failedImportText('bad.csv', 'bad.csv: row 4 has 4 fields but the header has 3; every row needs the same number of fields.')).toEqual({
      label: 'bad.csv',
      message: 'Row 4 has 4 fields but the header has 3; every row needs the same number of fields.',
    });
    // doubled, as the review saw it
    expect(failedImportText('bad.csv', 'bad.csv: bad.csv: the file is empty.')).toEqual({ label: 'bad.csv', message: 'The file is empty.' });
  });

  it('keeps the fuller name (a path) in the heading, once', () => {
    expect(failedImportText('notes.txt', '/home/ada/notes.txt: not a dataset the studio can read; it is text but not a table (it has a single line).')).toEqual({
      label: '/home/ada/notes.txt',
      message: 'Not a dataset the studio can read; it is text but not a table (it has a single line).',
    });
    expect(failedImportText('C:\\data\\bad.csv', 'C:\\data\\bad.csv: the file is empty.')).toEqual({ label: 'C:\\data\\bad.csv', message: 'The file is empty.' });
    // a dropped upload: the host's folder is hidden first, then the names match
    const shown = failedImportText('notes.txt', forPeople('/srv/studio/uploads/up-1a2b3c/notes.txt: not a dataset the studio can read.'));
    expect(shown).toEqual({ label: 'notes.txt', message: 'Not a dataset the studio can read.' });
  });

  it('leaves a message about another file, or about no file, as it is', () => {
    const inside = 'digits/a/broken.png: the image cannot be decoded; it is corrupt or truncated.';
    expect(failedImportText('3 files (digits…)', inside)).toEqual({ label: '3 files (digits…)', message: inside });
    // a name that only ends like the label is another file
    expect(failedImportText('bad.csv', 'notbad.csv: the file is empty.')).toEqual({ label: 'bad.csv', message: 'notbad.csv: the file is empty.' });
    const cancelled = 'The import was cancelled; nothing was added to the library.';
    expect(failedImportText('mnist', cancelled)).toEqual({ label: 'mnist', message: cancelled });
    expect(failedImportText('a.csv, b.csv', 'a.csv and b.csv: two CSV files must be named train… and test….').message).toMatch(/^a\.csv and b\.csv: /);
  });
});
