// Where `copy` reads an image from or writes it to, in skopeo's transport syntax so that people
// who know skopeo need nothing new:
//   stevedore:NAME or a bare NAME      the Stevedore store
//   docker-daemon:NAME                 the Docker engine (DOCKER_HOST, contexts, as the docker CLI)
//   podman:NAME                        Podman's API service (CONTAINER_HOST, its sockets)
//   docker-archive:PATH[:NAME]         a `docker save` archive
//   oci-archive:PATH[:NAME]            an OCI layout in a tar
//   oci:DIR[:NAME]                     an OCI layout folder (NAME: its ref.name, e.g. "latest")
//   docker://REFERENCE                 a registry (TLS, credentials and insecure registries as pull and push)
// As in skopeo, the path of an archive ends at its first ":", and a transport prefix wins over a
// reference that happens to start with the same word (write stevedore:podman:4 for the store's image
// "podman:4").

import { existsSync } from 'node:fs';
import { StevedoreError } from '../errors';
import { tryParseReference } from '../reference/reference';
import type { EngineKind } from '../engine/engineEndpoint';

/** A destination's `name` may be left out by callers (not the CLI): the image keeps the names it comes with. */
export type ImageLocation =
  | { kind: 'store'; name: string }
  // `endpoint` picks one of several engines of a kind for callers that know several (the extension's
  // added endpoints); their `engine` callback is given it.
  | { kind: 'engine'; engine: EngineKind; name: string; endpoint?: string }
  | { kind: 'archive'; format: 'docker-archive' | 'oci-archive' | 'oci'; path: string; name?: string }
  | { kind: 'registry'; name: string };

const TRANSPORTS = 'stevedore:, docker-daemon:, podman:, docker-archive:, oci-archive:, oci:, docker://';

export function parseImageLocation(text: string): ImageLocation {
  const colon = text.indexOf(':');
  const transport = colon > 0 ? text.slice(0, colon) : '';
  const rest = text.slice(colon + 1);
  switch (transport) {
    case 'stevedore':
      return { kind: 'store', name: requireName(rest, text) };
    case 'docker-daemon':
      return { kind: 'engine', engine: 'docker', name: requireName(rest, text) };
    case 'podman':
      return { kind: 'engine', engine: 'podman', name: requireName(rest, text) };
    case 'docker-archive':
    case 'oci-archive':
    case 'oci': {
      // "oci:latest" is also a reference (the image "oci" of the store): it is a folder only when
      // written as a path ("/", ".") or when such a folder exists; oci:./NAME names a new one.
      if (transport === 'oci' && !/^[./~]|\//.test(rest) && !existsSync(rest.split(':')[0]!) && tryParseReference(text)) return { kind: 'store', name: text };
      const split = rest.indexOf(':');
      const path = split < 0 ? rest : rest.slice(0, split);
      const name = split < 0 ? undefined : rest.slice(split + 1);
      if (!path) throw new StevedoreError('INVALID_ARGUMENT', `"${text}" names no ${transport === 'oci' ? 'folder' : 'file'}: write ${transport}:${transport === 'oci' ? 'DIR' : 'PATH'}[:NAME].`);
      return { kind: 'archive', format: transport, path, ...(name ? { name: requireName(name, text) } : {}) };
    }
    case 'docker':
      // "docker:24" is also a reference (the image "docker" of the store); only docker:// is the registry.
      if (!rest.startsWith('//')) return { kind: 'store', name: text };
      if (!tryParseReference(rest.slice(2))) throw new StevedoreError('INVALID_REFERENCE', `"${rest.slice(2)}" in "${text}" is not a valid image reference: write docker://REGISTRY/REPOSITORY[:TAG].`);
      return { kind: 'registry', name: rest.slice(2) };
    case 'containers-storage':
    case 'dir':
      if (tryParseReference(text)) return { kind: 'store', name: text };
      throw new StevedoreError('UNSUPPORTED', `The ${transport}: transport is not supported by copy. Supported: ${TRANSPORTS}.`);
    default:
      // A bare reference ("busybox:1.36", "localhost:5000/app") is the store; its colon is a tag or port.
      if (tryParseReference(text)) return { kind: 'store', name: text };
      throw new StevedoreError('INVALID_ARGUMENT', `"${text}" is neither an image reference nor TRANSPORT:NAME (transports: ${TRANSPORTS}).`);
  }
}

function requireName(name: string, text: string): string {
  if (!name) throw new StevedoreError('INVALID_ARGUMENT', `"${text}" names no image.`);
  return name;
}


export function describeLocation(location: ImageLocation): string {
  switch (location.kind) {
    case 'store':
      return `the Stevedore store (${location.name})`;
    case 'engine':
      return `${location.endpoint ?? (location.engine === 'podman' ? 'Podman' : 'Docker')} (${location.name})`;
    case 'archive':
      return `${location.path}${location.name ? ` (${location.name})` : ''}`;
    case 'registry':
      return location.name;
  }
}
