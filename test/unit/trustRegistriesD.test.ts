// registries.d as the containers tools read it: which folder, lookaside and staging URLs per scope
// (new and old key names), use-sigstore-attachments, c/image's signature URLs, and typed errors.

import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { StevedoreError } from '../../src/core/errors';
import { parseReference } from '../../src/core/reference/reference';
import {
  loadRegistriesConfig,
  lookasideFor,
  lookasideSignatureUrl,
  lookasideStagingFor,
  registriesDirFor,
  SYSTEM_REGISTRIES_D,
  useSigstoreAttachments,
  type RegistriesConfig,
} from '../../src/core/trust/registriesD';
import { mergeRegistriesFile } from '../../src/core/trust/registriesYaml';
import { tempDir } from '../helpers/fixtures';

const empty = (): RegistriesConfig => ({ dir: 'd', defaultDocker: undefined, docker: {} });

describe('registries.d', () => {
  it('uses the user folder when it exists, else the system one, and reads every .yaml file', async () => {
    const dir = await tempDir();
    try {
      const env = { HOME: join(dir.path, 'home') };
      assert.equal(await registriesDirFor(env), SYSTEM_REGISTRIES_D);
      const user = join(dir.path, 'home', '.config', 'containers', 'registries.d');
      await mkdir(user, { recursive: true });
      assert.equal(await registriesDirFor(env), user);
      await writeFile(join(user, 'a.yaml'), 'default-docker:\n  lookaside: file:///var/lib/sigs\n');
      await writeFile(join(user, 'b.yaml'), 'docker:\n  example.com/team:\n    sigstore: https://sigs.example.com/store\n');
      await writeFile(join(user, 'ignored.yml.txt'), 'not: [yaml');
      const config = await loadRegistriesConfig(env);
      assert.equal(lookasideFor(config, parseReference('example.com/team/app:1')), 'https://sigs.example.com/store');
      assert.equal(lookasideFor(config, parseReference('busybox')), 'file:///var/lib/sigs');
      delete config.defaultDocker;
      // Nothing configured for quay.io: c/image's built-in folder, the rootless one unless root.
      const builtin = lookasideFor(config, parseReference('quay.io/a/b'));
      assert.equal(builtin, process.getuid?.() === 0 ? 'file:///var/lib/containers/sigstore' : `file://${env.HOME}/.local/share/containers/sigstore`);
      await assert.rejects(loadRegistriesConfig(env, join(dir.path, 'nowhere')), (e: StevedoreError) => e.code === 'INVALID_POLICY');
    } finally {
      await dir.cleanup();
    }
  });

  it('picks the most specific scope that sets each value; newer key names win over the older ones', () => {
    const config = empty();
    mergeRegistriesFile(
      config,
      [
        'default-docker:',
        '  sigstore-staging: file:///staging',
        'docker:',
        '  example.com:',
        '    lookaside: http://127.0.0.1:9/sigs',
        '    sigstore: http://old.example/sigs',
        '    use-sigstore-attachments: true',
        '  example.com/team/app:',
        '    use-sigstore-attachments: false',
        '  example.com/team/other:',
        '    lookaside-staging: file:///other-staging',
      ].join('\n'),
      'x.yaml',
    );
    const app = parseReference('example.com/team/app:1.0');
    const other = parseReference('example.com/team/other:1.0');
    assert.equal(lookasideFor(config, app), 'http://127.0.0.1:9/sigs');
    assert.equal(useSigstoreAttachments(config, app), false);
    assert.equal(useSigstoreAttachments(config, other), true);
    assert.equal(useSigstoreAttachments(config, parseReference('quay.io/a/b')), false);
    assert.equal(lookasideStagingFor(config, other), 'file:///other-staging');
    assert.equal(lookasideStagingFor(config, app), 'http://127.0.0.1:9/sigs');
    assert.equal(lookasideStagingFor(config, parseReference('quay.io/a/b')), 'file:///staging');
  });

  it('names signatures as c/image does: BASE/PATH@sha256=HEX/signature-N', () => {
    const digest = `sha256:${'c'.repeat(64)}`;
    assert.equal(lookasideSignatureUrl('file:///var/lib/sigs/', parseReference('busybox'), digest, 1).href, `file:///var/lib/sigs/library/busybox@sha256=${'c'.repeat(64)}/signature-1`);
    assert.equal(lookasideSignatureUrl('http://127.0.0.1:8080', parseReference('127.0.0.1:5000/team/app:1'), digest, 3).href, `http://127.0.0.1:8080/team/app@sha256=${'c'.repeat(64)}/signature-3`);
  });

  it('refuses malformed files with a typed error naming the file', () => {
    const cases: [string, RegExp][] = [
      ['docker: [1, 2', /not valid YAML/],
      ['- a\n- b', /the file must be a mapping/],
      ['default-docker:\n  lookaside: /var/lib/sigs', /not an absolute URL/],
      ['default-docker:\n  lookaside: ftp://x/y', /must be a file:\/\/, http:\/\/ or https:\/\/ URL/],
      ['default-docker:\n  use-sigstore-attachments: yes please', /must be true or false/],
    ];
    for (const [text, expected] of cases) {
      assert.throws(() => mergeRegistriesFile(empty(), text, '/etc/r.d/x.yaml'), (e: StevedoreError) => e.code === 'INVALID_POLICY' && expected.test(e.message) && e.message.includes('/etc/r.d/x.yaml'), text);
    }
    const config = empty();
    const seen = new Map<string, string>();
    mergeRegistriesFile(config, 'docker:\n  example.com:\n    lookaside: file:///a', 'a.yaml', seen);
    assert.throws(() => mergeRegistriesFile(config, 'docker:\n  example.com:\n    lookaside: file:///b', 'b.yaml', seen), /which a\.yaml already configures/);
  });
});
