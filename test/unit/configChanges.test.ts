import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyChanges, parseChange } from '../../src/core/image/configChanges';
import { StevedoreError } from '../../src/core/errors';
import type { ContainerConfig } from '../../src/core/image/types';

/** Parses each line and applies them all to `config`, as `stevedore commit -c … -c …` does. */
function apply(config: ContainerConfig, ...lines: string[]): ContainerConfig {
  return applyChanges(config, lines.map(parseChange));
}

/** Asserts that parsing (or, for `when: 'apply'`, applying) `line` fails with INVALID_CHANGE and `message`. */
function assertInvalid(line: string, message: RegExp, config: ContainerConfig = {}, when: 'parse' | 'apply' = 'parse'): void {
  const run = (): unknown => (when === 'parse' ? parseChange(line) : applyChanges(config, [parseChange(line)]));
  if (when === 'apply') assert.doesNotThrow(() => parseChange(line), `${line} should parse`);
  assert.throws(run, (err: unknown) => {
    assert.ok(err instanceof StevedoreError, `expected a StevedoreError for ${line}`);
    assert.equal(err.code, 'INVALID_CHANGE');
    assert.ok(err.message.includes(line.trim()), `the message names the change: ${err.message}`);
    assert.match(err.message, message);
    return true;
  });
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

// --- CMD and ENTRYPOINT -------------------------------------------------------------------------

test('CMD in JSON form is kept as is', () => {
  assert.deepEqual(apply({ Cmd: ['bash'] }, 'CMD ["nginx","-g","daemon off;"]'), { Cmd: ['nginx', '-g', 'daemon off;'] });
});

test('CMD in shell form runs in /bin/sh -c, keeping inner spacing', () => {
  assert.deepEqual(apply({}, 'CMD  echo   "hello world" && sleep 1 '), { Cmd: ['/bin/sh', '-c', 'echo   "hello world" && sleep 1'] });
});

test('CMD in shell form uses the config Shell when it has one', () => {
  assert.deepEqual(apply({ Shell: ['/bin/bash', '-o', 'pipefail', '-c'] }, 'CMD run.sh | tee log'), {
    Shell: ['/bin/bash', '-o', 'pipefail', '-c'],
    Cmd: ['/bin/bash', '-o', 'pipefail', '-c', 'run.sh | tee log'],
  });
  assert.deepEqual(apply({ Shell: [] }, 'CMD ls'), { Shell: [], Cmd: ['/bin/sh', '-c', 'ls'] });
});

test('instruction keywords are case-insensitive', () => {
  assert.deepEqual(apply({}, 'cmd ["a"]', 'Env X=1', 'uSeR nobody'), { Cmd: ['a'], Env: ['X=1'], User: 'nobody' });
});

test('CMD with text that is not valid JSON falls back to the shell form, as Docker does', () => {
  assert.deepEqual(apply({}, "CMD ['single', 'quoted']"), { Cmd: ['/bin/sh', '-c', "['single', 'quoted']"] });
  assert.deepEqual(apply({}, 'CMD [oops'), { Cmd: ['/bin/sh', '-c', '[oops'] });
});

test('CMD [] clears the command to an empty list', () => {
  assert.deepEqual(apply({ Cmd: ['sh'] }, 'CMD []'), { Cmd: [] });
});

test('CMD and ENTRYPOINT drop ArgsEscaped (false on Linux, which Docker omits)', () => {
  assert.deepEqual(apply({ ArgsEscaped: true, Cmd: ['x'] }, 'CMD ["y"]'), { Cmd: ['y'] });
  assert.deepEqual(apply({ ArgsEscaped: true }, 'ENTRYPOINT ["y"]'), { Entrypoint: ['y'], Cmd: null });
});

test('ENTRYPOINT resets the existing CMD, as BuildFromConfig does', () => {
  assert.deepEqual(apply({ Entrypoint: ['/docker-entrypoint.sh'], Cmd: ['nginx'] }, 'ENTRYPOINT ["/usr/bin/tini", "--"]'), {
    Entrypoint: ['/usr/bin/tini', '--'],
    Cmd: null,
  });
});

test('ENTRYPOINT keeps a CMD set earlier in the same changes, whatever the order', () => {
  assert.deepEqual(apply({ Cmd: ['old'] }, 'CMD ["serve"]', 'ENTRYPOINT ["app"]'), { Cmd: ['serve'], Entrypoint: ['app'] });
  assert.deepEqual(apply({ Cmd: ['old'] }, 'ENTRYPOINT ["app"]', 'CMD ["serve"]'), { Entrypoint: ['app'], Cmd: ['serve'] });
  // An empty CMD does not count as setting one (Docker's cmdSet).
  assert.deepEqual(apply({ Cmd: ['old'] }, 'CMD []', 'ENTRYPOINT ["app"]'), { Entrypoint: ['app'], Cmd: null });
});

test('ENTRYPOINT in shell form, and ENTRYPOINT [] removing the entrypoint', () => {
  assert.deepEqual(apply({}, 'ENTRYPOINT exec app --port 80'), { Entrypoint: ['/bin/sh', '-c', 'exec app --port 80'], Cmd: null });
  assert.deepEqual(apply({ Entrypoint: ['x'], Cmd: ['y'] }, 'ENTRYPOINT []'), { Entrypoint: null, Cmd: null });
});

test('CMD is not subject to variable substitution', () => {
  assert.deepEqual(apply({ Env: ['A=1'] }, 'CMD echo $A'), { Env: ['A=1'], Cmd: ['/bin/sh', '-c', 'echo $A'] });
  assert.deepEqual(apply({ Env: ['A=1'] }, 'CMD ["echo", "$A"]'), { Env: ['A=1'], Cmd: ['echo', '$A'] });
});

test('a lone -- ends the (empty) flag list; a trailing line-continuation backslash is dropped', () => {
  assert.deepEqual(apply({}, 'CMD -- --version'), { Cmd: ['/bin/sh', '-c', '--version'] });
  assert.deepEqual(apply({}, 'CMD echo hi \\'), { Cmd: ['/bin/sh', '-c', 'echo hi'] });
});

// --- ENV ----------------------------------------------------------------------------------------

test('ENV appends a new variable and replaces an existing one in place', () => {
  assert.deepEqual(apply({ Env: ['PATH=/usr/bin', 'LANG=C'] }, 'ENV LANG=C.UTF-8 TZ=UTC'), { Env: ['PATH=/usr/bin', 'LANG=C.UTF-8', 'TZ=UTC'] });
});

test('ENV name=value pairs with double quotes, single quotes, escapes and empty values', () => {
  assert.deepEqual(apply({}, `ENV A="quoted value" B='single $quoted' C=esc\\ aped D= E="" F=a=b G="say \\"hi\\""`), {
    Env: ['A=quoted value', 'B=single $quoted', 'C=esc aped', 'D=', 'E=', 'F=a=b', 'G=say "hi"'],
  });
});

test('legacy ENV KEY value keeps the rest of the line as the value', () => {
  assert.deepEqual(apply({}, 'ENV GREETING hello big   world'), { Env: ['GREETING=hello big   world'] });
  assert.deepEqual(apply({}, 'LABEL description "a quoted description"'), { Labels: { description: 'a quoted description' } });
});

test('ENV substitutes $VAR and ${VAR} from the config Env; unset variables are empty', () => {
  assert.deepEqual(apply({ Env: ['PATH=/usr/bin', 'HOME=/root'] }, 'ENV PATH=/opt/bin:$PATH CONF=${HOME}/.conf MISSING=[$NOPE]'), {
    Env: ['PATH=/opt/bin:/usr/bin', 'HOME=/root', 'CONF=/root/.conf', 'MISSING=[]'],
  });
});

test('one ENV sees the values from before it; the next change sees the new ones', () => {
  assert.deepEqual(apply({ Env: ['A=old'] }, 'ENV A=new B=$A', 'ENV C=$A'), { Env: ['A=new', 'B=old', 'C=new'] });
  assert.deepEqual(apply({}, 'ENV X=1', 'ENV Y=${X}2'), { Env: ['X=1', 'Y=12'] });
});

test('ENV default, alternative and required modifiers', () => {
  const config: ContainerConfig = { Env: ['SET=yes', 'EMPTY='] };
  const lines = ['ENV A=${UNSET:-dflt} B=${EMPTY:-dflt} C=${EMPTY-dflt} D=${SET:+alt} E=${EMPTY:+alt} F=${EMPTY+alt} G=${SET:?required}'];
  assert.deepEqual(apply(config, ...lines), { Env: ['SET=yes', 'EMPTY=', 'A=dflt', 'B=dflt', 'C=', 'D=alt', 'E=', 'F=alt', 'G=yes'] });
});

test('ENV pattern modifiers trim prefixes and suffixes and replace', () => {
  const config: ContainerConfig = { Env: ['P=/usr/local/foo.tar.gz'] };
  assert.deepEqual(apply(config, 'ENV A=${P#*/} B=${P##*/} C=${P%.*} D=${P%%.*} E=${P/o/0} F=${P//o/0} G=${P#nomatch}'), {
    Env: ['P=/usr/local/foo.tar.gz', 'A=usr/local/foo.tar.gz', 'B=foo.tar.gz', 'C=/usr/local/foo.tar', 'D=/usr/local/foo', 'E=/usr/l0cal/foo.tar.gz', 'F=/usr/l0cal/f00.tar.gz', 'G=/usr/local/foo.tar.gz'],
  });
});

test('escaped dollars and a lone $ stay literal', () => {
  assert.deepEqual(apply({ Env: ['A=1'] }, 'ENV B=\\$A C="\\$A" D=cost$ E=$/x'), { Env: ['A=1', 'B=$A', 'C=$A', 'D=cost$', 'E=$/x'] });
});

test('ENV keys are substituted too', () => {
  assert.deepEqual(apply({ Env: ['PREFIX=APP'] }, 'ENV ${PREFIX}_MODE=prod'), { Env: ['PREFIX=APP', 'APP_MODE=prod'] });
});

// --- EXPOSE -------------------------------------------------------------------------------------

test('EXPOSE ports default to tcp; protocols are lower-cased', () => {
  assert.deepEqual(apply({}, 'EXPOSE 80 443/tcp 53/udp 9000/SCTP 8443/UDP'), {
    ExposedPorts: { '80/tcp': {}, '443/tcp': {}, '53/udp': {}, '9000/sctp': {}, '8443/udp': {} },
  });
});

test('EXPOSE port ranges expand to every port, merged with the ports already exposed', () => {
  assert.deepEqual(apply({ ExposedPorts: { '80/tcp': {} } }, 'EXPOSE 8000-8002 80 7000-7001/udp'), {
    ExposedPorts: { '80/tcp': {}, '8000/tcp': {}, '8001/tcp': {}, '8002/tcp': {}, '7000/udp': {}, '7001/udp': {} },
  });
});

test('EXPOSE splits a variable holding several ports, but not a quoted one', () => {
  assert.deepEqual(apply({ Env: ['PORTS=80 443'] }, 'EXPOSE $PORTS 8080'), { Env: ['PORTS=80 443'], ExposedPorts: { '80/tcp': {}, '443/tcp': {}, '8080/tcp': {} } });
  assertInvalid('EXPOSE "$PORTS"', /invalid containerPort: 80 443/, { Env: ['PORTS=80 443'] }, 'apply');
});

test('EXPOSE accepts and ignores a host part, as Docker does', () => {
  assert.deepEqual(apply({}, 'EXPOSE 8080:80 127.0.0.1:5353:53/udp [::1]:9000:9000'), { ExposedPorts: { '80/tcp': {}, '53/udp': {}, '9000/tcp': {} } });
});

test('EXPOSE rejects ports that are not ports', () => {
  assertInvalid('EXPOSE http', /invalid containerPort: http/);
  assertInvalid('EXPOSE 65536', /invalid containerPort: 65536/);
  assertInvalid('EXPOSE 80/icmp', /invalid proto: icmp/);
  assertInvalid('EXPOSE 9000-8000', /invalid containerPort: 9000-8000/);
  assertInvalid('EXPOSE 80-', /invalid containerPort: 80-/);
  assertInvalid('EXPOSE -1', /invalid containerPort: -1/);
  assertInvalid('EXPOSE /tcp', /no port specified/);
  assertInvalid('EXPOSE 1.2.3:80:80', /invalid IP address: 1\.2\.3/);
  assertInvalid('EXPOSE 8080-8081:80-82', /invalid ranges specified for container and host Ports/);
  assertInvalid('EXPOSE', /EXPOSE requires at least one argument/);
});

// --- LABEL, USER, WORKDIR, VOLUME, STOPSIGNAL ---------------------------------------------------

test('LABEL merges into Labels, overriding existing keys', () => {
  assert.deepEqual(apply({ Labels: { a: '1', b: '2' } }, 'LABEL b=two "c d"="v 3" org.opencontainers.image.title=\'My app\''), {
    Labels: { a: '1', b: 'two', 'c d': 'v 3', 'org.opencontainers.image.title': 'My app' },
  });
});

test('LABEL substitutes variables from Env, and keeps a key such as __proto__ as a key', () => {
  const result = apply({ Env: ['VERSION=1.2.3'] }, 'LABEL version=$VERSION __proto__=x');
  assert.deepEqual(result, { Env: ['VERSION=1.2.3'], Labels: { version: '1.2.3', ['__proto__']: 'x' } });
  assert.equal(Object.getPrototypeOf(result.Labels), Object.prototype);
});

test('USER sets the user, with substitution and inner spaces kept', () => {
  assert.deepEqual(apply({ User: 'root' }, 'USER 1000:1000'), { User: '1000:1000' });
  assert.deepEqual(apply({ Env: ['APP_USER=www'] }, 'USER ${APP_USER}:staff'), { Env: ['APP_USER=www'], User: 'www:staff' });
});

test('WORKDIR absolute paths are cleaned; relative ones resolve against the previous WorkingDir', () => {
  assert.deepEqual(apply({ WorkingDir: '/old' }, 'WORKDIR /srv//app/./x/../'), { WorkingDir: '/srv/app' });
  assert.deepEqual(apply({ WorkingDir: '/srv/app' }, 'WORKDIR ../data'), { WorkingDir: '/srv/data' });
  assert.deepEqual(apply({}, 'WORKDIR app'), { WorkingDir: '/app' });
  assert.deepEqual(apply({}, 'WORKDIR /a', 'WORKDIR b', 'WORKDIR c/..'), { WorkingDir: '/a/b' });
  assert.deepEqual(apply({ Env: ['BASE=/opt'] }, 'WORKDIR "$BASE/my app"'), { Env: ['BASE=/opt'], WorkingDir: '/opt/my app' });
});

test('VOLUME takes space-separated paths or a JSON array and merges them into Volumes', () => {
  assert.deepEqual(apply({ Volumes: { '/data': {} } }, 'VOLUME /var/log /cache'), { Volumes: { '/data': {}, '/var/log': {}, '/cache': {} } });
  assert.deepEqual(apply({}, 'VOLUME ["/a", " /b c "]'), { Volumes: { '/a': {}, '/b c': {} } });
  assert.deepEqual(apply({ Env: ['D=/srv'] }, 'VOLUME $D/data'), { Env: ['D=/srv'], Volumes: { '/srv/data': {} } });
});

test('STOPSIGNAL accepts names with or without SIG, in any case, and numbers, stored as given', () => {
  for (const signal of ['SIGTERM', 'TERM', 'sigquit', 'SIGRTMIN+3', 'RTMAX-1', '9', '37']) {
    assert.deepEqual(apply({ StopSignal: 'SIGKILL' }, `STOPSIGNAL ${signal}`), { StopSignal: signal });
  }
});

test('STOPSIGNAL rejects unknown signals and zero', () => {
  assertInvalid('STOPSIGNAL SIGFOO', /invalid signal: SIGFOO/);
  assertInvalid('STOPSIGNAL 0', /invalid signal: 0/);
  assertInvalid('STOPSIGNAL SIGRTMIN+16', /invalid signal/);
  assertInvalid('STOPSIGNAL SIGTERM now', /invalid signal: SIGTERM now/);
  assertInvalid('STOPSIGNAL $SIG', /invalid signal: NOPE/, { Env: ['SIG=NOPE'] }, 'apply');
});

// --- ONBUILD ------------------------------------------------------------------------------------

test('ONBUILD appends the trigger, as written', () => {
  assert.deepEqual(apply({ OnBuild: ['COPY . /app'] }, 'ONBUILD RUN make install', 'onbuild add ["a", "/b"]'), {
    OnBuild: ['COPY . /app', 'RUN make install', 'add ["a", "/b"]'],
  });
  assert.deepEqual(apply({ OnBuild: null, Env: ['A=1'] }, 'ONBUILD ENV B=$A'), { OnBuild: ['ENV B=$A'], Env: ['A=1'] });
});

test('ONBUILD refuses chaining, FROM and MAINTAINER, and malformed trigger arguments', () => {
  assertInvalid('ONBUILD ONBUILD RUN x', /Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed/);
  assertInvalid('ONBUILD from alpine', /FROM isn't allowed as an ONBUILD trigger/);
  assertInvalid('ONBUILD MAINTAINER me', /MAINTAINER isn't allowed as an ONBUILD trigger/);
  assertInvalid('ONBUILD', /ONBUILD requires at least one argument/);
  assertInvalid('ONBUILD RUN [1, 2]', /arrays must be comprised of strings only/);
  assertInvalid('ONBUILD ENV A', /ENV must have two arguments/);
});

// --- Errors -------------------------------------------------------------------------------------

test('instructions that are not changes are refused with Docker\'s words', () => {
  assertInvalid('RUN apt-get update', /run is not a valid change command/);
  assertInvalid('COPY . /app', /copy is not a valid change command/);
  assertInvalid('FROM alpine', /from is not a valid change command/);
  assertInvalid('SHELL ["bash", "-c"]', /shell is not a valid change command/);
  assertInvalid('BOGUS x', /bogus is not a valid change command; use one of CMD, ENTRYPOINT/);
  assertInvalid('HEALTHCHECK NONE', /HEALTHCHECK is a valid change for Docker but Stevedore does not support it/);
});

test('instructions without the arguments they need are refused', () => {
  assertInvalid('CMD', /CMD requires at least one argument; use CMD \[\] to clear it/);
  assertInvalid('ENTRYPOINT   ', /ENTRYPOINT requires at least one argument/);
  assertInvalid('ENV', /ENV requires at least one argument/);
  assertInvalid('LABEL', /LABEL requires at least one argument/);
  assertInvalid('USER', /USER requires exactly one argument/);
  assertInvalid('WORKDIR', /WORKDIR requires exactly one argument/);
  assertInvalid('STOPSIGNAL', /STOPSIGNAL requires exactly one argument/);
  assertInvalid('VOLUME', /VOLUME requires at least one argument/);
  assertInvalid('VOLUME []', /VOLUME requires at least one argument/);
  assertInvalid('VOLUME ["/a", "  "]', /VOLUME specified can not be an empty string/);
  assertInvalid('VOLUME $EMPTY', /VOLUME specified can not be an empty string/, {}, 'apply');
  assertInvalid('WORKDIR $EMPTY', /WORKDIR needs a path/, {}, 'apply');
});

test('malformed arguments are refused when the change is parsed', () => {
  assertInvalid('CMD ["a", 1]', /arrays must be comprised of strings only/);
  assertInvalid('ENTRYPOINT [null]', /arrays must be comprised of strings only/);
  assertInvalid('ENV A=1 B', /can't find = in "B"/);
  assertInvalid('ENV =x', /ENV names can not be blank/);
  assertInvalid('ENV A', /ENV must have two arguments/);
  assertInvalid('ENV A="unterminated', /failed to process "\\"unterminated": unexpected end of statement while looking for matching double-quote/);
  assertInvalid("LABEL a='open", /matching single-quote/);
  assertInvalid('ENV A=${B', /syntax error: missing '}'/);
  assertInvalid('ENV A=${}', /bad substitution/);
  assertInvalid('ENV A=${B!x}', /unsupported modifier \(!\) in substitution/);
  assertInvalid('CMD --help', /unknown flag: help/);
  assertInvalid('ENV --from=x A=1', /unknown flag: from/);
});

test('empty, comment and multi-line changes are refused', () => {
  assertInvalid('', /the change is empty/);
  assertInvalid('   ', /the change is empty/);
  assertInvalid('# a comment', /a comment is not an instruction/);
  assert.throws(() => parseChange('ENV A=1\nCMD ["x"]'), (err: unknown) => err instanceof StevedoreError && /one instruction on one line/.test(err.message));
});

test('problems that depend on variables surface when applied, naming the change', () => {
  // Quoted: like Docker, ENV splits words at spaces before it looks at ${…}.
  assertInvalid('ENV A="${REQUIRED:?set REQUIRED first}"', /REQUIRED: set REQUIRED first/, {}, 'apply');
  assertInvalid('ENV A=${EMPTY:?}', /EMPTY: is not allowed to be empty/, { Env: ['EMPTY='] }, 'apply');
  assertInvalid('ENV A=${UNSET?}', /UNSET: is not allowed to be unset/, {}, 'apply');
  assertInvalid('EXPOSE $PORT', /invalid containerPort: http/, { Env: ['PORT=http'] }, 'apply');
  assertInvalid('ENV A=${P#\\x}', /invalid escape/, { Env: ['P=v'] }, 'apply');
});

test('errors carry the change in their detail', () => {
  assert.throws(
    () => parseChange('  EXPOSE nope  '),
    (err: unknown) => err instanceof StevedoreError && err.code === 'INVALID_CHANGE' && err.detail?.['change'] === 'EXPOSE nope',
  );
});

// --- The parsed form and immutability -----------------------------------------------------------

test('parseChange returns the instruction, the trimmed original and the words as written', () => {
  assert.deepEqual(parseChange('  cmd ["a"] '), { instruction: 'CMD', original: 'cmd ["a"]', form: 'exec', args: ['a'] });
  assert.deepEqual(parseChange('ENTRYPOINT run it'), { instruction: 'ENTRYPOINT', original: 'ENTRYPOINT run it', form: 'shell', args: ['run it'] });
  assert.deepEqual(parseChange('ENV A="b c" D=$E'), { instruction: 'ENV', original: 'ENV A="b c" D=$E', pairs: [{ key: 'A', value: '"b c"' }, { key: 'D', value: '$E' }] });
  assert.deepEqual(parseChange('EXPOSE 80  443/udp'), { instruction: 'EXPOSE', original: 'EXPOSE 80  443/udp', items: ['80', '443/udp'] });
  assert.deepEqual(parseChange('WORKDIR /my dir'), { instruction: 'WORKDIR', original: 'WORKDIR /my dir', word: '/my dir' });
  assert.deepEqual(parseChange('ONBUILD  RUN x'), { instruction: 'ONBUILD', original: 'ONBUILD  RUN x', trigger: 'RUN x' });
});

test('applyChanges never modifies its input and shares no objects with it', () => {
  const input = deepFreeze<ContainerConfig>({
    User: 'root',
    Env: ['PATH=/usr/bin', 'A=1'],
    Cmd: ['sh'],
    Entrypoint: ['/entry'],
    ExposedPorts: { '80/tcp': {} },
    Volumes: { '/data': {} },
    Labels: { a: '1' },
    WorkingDir: '/srv',
    OnBuild: ['RUN x'],
    Healthcheck: { Test: ['CMD', 'true'], Interval: 1_000_000_000 },
    ArgsEscaped: true,
  });
  const snapshot = structuredClone(input);
  const lines = ['ENV A=2 B=3', 'EXPOSE 443', 'VOLUME /logs', 'LABEL b=2', 'WORKDIR app', 'ONBUILD RUN y', 'USER app', 'STOPSIGNAL TERM', 'ENTRYPOINT ["/e"]', 'CMD ["c"]'];
  const result = apply(input, ...lines);
  assert.deepEqual(input, snapshot);
  assert.deepEqual(result, {
    User: 'app',
    Env: ['PATH=/usr/bin', 'A=2', 'B=3'],
    Cmd: ['c'],
    Entrypoint: ['/e'],
    ExposedPorts: { '80/tcp': {}, '443/tcp': {} },
    Volumes: { '/data': {}, '/logs': {} },
    Labels: { a: '1', b: '2' },
    WorkingDir: '/srv/app',
    OnBuild: ['RUN x', 'RUN y'],
    Healthcheck: { Test: ['CMD', 'true'], Interval: 1_000_000_000 },
    StopSignal: 'TERM',
  });
  assert.notEqual(result.Healthcheck, input.Healthcheck);
});

test('applying no changes returns an equal copy, not the input', () => {
  const input: ContainerConfig = { Env: ['A=1'], Labels: { x: 'y' } };
  const result = applyChanges(input, []);
  assert.deepEqual(result, input);
  assert.notEqual(result, input);
  assert.notEqual(result.Env, input.Env);
});
