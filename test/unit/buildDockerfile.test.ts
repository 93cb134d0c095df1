// The pieces of `build` that read text and the context: Dockerfile syntax (directives, comments,
// continuations, flags, JSON form), `$VAR` expansion, .dockerignore patterns with Docker's rules,
// and where COPY puts what.

import assert from 'node:assert/strict';
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ignoreMatcher } from '../../src/core/dockerfile/contextFiles';
import { planCopy } from '../../src/core/dockerfile/copyLayer';
import { expandWord, jsonArgs, parseDockerfile, type Instruction } from '../../src/core/dockerfile/dockerfile';
import { applyHealthcheck, applyShell } from '../../src/core/dockerfile/runtimeInstructions';
import { earlierStage, splitStages } from '../../src/core/dockerfile/stages';
import type { StevedoreError } from '../../src/core/errors';
import { gzip, makeTar, tempDir } from '../helpers/fixtures';

describe('Dockerfile syntax', () => {
  it('reads directives, comments, continuations and flags', () => {
    const parsed = parseDockerfile(['# escape=`', '# a comment', 'from scratch', 'ENV A=1 `', '  # inside the continuation', '    B=2', '', 'COPY --chown=1:2 --chmod=644 a b /dst/', 'CMD ["x", "y"]'].join('\n'));
    assert.deepEqual(
      parsed.map((i) => [i.keyword, i.args, i.flags, i.line]),
      [
        ['FROM', 'scratch', {}, 3],
        ['ENV', 'A=1 B=2', {}, 4],
        ['COPY', 'a b /dst/', { chown: '1:2', chmod: '644' }, 8],
        ['CMD', '["x", "y"]', {}, 9],
      ],
    );
    assert.deepEqual(jsonArgs(parsed[3]!.args, 9), ['x', 'y']);
    assert.equal(jsonArgs('[not json', 1), undefined);
    assert.equal(jsonArgs('echo ["a"]', 1), undefined);
    // BuildKit's parseJSON, as --change reads it: an array of non-strings is an error, not the shell form.
    assert.throws(() => jsonArgs('["a", 1]', 3), (err: StevedoreError) => err.code === 'INVALID_ARGUMENT' && /^Dockerfile line 3: when using JSON array syntax/.test(err.message));
  });

  it('refuses an empty file, a bad escape directive and here-documents', () => {
    assert.throws(() => parseDockerfile('# only a comment\n'), (err: StevedoreError) => err.code === 'INVALID_ARGUMENT' && /no instructions/.test(err.message));
    assert.throws(() => parseDockerfile('# escape=x\nFROM scratch\n'), /invalid escape character/);
    assert.throws(() => parseDockerfile('FROM scratch\nCOPY <<EOF /a\nhi\nEOF\n'), (err: StevedoreError) => err.code === 'UNSUPPORTED' && /here-documents/.test(err.message));
  });
});

describe('Dockerfile stages', () => {
  const parsed = parseDockerfile('ARG V=1\nFROM a AS Build\nRUN x\nFROM build AS second\nCOPY --from=0 /a /b\nFROM scratch\nCMD ["x"]\n');
  it('splits stages at FROM, names them in lower case, and --target cuts after the named one', () => {
    const { metaArgs, stages } = splitStages(parsed);
    assert.deepEqual(metaArgs.map((i) => i.original), ['ARG V=1']);
    assert.deepEqual(stages.map((s) => [s.index, s.name, s.instructions.length]), [[0, 'build', 1], [1, 'second', 1], [2, undefined, 1]]);
    assert.deepEqual(splitStages(parsed, 'SECOND').stages.map((s) => s.index), [0, 1]);
    assert.equal(earlierStage(stages, 2, 'BUILD', false, 1)?.index, 0);
    assert.equal(earlierStage(stages, 2, '1', true, 1)?.index, 1);
    assert.equal(earlierStage(stages, 2, 'busybox', true, 1), undefined, 'an image');
    assert.equal(earlierStage(stages, 0, 'build', false, 1), undefined, 'a stage cannot start from itself');
  });
  it('refuses a missing target, a duplicate or invalid name, and --from a stage not built yet', () => {
    assert.throws(() => splitStages(parsed, 'nope'), /^StevedoreError: target stage "nope" could not be found; the Dockerfile names "build", "second"\.$/);
    assert.throws(() => splitStages(parseDockerfile('FROM a AS x\nFROM b AS X\n')), /line 2: duplicate name "x"/);
    assert.throws(() => splitStages(parseDockerfile('FROM a AS 1x\n')), /invalid name for build stage: "1x"/);
    assert.throws(() => splitStages(parseDockerfile('FROM a as\n')), /FROM takes an image and optionally "AS name"/);
    assert.throws(() => earlierStage(splitStages(parsed).stages, 1, '2', true, 5), /line 5: --from=2 names stage 2, which is not built before this one/);
  });
});

