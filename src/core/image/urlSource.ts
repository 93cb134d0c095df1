// Reads an import source from an http(s) URL with undici, following redirects, through a proxy
// when the proxy settings say so.

import type { Dispatcher } from 'undici';
import { proxyOrThrow, trustingDispatcher } from '../registry/dispatchers';
import { loadUndici } from '../registry/loadUndici';
import { proxySettingsFromEnv, type ProxySettings } from '../registry/proxySettings';
import { StevedoreError } from '../errors';
import { deferredCaFile } from '../http/deferredCaEnv';

/** How URLs are reached: the proxy settings, as the registry client takes them, and extra CAs (RegistryOptions.extraCaFile). */
export interface UrlAccess {
  proxy?: ProxySettings;
  extraCaFile?: string;
}

/** What the CLI's environment says: HTTPS_PROXY / HTTP_PROXY / NO_PROXY, and deferred NODE_EXTRA_CA_CERTS. */
export function urlAccessFromEnv(env: NodeJS.ProcessEnv): UrlAccess {
  const extraCaFile = deferredCaFile(env);
  return { proxy: proxySettingsFromEnv(env), ...(extraCaFile ? { extraCaFile } : {}) };
}

export async function openUrl(url: string, signal?: AbortSignal, access: UrlAccess = {}): Promise<AsyncIterable<Uint8Array>> {
  return (await fetchUrl(url, signal, access)).body;
}

export interface FetchedUrl {
  body: AsyncIterable<Uint8Array>;
  /** The Last-Modified header, when the server sent one that parses. */
  lastModified?: Date;
  /** The Content-Disposition header's file name, when there is one. */
  dispositionName?: string;
}

/** The response to a GET of `url` (redirects followed), streamed, with the headers `ADD URL` needs. */
export async function fetchUrl(url: string, signal?: AbortSignal, access: UrlAccess = {}): Promise<FetchedUrl> {
  let response;
  let dispatcher: Dispatcher | undefined;
  try {
    const target = new URL(url);
    // Without a proxy or deferred CAs (an http URL may redirect to https), undici's shared
    // dispatcher does: nothing of ours to close afterwards.
    if (proxyOrThrow(target, access.proxy) || access.extraCaFile) dispatcher = await trustingDispatcher(target, access.proxy, access.extraCaFile);
    const { fetch } = await loadUndici();
    response = await fetch(url, { redirect: 'follow', ...(dispatcher ? { dispatcher } : {}), ...(signal ? { signal } : {}) });
  } catch (err) {
    await dispatcher?.close().catch(() => undefined);
    if (err instanceof StevedoreError) throw err;
    // fetch says only "fetch failed"; what failed (a refused connection, an untrusted certificate) is its cause.
    const cause = (err as Error).cause instanceof Error ? ((err as Error).cause as Error) : (err as Error);
    throw new StevedoreError('NETWORK_ERROR', `Could not download ${url}: ${cause.message}. Check the address and your network.`, { cause: err, temporary: true });
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
