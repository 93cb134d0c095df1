// Reads an import source from an http(s) URL with undici, following redirects.

import { loadUndici } from '../registry/loadUndici';
import { StevedoreError } from '../errors';

export async function openUrl(url: string, signal?: AbortSignal): Promise<AsyncIterable<Uint8Array>> {
  let response;
  try {
    const { fetch } = await loadUndici();
    response = await fetch(url, { redirect: 'follow', ...(signal ? { signal } : {}) });
  } catch (err) {
    throw new StevedoreError('NETWORK_ERROR', `Could not download ${url}: ${(err as Error).message}. Check the address and your network.`, { cause: err, temporary: true });
  }
  if (!response.ok || !response.body) {
    throw new StevedoreError('NETWORK_ERROR', `Could not download ${url}: the server answered ${response.status} ${response.statusText}.`);
  }
  return response.body;
}
