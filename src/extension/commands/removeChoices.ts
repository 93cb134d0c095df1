// The buttons of Remove's confirmation, saying exactly what each does ("Untag 1.0", "Delete image
// and its 3 tags"), and the count of tags in its result. No vscode import: plain data in, text out.

export interface RemovalTarget {
  /** The selected tag's full reference; undefined for an image selected by ID (untagged). */
  reference?: string;
  /** Every tag the image has (full references). */
  refs: readonly string[];
  imageId: string;
}

export interface RemoveChoices {
  /** Removes the selected tags only (an image goes when its last tag goes), as `docker rmi NAME`. */
  byName: string;
  /** Removes the selected images with all their tags (force); absent when it would do the same as byName. */
  force?: string;
}

/** The labels of the two ways to remove `targets`. */
export function removeChoices(targets: readonly RemovalTarget[], familiar: (reference: string) => string): RemoveChoices {
  const selected = new Set(targets.map((t) => t.reference).filter((r): r is string => r !== undefined));
  const images = new Map<string, readonly string[]>();
  for (const t of targets) images.set(t.imageId, t.refs);
  // An image loses every tag when all of them are selected (or it is selected by ID): removing by name deletes it.
  const kept = [...images.values()].filter((refs) => refs.some((r) => !selected.has(r)));
  const allTags = [...images.values()].reduce((sum, refs) => sum + refs.length, 0);
  const byName = kept.length === 0 ? deleteLabel(images.size, allTags) : untagLabel(targets, familiar);
  if (kept.length === 0) return { byName };
  return { byName, force: deleteLabel(images.size, allTags) };
}

function untagLabel(targets: readonly RemovalTarget[], familiar: (reference: string) => string): string {
  const tags = targets.filter((t) => t.reference !== undefined);
  if (tags.length === 1 && targets.length === 1) return `Untag ${tagOf(familiar(tags[0]!.reference!))}`;
  return `Untag ${tags.length} tags`;
}

function deleteLabel(images: number, tags: number): string {
  const theirTags = tags === 0 ? '' : tags === 1 ? (images === 1 ? ' and its tag' : ' and their tag') : images === 1 ? ` and its ${tags} tags` : ` and their ${tags} tags`;
  return images === 1 ? `Delete image${theirTags}` : `Delete ${images} images${theirTags}`;
}

/** "example/app:1.0" → "1.0"; a digest reference keeps its digest's start. */
function tagOf(familiarRef: string): string {
  const at = familiarRef.indexOf('@');
  if (at >= 0) return familiarRef.slice(at + 1, at + 20);
  const colon = familiarRef.lastIndexOf(':');
  return colon > familiarRef.lastIndexOf('/') ? familiarRef.slice(colon + 1) : familiarRef;
}

/** "3 tags untagged, 1 image deleted": repo digests removed along with tags are not counted as tags. */
export function removalSummary(events: readonly { kind: 'untagged' | 'deleted'; value: string }[]): { tags: number; images: number; text: string } {
  const tags = events.filter((e) => e.kind === 'untagged' && !e.value.includes('@')).length;
  const images = events.filter((e) => e.kind === 'deleted').length;
  const parts = [];
  if (tags > 0) parts.push(`${tags} ${tags === 1 ? 'tag' : 'tags'} untagged`);
  if (images > 0) parts.push(`${images} ${images === 1 ? 'image' : 'images'} deleted`);
  return { tags, images, text: parts.join(', ') || 'nothing removed' };
}
