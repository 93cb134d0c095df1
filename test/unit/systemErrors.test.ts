import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { StevedoreError } from '../../src/core/errors';
import { explainSystemError } from '../../src/core/systemErrors';
import { tempDir } from '../helpers/fixtures';

function errno(code: string, syscall: string, path?: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: ${syscall} '${path ?? ''}'`), { code, syscall, ...(path ? { path } : {}) });
}

test('a full disk is DISK_FULL even when a reader wrapped it as a bad archive', () => {
  const wrapped = new StevedoreError('INVALID_ARCHIVE', 'rootfs.tar is not a valid tar archive (ENOSPC: no space left on device, write)', { cause: errno('ENOSPC', 'write') });
  const explained = explainSystemError(wrapped, '/store');
  assert.equal(explained?.code, 'DISK_FULL');
  assert.equal(explained?.message, 'The disk is full. Free some space on it, then try again.');
  assert.equal(explainSystemError(errno('EDQUOT', 'write', '/store/stevedore/ingest/x'))?.message, 'The disk is full (writing /store/stevedore/ingest/x). Free some space on it, then try again.');
});

test('a read-only or forbidden store is STORE_NOT_WRITABLE; a forbidden input file outside the store is left alone', () => {
  const ro = explainSystemError(errno('EROFS', 'mkdir', '/store/stevedore/lock.pending-1-a'), '/store');
  assert.equal(ro?.code, 'STORE_NOT_WRITABLE');
  assert.match(ro!.message, /^The image store \/store is not writable: it is on a read-only file system \(\/store\/stevedore\/lock\.pending-1-a\)\. Make it writable/);
  assert.match(explainSystemError(errno('EACCES', 'open', '/store/index.json.tmp-1'), '/store')!.message, /not writable: permission denied/);
  assert.equal(explainSystemError(errno('EACCES', 'open', '/home/me/rootfs.tar'), '/store'), undefined);
  assert.equal(explainSystemError(errno('EACCES', 'open', '/home/me/rootfs.tar')), undefined);
  assert.equal(explainSystemError(errno('ENOENT', 'open', '/store/x'), '/store'), undefined);
  assert.equal(explainSystemError(new Error('plain')), undefined);
});

test('a store path that is a file, or under one, is STORE_NOT_DIRECTORY naming the file', async () => {
  const dir = await tempDir();
  try {
    const file = join(dir.path, 'file');
    await writeFile(file, 'x');
    const explained = explainSystemError(errno('ENOTDIR', 'mkdir', join(file, 'sub', 'stevedore')), join(file, 'sub'));
    assert.equal(explained?.code, 'STORE_NOT_DIRECTORY');
    assert.equal(explained?.message, `The image store path ${join(file, 'sub')} is not a folder: ${file} is a file. Point --store (or STEVEDORE_STORE, or the stevedore.storePath setting) at a folder.`);
    // ENOTDIR about some other path (an input) is not the store's problem.
    assert.equal(explainSystemError(errno('ENOTDIR', 'open', join(file, 'x')), join(dir.path, 'store')), undefined);
  } finally {
    await dir.cleanup();
  }
});
