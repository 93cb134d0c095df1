import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StevedoreError } from '../../src/core/errors';
import { formatList, listTemplate, rowJSON, tabwrite, tabwriteText } from '../../src/cli/format/table';
import { displayWidth } from '../../src/cli/format/textWidth';

// Vectors from Go's text/tabwriter tests (as vendored by docker/cli), flags 0, non-tab padding.
test('tabwriteText matches Go tabwriter test vectors', () => {
  const cases: Array<[string, number, number, string, string, string]> = [
    ['1a', 8, 1, '.', '', ''],
    ['2', 8, 1, '.', '\n\n\n', '\n\n\n'],
    ['3', 8, 1, '.', 'a\nb\nc', 'a\nb\nc'],
    ['4a', 8, 1, '.', '\t', ''],
    ['5', 8, 1, '.', '*\t*', '*.......*'],
    ['5b', 8, 1, '.', '*\t*\n', '*.......*\n'],
    ['5c', 8, 1, '.', '*\t*\t', '*.......*'],
    ['6', 8, 1, '.', '\t\n', '........\n'],
    ['7a', 8, 1, '.', 'a) foo', 'a) foo'],
    ['7b', 8, 1, ' ', 'b) foo\tbar', 'b) foo  bar'],
    ['7c', 8, 1, '.', 'c) foo\tbar\t', 'c) foo..bar'],
    ['7d', 8, 1, '.', 'd) foo\tbar\n', 'd) foo..bar\n'],
    ['7e', 8, 1, '.', 'e) foo\tbar\t\n', 'e) foo..bar.....\n'],
    ['8', 8, 1, '*', 'Hello, world!\n', 'Hello, world!\n'],
    ['9a', 1, 0, '.', '1\t2\t3\t4\n11\t222\t3333\t44444\n', '1.2..3...4\n11222333344444\n'],
    ['9c', 1, 0, '.', '1\t2\t3\t4\f11\t222\t3333\t44444\n', '1234\n11222333344444\n'],
    ['10a', 5, 0, '.', '1\t2\t3\t4\n', '1....2....3....4\n'],
    ['10b', 5, 0, '.', '1\t2\t3\t4\t\n', '1....2....3....4....\n'],
    ['11', 8, 1, '.', '本\tb\tc\naa\t本本本\tcccc\tddddd\naaa\tbbbb\n', '本......b.......c\naa......本本本..cccc....ddddd\naaa.....bbbb\n'],
    ['12b', 2, 0, ' ', 'a\tb\tc\naa\tbbb\tcccc\naaa\tbbbb\n', 'a  b  c\naa bbbcccc\naaabbbb\n'],
    ['12c', 8, 1, '_', 'a\tb\tc\naa\tbbb\tcccc\naaa\tbbbb\n', 'a_______b_______c\naa______bbb_____cccc\naaa_____bbbb\n'],
    [
      '13a',
      4,
      1,
      '-',
      '4444\t日本語\t22\t1\t333\n999999999\t22\n7\t22\n\t\t\t88888888\n\n666666\t666666\t666666\t4444\n1\t1\t999999999\t0000000000\n',
      '4444------日本語-22--1---333\n999999999-22\n7---------22\n------------------88888888\n\n666666-666666-666666----4444\n1------1------999999999-0000000000\n',
    ],
    [
      '13b',
      4,
      3,
      '.',
      '4444\t333\t22\t1\t333\n999999999\t22\n7\t22\n\t\t\t88888888\n\n666666\t666666\t666666\t4444\n1\t1\t999999999\t0000000000\n',
      '4444........333...22...1...333\n999999999...22\n7...........22\n....................88888888\n\n666666...666666...666666......4444\n1........1........999999999...0000000000\n',
    ],
    ['15a', 4, 0, '.', 'a\t\tb', 'a.......b'],
  ];
  for (const [name, minWidth, padding, padChar, src, expected] of cases) {
    assert.equal(tabwriteText(src, { minWidth, padding, padChar }), expected, `tabwriter case ${name}`);
  }
});

test('tabwrite uses Docker settings (minwidth 10, padding 3) and leaves the last cell unpadded', () => {
  assert.equal(
    tabwrite(['REPOSITORY\tTAG\tSIZE', 'redis\tlatest\t117MB', 'a-much-longer-repository-name\t7\t1.2GB']),
    'REPOSITORY                      TAG       SIZE\n' +
      'redis                           latest    117MB\n' +
      'a-much-longer-repository-name   7         1.2GB\n',
  );
  // A line without tabs ends every column; the block after it is sized on its own.
  assert.equal(tabwrite(['a\tb', 'x', 'ccccccccccccc\td']), 'a         b\nx\nccccccccccccc   d\n');
  assert.equal(tabwrite([]), '');
});

