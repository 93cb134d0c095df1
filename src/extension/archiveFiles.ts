// Which files count as image archives in menus, dialogs and drops: the same list everywhere.

export const ARCHIVE_EXTENSIONS = ['tar', 'tar.gz', 'tgz'];

export function isArchiveName(path: string): boolean {
  return /\.(tar|tar\.gz|tgz)$/i.test(path);
}

/** A file name for saving images: "redis_latest.tar", "team_app_1.0.tar", "images.tar" for several. */
export function defaultArchiveName(familiarNames: readonly string[]): string {
  if (familiarNames.length !== 1) return 'images.tar';
  const safe = familiarNames[0]!.replace(/@sha256:([a-f0-9]{12})[a-f0-9]*/, '_$1').replace(/[/:@]+/g, '_').replace(/[^A-Za-z0-9._-]/g, '');
  return `${safe || 'image'}.tar`;
}
