// undici is a third of the bundle; commands that never touch the network (images, tag, inspect, the
// extension's tree) should not pay for it at start-up. And those that do need only its dispatchers:
// undici's index also evaluates fetch, WebSocket, EventSource, cookies, the mock agents and the
// cache, which pulls in Node's own copy of undici and worker_threads (over 100 ms of CPU for a
// `pull` that finds everything present). So the dispatchers are loaded from their own modules,
// with the request API added to them as undici's index does; fetch (import from a URL) loads the
// whole of undici when it is first called.

export type Undici = typeof import('undici');
export type UndiciCore = Pick<Undici, 'Agent' | 'fetch'>;

let core: Promise<UndiciCore> | undefined;

export function loadUndici(): Promise<UndiciCore> {
  core ??= loadCore();
  return core;
}

/** The ProxyAgent, loaded only when a proxy is set (it brings undici's SOCKS5 client with it). */
export async function loadProxyAgent(): Promise<Undici['ProxyAgent']> {
  await loadUndici();
  return (await import('undici/lib/dispatcher/proxy-agent.js')).default as Undici['ProxyAgent'];
}

async function loadCore(): Promise<UndiciCore> {
  // CommonJS modules: each one's exports arrive as `default`.
  const [dispatcher, api, agent] = (await Promise.all([import('undici/lib/dispatcher/dispatcher.js'), import('undici/lib/api/index.js'), import('undici/lib/dispatcher/agent.js')])).map((m) => m.default);
  // What undici's index does: request(), stream(), pipeline(), upgrade(), connect() on every dispatcher.
  Object.assign((dispatcher as { prototype: object }).prototype, api);
  const fetch: Undici['fetch'] = async (...args) => (await import('undici')).fetch(...args);
  return { Agent: agent as Undici['Agent'], fetch };
}
