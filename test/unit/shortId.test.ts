import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { shortDigest, shortId } from '../../src/core/shortId';

const HEX = '0123456789abcdef'.repeat(4);

describe('shortId', () => {
  it('cuts an image digest to the 12 hex digits docker images prints', () => {
    assert.equal(shortId(`sha256:${HEX}`), '0123456789ab');
  });

  it('cuts a bare container ID the same way', () => {
    assert.equal(shortId(HEX), '0123456789ab');
  });

  it('keeps the algorithm of a sha512 digest out of the short form', () => {
    assert.equal(shortId(`sha512:${HEX}${HEX}`), '0123456789ab');
  });
});

describe('shortDigest', () => {
  it('keeps the algorithm and 12 hex digits', () => {
    assert.equal(shortDigest(`sha256:${HEX}`), 'sha256:0123456789ab');
  });

  it('cuts a bare hex ID to 12 digits', () => {
    assert.equal(shortDigest(HEX), '0123456789ab');
  });
});
