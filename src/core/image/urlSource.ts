// Reads an import source from an http(s) URL with undici, following redirects, through a proxy
// when the proxy settings say so.

import type { Dispatcher } from 'undici';
import { dispatcherFor, proxyOrThrow } from '../registry/dispatchers';
import { loadUndici } from '../registry/loadUndici';
import type { ProxySettings } from '../registry/proxySettings';
import { StevedoreError } from '../errors';

/** `proxy`: HTTP(S) proxy settings, as the registry client takes them. */
export async function openUrl(url: string, signal?: AbortSignal, proxy?: ProxySettings): Promise<AsyncIterable<Uint8Array>> {
  let response;
  let dispatcher: Dispatcher | undefined;
  try {
    const target = new URL(url);
    const via = proxyOrThrow(target, proxy);
    // Without a proxy, undici's shared dispatcher does: nothing of ours to close afterwards.
    if (via) dispatcher = await dispatcherFor(target, {}, via);
    const { fetch } = await loadUndici();
    response = await fetch(url, { redirect: 'follow', ...(dispatcher ? { dispatcher } : {}), ...(signal ? { signal } : {}) });
  } catch (err) {
    await dispatcher?.close().catch(() => undefined);
    if (err instanceof StevedoreError) throw err;
    throw new StevedoreError('NETWORK_ERROR', `Could not download ${url}: ${(err as Error).message}. Check the address and your network.`, { cause: err, temporary: true });
  }
  if (!response.ok || !response.body) {
    await dispatcher?.close().catch(() => undefined);
    throw new StevedoreError('NETWORK_ERROR', `Could not download ${url}: the server answered ${response.status} ${response.statusText}.`);
  }
  return dispatcher ? closingAfter(response.body, dispatcher) : response.body;
}

async function* closingAfter(body: AsyncIterable<Uint8Array>, dispatcher: Dispatcher): AsyncIterable<Uint8Array> {
  try {
    yield* body;
  } finally {
    await dispatcher.close().catch(() => undefined);
  }
}