test('displayWidth counts wide characters twice, combining marks and controls not at all', () => {
  assert.equal(displayWidth('redis'), 5);
  assert.equal(displayWidth('日本語'), 6);
  assert.equal(displayWidth('e\u0301'), 1);
  assert.equal(displayWidth('🐳'), 2);
  assert.equal(displayWidth('👩‍👩‍👧'), 2);
  assert.equal(displayWidth('a\u200bb'), 2);
});

// Rows and expectations from docker/cli's cli/command/formatter/image_test.go.
const IMAGE_TABLE = 'table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{if .CreatedSince }}{{.CreatedSince}}{{else}}N/A{{end}}\t{{.Size}}';
const IMAGE_TABLE_WITH_DIGEST = 'table {{.Repository}}\t{{.Tag}}\t{{.Digest}}\t{{.ID}}\t{{if .CreatedSince }}{{.CreatedSince}}{{else}}N/A{{end}}\t{{.Size}}';
const HEADERS = {
  ID: 'IMAGE ID',
  Repository: 'REPOSITORY',
  Tag: 'TAG',
  Digest: 'DIGEST',
  CreatedSince: 'CREATED',
  CreatedAt: 'CREATED AT',
  Size: 'SIZE',
  Containers: 'CONTAINERS',
  VirtualSize: 'SIZE',
  SharedSize: 'SHARED SIZE',
  UniqueSize: 'UNIQUE SIZE',
};
const DIGEST = 'sha256:cbbf2f9a99b47fc460d422812b6a5adff7dfee951d8fa2e4a98caa0382cfbdbf';
const ROWS = [
  { Repository: 'image', Tag: 'tag1', Digest: DIGEST, ID: 'imageID1', CreatedSince: '24 hours ago', Size: '0B' },
  { Repository: 'image', Tag: 'tag2', Digest: '<none>', ID: 'imageID2', CreatedSince: '', Size: '0B' },
  { Repository: '<none>', Tag: '<none>', Digest: '<none>', ID: 'imageID3', CreatedSince: '24 hours ago', Size: '0B' },
];

function list(format: string | undefined, opts: { quiet?: boolean; defaultTable?: string; rows?: object[] } = {}): string {
  return formatList({ format, defaultTable: opts.defaultTable ?? IMAGE_TABLE, rows: opts.rows ?? ROWS, headers: HEADERS, quiet: opts.quiet });
}

test('formatList: the default table, byte for byte as docker/cli prints it', () => {
  const expected =
    'REPOSITORY   TAG       IMAGE ID   CREATED        SIZE\n' +
    'image        tag1      imageID1   24 hours ago   0B\n' +
    'image        tag2      imageID2   N/A            0B\n' +
    '<none>       <none>    imageID3   24 hours ago   0B\n';
  assert.equal(list(undefined), expected);
  assert.equal(list(''), expected);
  assert.equal(list('table'), expected);
});

test('formatList: the digest table', () => {
  assert.equal(
    list('table', { defaultTable: IMAGE_TABLE_WITH_DIGEST }),
    'REPOSITORY   TAG       DIGEST                                                                    IMAGE ID   CREATED        SIZE\n' +
      `image        tag1      ${DIGEST}   imageID1   24 hours ago   0B\n` +
      'image        tag2      <none>                                                                    imageID2   N/A            0B\n' +
      '<none>       <none>    <none>                                                                    imageID3   24 hours ago   0B\n',
  );
});

test('formatList: custom table formats, with "\\t" written as two characters', () => {
  assert.equal(list('table {{.Repository}}'), 'REPOSITORY\nimage\nimage\n<none>\n');
  assert.equal(
    list('table {{.Repository}}\\t{{.Digest}}'),
    `REPOSITORY   DIGEST\nimage        ${DIGEST}\nimage        <none>\n<none>       <none>\n`,
  );
  assert.equal(list('table {{.Repository}}\\t{{.Digest}}', { rows: [] }), 'REPOSITORY   DIGEST\n');
  // Header functions leave the column name alone; pad still applies to keep alignment.
  assert.equal(
    list('table {{upper .Tag}}\\t{{truncate .ID 5}}\\t{{pad .Size 1 1}}|'),
    'TAG       IMAGE ID    SIZE |\nTAG1      image       0B |\nTAG2      image       0B |\n<NONE>    image       0B |\n',
  );
  // "table" is a prefix, not a word.
  assert.equal(list('table{{.ID}}', { rows: ROWS.slice(0, 1) }), 'IMAGE ID\nimageID1\n');
});

