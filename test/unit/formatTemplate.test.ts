import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StevedoreError } from '../../src/core/errors';
import { compileTemplate, executeTemplate, parseTemplate, renderTemplate } from '../../src/cli/format/goTemplate';

const image = {
  ID: 'sha256:4bcff63911fc',
  Repository: 'redis',
  Tag: '7.2-alpine',
  RepoTags: ['redis:7.2-alpine', 'redis:latest'],
  Size: 41_234_567,
  Dangling: false,
  Config: { Env: ['PATH=/usr/bin', 'REDIS_VERSION=7.2'], Cmd: ['redis-server'], Labels: new Map([['maintainer', 'me'], ['a.b', 'x']]) },
  Ports: '0.0.0.0:2->8/udp',
  Empty: '',
};

function render(template: string, data: unknown = image): string {
  return renderTemplate(template, data);
}

function assertTemplateError(template: string, message: string, data: unknown = image): void {
  assert.throws(
    () => render(template, data),
    (err: unknown) => {
      assert.ok(err instanceof StevedoreError, `expected StevedoreError, got ${String(err)}`);
      assert.equal(err.code, 'INVALID_ARGUMENT');
      assert.equal(err.message, message);
      return true;
    },
  );
}

test('literal text and fields', () => {
  assert.equal(render('plain text'), 'plain text');
  assert.equal(render('{{.Repository}}:{{.Tag}}'), 'redis:7.2-alpine');
  assert.equal(render('{{.Config.Cmd}}'), '[redis-server]');
  assert.equal(render('{{ .Size }}'), '41234567');
  assert.equal(render('{{.Dangling}}'), 'false');
  assert.equal(render('{{.}}', 'just a string'), 'just a string');
  assert.equal(render('{{$.Tag}}'), '7.2-alpine');
});

test('maps print sorted and give <no value> for a missing key', () => {
  assert.equal(render('{{.Config.Labels}}'), 'map[a.b:x maintainer:me]');
  assert.equal(render('{{.Config.Labels.maintainer}}'), 'me');
  assert.equal(render('{{.Config.Labels.missing}}'), '<no value>');
  assert.equal(render('{{index .Config.Labels "a.b"}}'), 'x');
  // Labels are map[string]string in Docker, so a missing key indexes to "".
  assert.equal(render('[{{index .Config.Labels "nope"}}]'), '[]');
  assert.throws(() => renderTemplate('{{.Labels.nope}}', { Labels: new Map() }, { missingKey: 'error' }), /map has no entry for key "nope"/);
});

test('json', () => {
  assert.equal(render('{{json .RepoTags}}'), '["redis:7.2-alpine","redis:latest"]');
  assert.equal(render('{{json .Config.Labels}}'), '{"a.b":"x","maintainer":"me"}');
  // GitHub moby#32120: the json function does not escape HTML characters.
  assert.equal(render('{{json .Ports}}'), '"0.0.0.0:2->8/udp"');
  assert.equal(render('{{json .Missing}}', { Missing: undefined }), 'null');
  assert.equal(render('{{json .}}', { B: 1, A: 'x<y', C: [true, null], D: 1.5 }), '{"B":1,"A":"x<y","C":[true,null],"D":1.5}');
  assert.equal(render('{{json .}}', { T: new Date('2024-01-02T03:04:05Z') }), '{"T":"2024-01-02T03:04:05Z"}');
  assert.equal(render('{{json .}}', { S: 'tab\tline\u2028' }), '{"S":"tab\\tline\\u2028"}');
  // An encoding error prints nothing, as in Docker.
  assert.equal(render('[{{json .}}]', { N: Number.NaN }), '[]');
});

