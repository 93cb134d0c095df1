// The order people expect tags in: semantic versions first, highest first (1.10 after 1.9, so
// above it), then the other tags by name, newest-looking first. No vscode import.

const SEMVER = /^v?(\d+)(?:\.(\d+))?(?:\.(\d+))?(?:[-+](.*))?$/;

export function sortTags(tags: readonly string[]): string[] {
  return [...tags].sort(compareTags);
}

export function compareTags(a: string, b: string): number {
  const va = SEMVER.exec(a);
  const vb = SEMVER.exec(b);
  if (va && !vb) return -1;
  if (!va && vb) return 1;
  if (va && vb) {
    for (let i = 1; i <= 3; i++) {
      const d = Number(vb[i] ?? -1) - Number(va[i] ?? -1);
      if (d !== 0) return d;
    }
    // 1.0.0 before 1.0.0-rc1 (a release outranks its pre-releases), then by suffix, descending.
    if (!va[4] !== !vb[4]) return va[4] ? 1 : -1;
    return (vb[4] ?? '').localeCompare(va[4] ?? '', 'en', { numeric: true });
  }
  return b.localeCompare(a, 'en', { numeric: true });
}
