// Entry names in tars are attacker-controlled. Layers are never extracted by Stevedore, but a name
// that is absolute or climbs out with `..` means the tar is malicious or broken, and a runtime that
// extracts it later could be hurt, so such tars are refused with the entry named.

import { StevedoreError } from '../errors';

export function checkEntryName(name: string, what: string): void {
  const normalised = name.replace(/\\/g, '/');
  if (normalised.startsWith('/')) {
    throw new StevedoreError('INVALID_ARCHIVE', `${what} has an entry with an absolute path: "${name}". Refusing it: entries must be relative.`);
  }
  if (normalised.split('/').some((part) => part === '..')) {
    throw new StevedoreError('INVALID_ARCHIVE', `${what} has an entry that climbs out of its root: "${name}". Refusing it.`);
  }
  if (name.includes('\0')) {
    throw new StevedoreError('INVALID_ARCHIVE', `${what} has an entry whose name contains a NUL byte. Refusing it.`);
  }
}
