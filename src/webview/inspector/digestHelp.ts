// What each kind of digest is, shown on hover next to it. The seeds' confusion is real: `docker
// images` shows an image ID that no registry knows, `docker pull` prints a repo digest, and a
// layer has one digest in the manifest and another in the config. These say which is which.

export type DigestKind = 'imageId' | 'manifest' | 'index' | 'repoDigest' | 'layerDigest' | 'diffId';

export const DIGEST_HELP: Readonly<Record<DigestKind, { label: string; text: string }>> = {
  imageId: {
    label: 'Image ID',
    text:
      'The sha256 of the image config (the JSON with the environment, command, history and the diffIDs of the layers). ' +
      'Docker shows its first 12 digits as IMAGE ID. It names the content, so it stays the same when the image is compressed differently, ' +
      'renamed or pushed elsewhere, and registries never see it as an address.',
  },
  manifest: {
    label: 'Manifest digest',
    text:
      'The sha256 of the manifest: the JSON that lists the config and the compressed layers. ' +
      'It is what `docker pull name@sha256:…` asks for, so it changes when the same files are compressed differently, even though the image ID does not.',
  },
  index: {
    label: 'Index digest',
    text:
      'The store names a multi-platform index (a list of manifests, one per platform). ' +
      'The manifest shown here is the one chosen from it for this platform.',
  },
  repoDigest: {
    label: 'Repo digests',
    text:
      'A manifest digest together with the repository that served it (`repo@sha256:…`), recorded when the image was pulled or pushed. ' +
      'It pins exactly these bytes in that registry; an image that never met a registry has none.',
  },
  layerDigest: {
    label: 'Compressed digest',
    text:
      'The "distribution hash": the sha256 of the layer as stored and transferred, usually gzip-compressed. ' +
      'The manifest lists it, and registries store and serve layers by it.',
  },
  diffId: {
    label: 'DiffID',
    text:
      'The sha256 of the uncompressed layer tar. The config lists it, so the image ID depends on what the layers contain, not on how they were compressed. ' +
      'It differs from the compressed digest of the same layer whenever the layer is compressed.',
  },
};
