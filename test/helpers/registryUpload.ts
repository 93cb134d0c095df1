// Raw uploads to a test registry for artifacts Stevedore does not push itself (signature
// attachments, referrers): a monolithic blob upload, and the sha256 digest such documents name.

import { createHash } from 'node:crypto';

export async function uploadBlob(url: string, repository: string, bytes: Buffer): Promise<void> {
  const started = await fetch(`${url}/v2/${repository}/blobs/uploads/`, { method: 'POST' });
  if (started.status !== 202) throw new Error(`starting an upload failed: ${started.status}`);
  const location = new URL(started.headers.get('location')!, url);
  location.searchParams.set('digest', digestOf(bytes));
  const put = await fetch(location, { method: 'PUT', headers: { 'content-type': 'application/octet-stream' }, body: bytes });
  if (put.status !== 201) throw new Error(`uploading a blob failed: ${put.status} ${await put.text()}`);
}

export function digestOf(bytes: Buffer): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}