test('formatList: quiet replaces only the default format', () => {
  assert.equal(list(undefined, { quiet: true }), 'imageID1\nimageID2\nimageID3\n');
  assert.equal(list('table', { quiet: true }), 'imageID1\nimageID2\nimageID3\n');
  assert.equal(list('table {{.Repository}}', { quiet: true }), 'REPOSITORY\nimage\nimage\n<none>\n');
  assert.equal(list('{{.Tag}}', { quiet: true }), 'tag1\ntag2\n<none>\n');
});

test('formatList: raw templates print one line per row and no header', () => {
  assert.equal(list('{{.Repository}}'), 'image\nimage\n<none>\n');
  assert.equal(list('  {{.Repository}}:{{.Tag}}  '), 'image:tag1\nimage:tag2\n<none>:<none>\n');
  assert.equal(list('{{.ID}}\\t{{.Tag}}\\n'), 'imageID1\ttag1\n\nimageID2\ttag2\n\nimageID3\t<none>\n\n');
  assert.equal(list('{{.Repository}}', { rows: [] }), '');
});

test('formatList: json rows marshal like Docker (sorted keys, HTML escaped)', () => {
  const row = { Tag: 'tag1', Repository: 'image', Digest: '<none>', Size: '0B' };
  const expected = '{"Digest":"\\u003cnone\\u003e","Repository":"image","Size":"0B","Tag":"tag1"}\n';
  assert.equal(list('json', { rows: [row] }), expected);
  assert.equal(list('{{json .}}', { rows: [row] }), expected);
  assert.equal(rowJSON(row), expected.trimEnd());
  // json of a single field is Docker's json function: no HTML escaping.
  assert.equal(list('{{json .Digest}}', { rows: [row] }), '"<none>"\n');
  // In a table, the header's json is a stub that fails on the map; Docker prints an empty header.
  assert.equal(list('table {{json .}}', { rows: [row] }), `\n${expected}`);
});

test('formatList: errors read "template parsing error: …"', () => {
  const check = (format: string, message: string): void => {
    assert.throws(
      () => list(format),
      (err: unknown) => err instanceof StevedoreError && err.code === 'INVALID_ARGUMENT' && err.message === message,
      format,
    );
  };
  check('{{InvalidFunction}}', 'template parsing error: template: :1: function "InvalidFunction" not defined');
  check('{{nil}}', 'template parsing error: template: :1:2: executing "" at <nil>: nil is not a command');
  check('table {{.Foo}}', 'template parsing error: template: :1:2: executing "" at <.Foo>: can\'t evaluate field Foo in type struct');
  // Docker turns "\n" into a newline before parsing, even inside a quoted string.
  check('{{join .Names "\\n"}}', 'template parsing error: template: :1: unterminated quoted string');
});

test('listTemplate applies Docker preFormat rules', () => {
  assert.deepEqual(listTemplate(undefined, 'table {{.ID}}'), { template: '{{.ID}}', table: true });
  assert.deepEqual(listTemplate('json', 'table {{.ID}}'), { template: '{{json .}}', table: false });
  assert.deepEqual(listTemplate(' {{.A}}\\t{{.B}} ', 'table {{.ID}}'), { template: '{{.A}}\t{{.B}}', table: false });
  assert.deepEqual(listTemplate('table', 'table {{.ID}}', true, '{{.Name}}'), { template: '{{.Name}}', table: false });
});

// Default tables render rows of plain string fields by concatenation; anything else in a row must
// still go through the executor, with Go's output and errors.
test('formatList renders rows that are not all strings as the template executor does', () => {
  class Row {
    constructor(readonly Name: string) {}
    Upper(): string {
      return this.Name.toUpperCase();
    }
  }
  const rows: object[] = [{ Name: 'a', Size: '1kB' }, { Name: 'b', Size: 2048 }, { Name: 'c', Size: undefined }, { Name: 'd', Size: ['x', 'y'] }];
  const out = formatList({ format: 'table {{.Name}}\t{{.Size}}', defaultTable: '', rows, headers: { Name: 'NAME', Size: 'SIZE' } });
  assert.equal(out, 'NAME      SIZE\na         1kB\nb         2048\nc         <no value>\nd         [x y]\n');
  assert.equal(formatList({ format: '{{.Name}}/{{.Upper}}', defaultTable: '', rows: [new Row('x')], headers: {} }), 'x/X\n');
  assert.throws(
    () => formatList({ format: '{{.Name}} {{.Missing}}', defaultTable: '', rows: [{ Name: 'a' }], headers: {} }),
    (e: StevedoreError) => e.code === 'INVALID_ARGUMENT' && /can't evaluate field Missing/.test(e.message),
  );
  assert.throws(
    () => formatList({ format: '{{.constructor}}', defaultTable: '', rows: [{ constructor: 'own' }], headers: {} }),
    (e: StevedoreError) => /can't evaluate field constructor/.test(e.message),
  );
});