test('docker string functions', () => {
  assert.equal(render('{{join (split . ":") "/"}}', 'text:with:colon'), 'text/with/colon');
  assert.equal(render('{{join .RepoTags ", "}}'), 'redis:7.2-alpine, redis:latest');
  assert.equal(render('{{split "a,b,c" ","}}'), '[a b c]');
  assert.equal(render('{{lower "ABC"}} {{upper .Repository}} {{title "hello wide-world_x"}}'), 'abc REDIS Hello Wide-World_x');
  assert.equal(render('{{truncate . 5}}', 'tupx5xzf6hvsrhnruz5cr8gwp'), 'tupx5');
  assert.equal(render('{{truncate . 25}}', 'tupx5xzf6hvsrhnruz5cr8gwp'), 'tupx5xzf6hvsrhnruz5cr8gwp');
  assert.equal(render('{{truncate . 30}}', 'tupx5xzf6hvsrhnruz5cr8gwp'), 'tupx5xzf6hvsrhnruz5cr8gwp');
  assert.equal(render('{{pad . 3 3}}', 'tupx5'), '   tupx5   ');
  assert.equal(render('[{{pad . 3 3}}]', ''), '[]');
  assert.equal(render('{{.Repository | upper | printf "%-8s|"}}'), 'REDIS   |');
  assert.equal(render('{{println .Tag}}'), '7.2-alpine\n');
  assert.equal(render('{{print 1 2 "a" 3 "b" "c"}}'), '1 2a3bc');
});

test('printf verbs, widths and Go error forms', () => {
  assert.equal(render('{{printf "%s|%d|%v|%q" .Repository .Size .Dangling .Tag}}'), 'redis|41234567|false|"7.2-alpine"');
  assert.equal(render('{{printf "%-10s|%10s|%05d|%x|%X|%o|%t" "ab" "cd" 42 255 255 8 true}}'), 'ab        |        cd|00042|ff|FF|10|true');
  assert.equal(render('{{printf "%.2f|%8.3f|%e|%g|%v" 3.14159 2.5 1234.5 0.000012 1.5}}'), '3.14|   2.500|1.234500e+03|1.2e-05|1.5');
  assert.equal(render('{{printf "%.1s|%q|%c|%U" "xyz" "a\\"b" 65 9731}}'), 'x|"a\\"b"|A|U+2603');
  assert.equal(render('{{printf "%d%%" 50}}'), '50%');
  assert.equal(render('{{printf "%d" "x"}}'), '%!d(string=x)');
  assert.equal(render('{{printf "%s %s" "x"}}'), 'x %!s(MISSING)');
  assert.equal(render('{{printf "%s" "x" 1}}'), 'x%!(EXTRA int=1)');
  assert.equal(render('{{printf "%v" .Config.Env}}'), '[PATH=/usr/bin REDIS_VERSION=7.2]');
  assert.equal(render('{{printf "%q" .RepoTags}}'), '["redis:7.2-alpine" "redis:latest"]');
});

test('if / else if / else, with, and truth', () => {
  assert.equal(render('{{if .Dangling}}dangling{{else}}tagged{{end}}'), 'tagged');
  assert.equal(render('{{if .Empty}}a{{else if .Tag}}b{{else}}c{{end}}'), 'b');
  assert.equal(render('{{if not .Empty}}empty{{end}}'), 'empty');
  assert.equal(render('{{if and .Tag .Size}}both{{end}}|{{or .Empty "fallback"}}'), 'both|fallback');
  assert.equal(render('{{with .Config}}{{.Cmd}}{{end}}'), '[redis-server]');
  assert.equal(render('{{with .Empty}}x{{else}}none{{end}}'), 'none');
  assert.equal(render('{{with .Empty}}x{{else with .Tag}}{{.}}{{end}}'), '7.2-alpine');
  assert.equal(render('{{if eq .Repository "redis" "nginx"}}yes{{end}}'), 'yes');
  assert.equal(render('{{if ne .Size 0}}{{if gt .Size 1000}}big{{end}}{{end}}'), 'big');
  assert.equal(render('{{if lt "a" "b"}}lt{{end}}{{if ge 2 2}}ge{{end}}{{if le 3 2}}le{{end}}'), 'ltge');
  assert.equal(render('{{len .RepoTags}} {{len .Repository}} {{len "né"}}'), '2 5 3');
});

