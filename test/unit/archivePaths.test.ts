import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ArchiveLinks, normaliseArchivePath } from '../../src/core/archive/archivePaths';
import type { StevedoreError } from '../../src/core/errors';

const WHAT = 'x.tar';

describe('archive paths', () => {
  it('normalises names to plain relative paths', () => {
    assert.equal(normaliseArchivePath('./manifest.json', WHAT), 'manifest.json');
    assert.equal(normaliseArchivePath('blobs//sha256/./abc', WHAT), 'blobs/sha256/abc');
    assert.equal(normaliseArchivePath('dir/', WHAT), 'dir');
    assert.equal(normaliseArchivePath('./', WHAT), '');
    assert.equal(normaliseArchivePath('win\\style\\path', WHAT), 'win/style/path');
  });

  it('refuses absolute names, .. and NUL bytes, naming the entry', () => {
    assert.throws(() => normaliseArchivePath('/etc/passwd', WHAT), (e: StevedoreError) => e.code === 'INVALID_ARCHIVE' && e.message.includes('"/etc/passwd"'));
    assert.throws(() => normaliseArchivePath('a/../../b', WHAT), /climbs out of its root: "a\/\.\.\/\.\.\/b"/);
    assert.throws(() => normaliseArchivePath('a/..', WHAT), /climbs out/);
    assert.throws(() => normaliseArchivePath('..\\evil', WHAT), /climbs out/);
    assert.throws(() => normaliseArchivePath('a\0b', WHAT), /NUL byte/);
  });
});

describe('archive links', () => {
  it('follows relative symlinks from the link\'s folder, as Docker 25 and podman write them', () => {
    const links = new ArchiveLinks(WHAT);
    links.addSymlink('abc/layer.tar', '../blobs/sha256/def');
    assert.equal(links.resolve('abc/layer.tar'), 'blobs/sha256/def');
    assert.equal(links.resolve('other/file'), 'other/file');
  });

  it('follows symlinked folders and chains, and hard links from the root', () => {
    const links = new ArchiveLinks(WHAT);
    links.addSymlink('b', 'blobs/sha256');
    links.addSymlink('l1', 'l2');
    links.addSymlink('l2', 'b/abc');
    links.addHardlink('h', 'blobs/sha256/abc');
    assert.equal(links.resolve('b/abc'), 'blobs/sha256/abc');
    assert.equal(links.resolve('l1'), 'blobs/sha256/abc');
    assert.equal(links.resolve('h'), 'blobs/sha256/abc');
  });

  it('refuses links whose text leads out of the archive, naming the entry', () => {
    const links = new ArchiveLinks(WHAT);
    assert.throws(() => links.addSymlink('x/layer.tar', '../../etc/passwd'), (e: StevedoreError) => e.code === 'INVALID_ARCHIVE' && /link "x\/layer\.tar" that points outside the archive \("\.\.\/\.\.\/etc\/passwd"\)/.test(e.message));
    assert.throws(() => links.addSymlink('layer.tar', '/etc/passwd'), /points outside the archive/);
    assert.throws(() => links.addHardlink('h', '../etc/passwd'), /points outside the archive/);
    assert.throws(() => links.addSymlink('empty', ''), /empty or invalid target/);
  });

  it('catches escapes that only show through another link', () => {
    const links = new ArchiveLinks(WHAT);
    links.addSymlink('deep/up', '..');
    links.addSymlink('deep/esc', 'up/..');
    assert.throws(() => links.resolve('deep/esc/etc/passwd'), /leads out of the archive/);
  });

  it('refuses link loops instead of spinning', () => {
    const links = new ArchiveLinks(WHAT);
    links.addSymlink('a', 'b');
    links.addSymlink('b', 'a');
    assert.throws(() => links.resolve('a'), /too many levels of links/);
  });
});
