// copy's locations in skopeo's syntax: docker:// is a registry and oci: a layout folder, while
// the words that are also image names (docker:24, oci:latest) stay the store's; transports copy
// does not take say which it does.

import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseImageLocation } from '../../src/core/copy/imageLocation';
import { StevedoreError } from '../../src/core/errors';
import { tempDir } from '../helpers/fixtures';

describe('copy locations', () => {
  let dir: { path: string; cleanup: () => Promise<void> };
  const cwd = process.cwd();
  before(async () => {
    dir = await tempDir('locations-');
    await mkdir(join(dir.path, 'layout'));
    process.chdir(dir.path);
  });
  after(async () => {
    process.chdir(cwd);
    await dir.cleanup();
  });

  it('reads registries, layout folders and archives, and leaves image names to the store', () => {
    assert.deepEqual(parseImageLocation('docker://localhost:5000/team/app:1'), { kind: 'registry', name: 'localhost:5000/team/app:1' });
    assert.deepEqual(parseImageLocation('docker:24'), { kind: 'store', name: 'docker:24' });
    assert.deepEqual(parseImageLocation('oci:/tmp/x:latest'), { kind: 'archive', format: 'oci', path: '/tmp/x', name: 'latest' });
    assert.deepEqual(parseImageLocation('oci:./new'), { kind: 'archive', format: 'oci', path: './new' });
    assert.deepEqual(parseImageLocation('oci:layout'), { kind: 'archive', format: 'oci', path: 'layout' }, 'an existing folder');
    assert.deepEqual(parseImageLocation('oci:latest'), { kind: 'store', name: 'oci:latest' }, 'no such folder: the image oci:latest');
    assert.deepEqual(parseImageLocation('docker-archive:/tmp/a.tar:app:1'), { kind: 'archive', format: 'docker-archive', path: '/tmp/a.tar', name: 'app:1' });
  });

  it('says which transports there are, and what a bad registry reference should look like', () => {
    const fails = (text: string, message: RegExp): void => assert.throws(() => parseImageLocation(text), (err: unknown) => err instanceof StevedoreError && message.test(err.message), text);
    fails('dir:/tmp/x', /The dir: transport is not supported by copy\. Supported: stevedore:, docker-daemon:, podman:, docker-archive:, oci-archive:, oci:, docker:\/\/\./);
    fails('docker://UPPER/Case', /not a valid image reference: write docker:\/\/REGISTRY\/REPOSITORY\[:TAG\]/);
    fails('oci-archive:', /names no file: write oci-archive:PATH\[:NAME\]/);
  });
});