test('range, variables, break and continue', () => {
  assert.equal(render('{{range .RepoTags}}[{{.}}]{{end}}'), '[redis:7.2-alpine][redis:latest]');
  assert.equal(render('{{range $i, $t := .RepoTags}}{{$i}}={{$t}} {{end}}'), '0=redis:7.2-alpine 1=redis:latest ');
  assert.equal(render('{{range $k, $v := .Config.Labels}}{{$k}}:{{$v}};{{end}}'), 'a.b:x;maintainer:me;');
  assert.equal(render('{{range .Nothing}}x{{else}}empty{{end}}', { Nothing: [] }), 'empty');
  assert.equal(render('{{range .Nothing}}x{{else}}nil{{end}}', { Nothing: null }), 'nil');
  assert.equal(render('{{range 3}}{{.}}{{end}}'), '012');
  assert.equal(render('{{range .}}{{if eq . 3}}{{break}}{{end}}{{if eq . 1}}{{continue}}{{end}}{{.}}{{end}}', [0, 1, 2, 3, 4]), '02');
  assert.equal(render('{{$n := len .RepoTags}}{{$n}} {{$n = 7}}{{$n}}'), '2 7');
  assert.equal(render('{{range .RepoTags}}{{$.Repository}} {{end}}'), 'redis redis ');
  assert.equal(render('{{index .RepoTags 1}} {{index .Config.Env 0}}'), 'redis:latest PATH=/usr/bin');
});

test('trim markers, comments, literals and escapes', () => {
  assert.equal(render('a  {{- .Tag -}}  b'), 'a7.2-alphineb'.replace('alphine', 'alpine'));
  assert.equal(render('{{.Tag}}\n  {{- /* a comment */ -}}\n  !'), '7.2-alpine!');
  assert.equal(render('x{{/* hidden */}}y'), 'xy');
  assert.equal(render('{{"a\\tb\\u00e9"}}|{{`raw\\n`}}|{{1.5}}|{{0x1F}}|{{-3}}|{{\'a\'}}|{{true}}'), 'a\tbé|raw\\n|1.5|31|-3|97|true');
  // "{{-3}}" is the number -3, not a trim marker: a trim marker needs a space after the dash.
  assert.equal(render('x {{-3}}'), 'x -3');
});

test('methods on class instances are called', () => {
  class Row {
    constructor(private readonly id: string) {}
    ID(): string {
      return this.id.slice(0, 3);
    }
    Prefix(n: number): string {
      return this.id.slice(0, n);
    }
  }
  assert.equal(render('{{.ID}} {{.Prefix 5}}', new Row('abcdefgh')), 'abc abcde');
});

test('unknown fields are errors worded as Go words them', () => {
  assertTemplateError('{{.Foo}}', 'template: :1:2: executing "" at <.Foo>: can\'t evaluate field Foo in type struct');
  assertTemplateError('abc\n  {{.Config.Nope}}', 'template: :2:11: executing "" at <.Config.Nope>: can\'t evaluate field Nope in type struct');
  assertTemplateError('{{.Tag.Foo}}', 'template: :1:6: executing "" at <.Tag.Foo>: can\'t evaluate field Foo in type string');
  class ImageContext {
    get [Symbol.toStringTag](): string {
      return '*formatter.imageContext';
    }
  }
  assertTemplateError('{{.Foo}}', 'template: :1:2: executing "" at <.Foo>: can\'t evaluate field Foo in type *formatter.imageContext', new ImageContext());
});

test('execution errors from functions and arguments', () => {
  assertTemplateError('{{nil}}', 'template: :1:2: executing "" at <nil>: nil is not a command');
  assertTemplateError('{{truncate .Tag "x"}}', 'template: :1:16: executing "" at <"x">: expected integer; found "x"');
  assertTemplateError('{{join .Tag ","}}', 'template: :1:7: executing "" at <.Tag>: wrong type for value; expected []string; got string');
  assertTemplateError('{{upper .Size}}', 'template: :1:8: executing "" at <.Size>: wrong type for value; expected string; got int');
  assertTemplateError('{{join .RepoTags}}', 'template: :1:2: executing "" at <join>: wrong number of args for join: want 2 got 1');
  assertTemplateError('{{index .RepoTags 5}}', 'template: :1:2: executing "" at <index .RepoTags 5>: error calling index: index out of range: 5');
  assertTemplateError('{{eq .Tag 1}}', 'template: :1:2: executing "" at <eq .Tag 1>: error calling eq: incompatible types for comparison');
  assertTemplateError('{{"x" .Tag}}', 'template: :1:2: executing "" at <"x">: can\'t give argument to non-function "x"');
  assertTemplateError('{{range .Tag}}{{end}}', 'template: :1:8: executing "" at <.Tag>: range can\'t iterate over 7.2-alpine');
  assertTemplateError('{{truncate . 5}}', 'template: :1:11: executing "" at <.>: invalid value; expected string', null);
});