describe('build variables', () => {
  const vars = new Map([
    ['NAME', 'app'],
    ['EMPTY', ''],
  ]);
  it('reads words with the shell lexer --change uses: quotes, escapes, every ${…} form, $1', () => {
    assert.equal(expandWord('/srv/$NAME/${NAME}.conf', vars, 1), '/srv/app/app.conf');
    assert.equal(expandWord('${MISSING:-default} ${EMPTY:-d2} ${NAME:+set} ${MISSING:+x}|', vars, 1), 'default d2 set |');
    assert.equal(expandWord('\\$NAME costs $5 and $', vars, 1), '$NAME costs  and $');
    assert.equal(expandWord('$MISSING/x', vars, 1), '/x');
    assert.equal(expandWord(`"my $NAME"'s $NAME'`, vars, 1), 'my apps $NAME');
    assert.equal(expandWord('${NAME/a/A}-${NAME#a}-${NAME%%p*}', vars, 1), 'App-pp-a');
    assert.throws(() => expandWord('${NAME', vars, 7), (err: StevedoreError) => err.code === 'INVALID_ARGUMENT' && err.message === `Dockerfile line 7: failed to process "\${NAME": syntax error: missing '}'.`);
  });
});

describe('.dockerignore', () => {
  it('follows moby\'s rules: per-segment wildcards, **, exceptions, the last match wins, parents cover children', () => {
    const ignore = ignoreMatcher(['# comment', '*.log', 'build', '**/*.tmp', 'docs/**', '!docs/keep.md', '/secret/', '**/cache'].join('\n'));
    const cases: [string, boolean][] = [
      ['app.log', true],
      ['sub/app.log', false],
      ['build', true],
      ['build/out.bin', true],
      ['x/y/z.tmp', true],
      ['z.tmp', true],
      ['docs/a.md', true],
      ['docs/keep.md', false],
      ['secret/key', true],
      ['src/main.ts', false],
      ['cache', true],
      ['a/b/cache', true],
      ['mycache', false],
      ['a/mycache', false],
    ];
    for (const [path, excluded] of cases) assert.equal(ignore.excludes(path), excluded, path);
    assert.equal(ignore.hasExceptions, true);
    assert.equal(ignoreMatcher('').excludes('anything'), false);
  });
});

