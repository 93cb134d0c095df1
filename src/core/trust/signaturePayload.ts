// The signed claims inside a signature: the JSON "simple signing" payload that both the containers
// tools' GPG signatures ("atomic container signature") and cosign's signatures ("cosign container
// image signature") carry. Read as strictly as c/image reads it: exactly the fields it defines in
// `critical`, so a signature cannot smuggle in claims a verifier would ignore.

export const ATOMIC_SIGNATURE_TYPE = 'atomic container signature';
export const COSIGN_SIGNATURE_TYPE = 'cosign container image signature';

export interface SignedClaims {
  /** critical.identity.docker-reference: the reference the signer signed the image as. */
  dockerReference: string;
  /** critical.image.docker-manifest-digest: the manifest the signature covers. */
  manifestDigest: string;
}

/** A signature that cannot be read (bad JSON, missing or extra fields); the message says which. */
export class MalformedSignature extends Error {}

export function parseSignedClaims(bytes: Uint8Array, type: string): SignedClaims {
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch {
    throw new MalformedSignature('the signed payload is not JSON');
  }
  const top = exactObject(json, ['critical', 'optional'], 'the payload', ['optional']);
  // cosign writes "optional": null when it has nothing to add.
  if (top.optional !== undefined && top.optional !== null && (typeof top.optional !== 'object' || Array.isArray(top.optional))) {
    throw new MalformedSignature('"optional" is not a JSON object');
  }
  const critical = exactObject(top.critical, ['type', 'image', 'identity'], '"critical"');
  if (critical.type !== type) throw new MalformedSignature(`unrecognized signature type ${JSON.stringify(critical.type)} (expected "${type}")`);
  const image = exactObject(critical.image, ['docker-manifest-digest'], '"critical.image"');
  const identity = exactObject(critical.identity, ['docker-reference'], '"critical.identity"');
  const digest = image['docker-manifest-digest'];
  if (typeof digest !== 'string' || !/^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/.test(digest)) {
    throw new MalformedSignature(`invalid docker-manifest-digest value ${JSON.stringify(digest)}`);
  }
  const reference = identity['docker-reference'];
  if (typeof reference !== 'string' || reference === '') throw new MalformedSignature('critical.identity.docker-reference is not a string');
  return { dockerReference: reference, manifestDigest: digest };
}

/** The payload a signer signs (c/image's layout; optional fields are informational). */
export function makeSignedClaims(claims: SignedClaims, type: string, optional: Record<string, unknown> = {}): Buffer {
  return Buffer.from(
    JSON.stringify({
      critical: { identity: { 'docker-reference': claims.dockerReference }, image: { 'docker-manifest-digest': claims.manifestDigest }, type },
      optional,
    }),
  );
}

function exactObject(value: unknown, fields: readonly string[], where: string, optional: readonly string[] = []): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new MalformedSignature(`${where} is not a JSON object`);
  const o = value as Record<string, unknown>;
  for (const key of Object.keys(o)) if (!fields.includes(key)) throw new MalformedSignature(`${where} has an unexpected field "${key}"`);
  for (const key of fields) if (!(key in o) && !optional.includes(key)) throw new MalformedSignature(`${where} lacks the field "${key}"`);
  return o;
}