test('syntax errors are worded as Go words them', () => {
  assertTemplateError('{{InvalidFunction}}', 'template: :1: function "InvalidFunction" not defined');
  assertTemplateError('{{.Tag', 'template: :1: unclosed action');
  assertTemplateError('{{', 'template: :1: unexpected unclosed action in command');
  assertTemplateError('{{end}}', 'template: :1: unexpected {{end}}');
  assertTemplateError('{{else}}', 'template: :1: unexpected {{else}}');
  assertTemplateError('{{if .Tag}}x', 'template: :1: unexpected EOF');
  assertTemplateError('{{if .Tag}}a{{else}}b{{else}}c{{end}}', 'template: :1: expected end; found {{else}}');
  assertTemplateError('{{}}', 'template: :1: missing value for command');
  assertTemplateError('{{if}}{{end}}', 'template: :1: missing value for if');
  assertTemplateError('{{$x}}', 'template: :1: undefined variable "$x"');
  assertTemplateError('{{.Tag | "x"}}', 'template: :1: non executable command in pipeline stage 2');
  // A lexical error inside a command is reported bare; at the start of a pipeline Go's parser
  // wraps it as an unexpected token.
  assertTemplateError('{{join .RepoTags "\n"}}', 'template: :1: unterminated quoted string');
  assertTemplateError('{{"abc}}', 'template: :1: unexpected unterminated quoted string in command');
  assertTemplateError('line one\n{{ .Tag # }}', 'template: :2: unexpected "#" in operand');
  assertTemplateError('{{(.Tag}}', 'template: :1: unclosed left paren');
  assertTemplateError('{{.Tag)}}', 'template: :1: unexpected right paren');
  assertTemplateError('{{/* open', 'template: :1: unexpected unclosed comment in input');
  assertTemplateError('{{break}}', 'template: :1: {{break}} outside {{range}}');
  assertTemplateError('{{printf "%d" 3x}}', 'template: :1: bad number syntax: "3x"');
});

test('compileTemplate parses once and renders many', () => {
  const render = compileTemplate('{{.Name}}={{.Value}}');
  assert.equal(render({ Name: 'a', Value: 1 }), 'a=1');
  assert.equal(render({ Name: 'b', Value: [1, 2] }), 'b=[1 2]');
  assert.throws(() => compileTemplate('{{nope}}'), /function "nope" not defined/);
});

test('executeTemplate keeps the output written before an error', () => {
  const parsed = parseTemplate('before {{.Tag}} {{.Nope}} after');
  const out: string[] = [];
  assert.throws(() => executeTemplate(parsed, image, out), /can't evaluate field Nope/);
  assert.equal(out.join(''), 'before 7.2-alpine ');
});

test('custom functions can be added', () => {
  const text = renderTemplate('{{shout .Tag}}', image, { functions: { shout: { params: ['string'], call: (s) => `${String(s)}!` } } });
  assert.equal(text, '7.2-alpine!');
});

test('plainObjects: "map" treats JSON-shaped data as Go maps', () => {
  const inspect = { Id: 'sha256:abc', Config: { Labels: { maintainer: 'me' } } };
  assert.equal(renderTemplate('{{.Config.Labels.maintainer}}|{{.Config.Labels.nope}}', inspect, { plainObjects: 'map' }), 'me|<no value>');
  assert.throws(
    () => renderTemplate('{{.Foo}}', inspect, { plainObjects: 'map', missingKey: 'error' }),
    (err: unknown) => err instanceof StevedoreError && err.message === 'template: :1:2: executing "" at <.Foo>: map has no entry for key "Foo"',
  );
});
