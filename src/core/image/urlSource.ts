// Reads an import source from an http(s) URL with undici, following redirects, through a proxy
// when the proxy settings say so.

import type { Dispatcher } from 'undici';
import { dispatcherFor, proxyOrThrow } from '../registry/dispatchers';
import { loadUndici } from '../registry/loadUndici';
import type { ProxySettings } from '../registry/proxySettings';
import { StevedoreError } from '../errors';

/** `proxy`: HTTP(S) proxy settings, as the registry client takes them. */
export async function openUrl(url: string, signal?: AbortSignal, proxy?: ProxySettings): Promise<AsyncIterable<Uint8Array>> {
  return (await fetchUrl(url, signal, proxy)).body;
}

export interface FetchedUrl {
  body: AsyncIterable<Uint8Array>;
  /** The Last-Modified header, when the server sent one that parses. */
  lastModified?: Date;
  /** The Content-Disposition header's file name, when there is one. */
  dispositionName?: string;
}

/** The response to a GET of `url` (redirects followed), streamed, with the headers `ADD URL` needs. */
export async function fetchUrl(url: string, signal?: AbortSignal, proxy?: ProxySettings): Promise<FetchedUrl> {
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
  const modified = response.headers.get('last-modified');
  const lastModified = modified ? new Date(modified) : undefined;
  const disposition = /filename="?([^";]+)"?/i.exec(response.headers.get('content-disposition') ?? '')?.[1];
  return {
    body: dispatcher ? closingAfter(response.body, dispatcher) : response.body,
    ...(lastModified && !Number.isNaN(lastModified.getTime()) ? { lastModified } : {}),
    ...(disposition ? { dispositionName: disposition } : {}),
  };
}

async function* closingAfter(body: AsyncIterable<Uint8Array>, dispatcher: Dispatcher): AsyncIterable<Uint8Array> {
  try {
    yield* body;
  } finally {
    await dispatcher.close().catch(() => undefined);
  }
}