describe('where COPY puts things', () => {
  let dir: { path: string; cleanup: () => Promise<void> };
  const none = ignoreMatcher('');
  const targets = async (sources: string[], dest: string, workdir = '/', existing: string[] = []): Promise<string[]> =>
    (await planCopy(dir.path, { sources, dest, workdir, existingDirs: new Set(existing) }, none)).map((e) => `${e.kind[0]} ${e.target}`);

  before(async () => {
    dir = await tempDir();
    await mkdir(join(dir.path, 'app', 'sub'), { recursive: true });
    await writeFile(join(dir.path, 'a.txt'), 'a');
    await writeFile(join(dir.path, 'b.txt'), 'b');
    await writeFile(join(dir.path, 'app', 'main.js'), 'main');
    await writeFile(join(dir.path, 'app', 'sub', 'util.js'), 'util');
    await symlink('main.js', join(dir.path, 'app', 'entry.js'));
    await symlink('/etc', join(dir.path, 'escape'));
    await writeFile(join(dir.path, 'one.tar'), await makeTar([{ name: 'x', content: 'x' }]));
    await writeFile(join(dir.path, 'two.tar.gz'), gzip(await makeTar([{ name: 'y', content: 'y' }])));
  });
  after(() => dir.cleanup());

  it('a file goes to the name given, or into a directory given with a trailing slash', async () => {
    assert.deepEqual(await targets(['a.txt'], '/etc/x.conf', '/', ['etc']), ['f etc/x.conf']);
    assert.deepEqual(await targets(['a.txt'], '/etc/', '/', ['etc']), ['f etc/a.txt']);
    assert.deepEqual(await targets(['a.txt'], 'rel.txt', '/srv/app', ['srv', 'srv/app']), ['f srv/app/rel.txt']);
  });

  it('a directory copies its contents (links stay links), and missing parents are made', async () => {
    assert.deepEqual(await targets(['app'], '/opt/app/'), ['d opt', 'd opt/app', 's opt/app/entry.js', 'f opt/app/main.js', 'd opt/app/sub', 'f opt/app/sub/util.js']);
    assert.deepEqual(await targets(['app'], '/opt/app/', '/', ['opt', 'opt/app']), ['s opt/app/entry.js', 'f opt/app/main.js', 'd opt/app/sub', 'f opt/app/sub/util.js']);
  });

  it('wildcards and several sources need a directory destination ending in /', async () => {
    assert.deepEqual(await targets(['*.txt'], '/d/', '/', ['d']), ['f d/a.txt', 'f d/b.txt']);
    await assert.rejects(targets(['a.txt', 'b.txt'], '/d'), /the destination must be a directory and end with a \//);
    await assert.rejects(targets(['*.md'], '/d/'), /nothing in the build context matches "\*\.md"/);
  });

  it('ADD unpacks every archive given into the destination, which is made when missing', async () => {
    const entries = await planCopy(dir.path, { sources: ['one.tar', 'two.tar.gz', 'a.txt'], dest: '/opt/', workdir: '/', existingDirs: new Set(), unpackArchives: true }, none);
    assert.deepEqual(
      entries.map((e) => `${e.kind} ${e.target}${e.kind === 'archive' ? ` ${e.abs!.split('/').pop()!}` : ''}`),
      ['directory opt', 'archive opt one.tar', 'archive opt two.tar.gz', 'file opt/a.txt'],
    );
  });

  it('a source outside the context, or missing, is refused', async () => {
    await assert.rejects(targets(['../etc/passwd'], '/x'), /forbidden path outside the build context/);
    await assert.rejects(targets(['escape'], '/x'), /symbolic link that leads outside the build context/);
    await assert.rejects(targets(['esc*'], '/x/'), /symbolic link that leads outside the build context/);
    await assert.rejects(targets(['nope.txt'], '/x'), /file not found in build context or excluded by \.dockerignore/);
  });
});

describe('SHELL and HEALTHCHECK', () => {
  const one = (text: string): Instruction => parseDockerfile(`FROM scratch\n${text}\n`)[1]!;
  it('records a healthcheck as Docker does: exec or shell form, durations in nanoseconds, zeros left out', () => {
    assert.deepEqual(applyHealthcheck({}, one('HEALTHCHECK --interval=1m30s --timeout=500ms --retries=3 CMD ["/check", "-q"]')).Healthcheck, {
      Test: ['CMD', '/check', '-q'],
      Interval: 90e9,
      Timeout: 5e8,
      Retries: 3,
    });
    assert.deepEqual(applyHealthcheck({}, one('HEALTHCHECK --start-period=0 CMD curl -f http://localhost/ || exit 1')).Healthcheck, { Test: ['CMD-SHELL', 'curl -f http://localhost/ || exit 1'] });
    assert.deepEqual(applyHealthcheck({}, one('HEALTHCHECK NONE')).Healthcheck, { Test: ['NONE'] });
    assert.throws(() => applyHealthcheck({}, one('HEALTHCHECK --interval=10 CMD true')), /not a duration/);
    assert.throws(() => applyHealthcheck({}, one('HEALTHCHECK --interval=10us CMD true')), /shorter than the 1ms/);
    assert.throws(() => applyHealthcheck({}, one('HEALTHCHECK --bogus=1 CMD true')), /no --bogus option/);
    assert.throws(() => applyHealthcheck({}, one('HEALTHCHECK true')), /CMD followed by a command, or NONE/);
  });

  it('takes SHELL in JSON form only', () => {
    assert.deepEqual(applyShell({}, one('SHELL ["/bin/bash", "-euo", "pipefail", "-c"]')).Shell, ['/bin/bash', '-euo', 'pipefail', '-c']);
    assert.throws(() => applyShell({}, one('SHELL /bin/bash -c')), /requires the JSON form/);
  });
});
