// How copy's sources and targets read the names they are given: a name may be a reference
// (normalised to its full form) or an image ID, which names an image but cannot be given to one.

import { StevedoreError } from '../errors';
import { familiarString, formatReference, parseReference, tryParseReference } from '../reference/reference';

/** The full normalised reference of a name written for an image, or undefined for an image ID. */
export function fullReference(name: string): string | undefined {
  if (/^(sha256:)?[a-f0-9]{12,64}$/.test(name)) return undefined;
  const ref = tryParseReference(name);
  if (!ref) throw new StevedoreError('INVALID_REFERENCE', `"${name}" is not a valid image reference.`);
  return formatReference(ref);
}

/** A name that must be a reference, because the image gets it at `where`. */
export function requireReference(name: string, where: string): string {
  const full = fullReference(name);
  if (!full) throw new StevedoreError('INVALID_ARGUMENT', `Name the image in ${where} with a reference (NAME[:TAG]), not an ID: "${name}".`);
  return full;
}

export function familiar(full: string): string {
  return familiarString(parseReference(full));
}
