// `npm run bench`: runs Stevedore and its peers on the same inputs in one run and prints ratios.
// Not part of `npm test`: absolute times on shared 2-core machines are noisy, so only ratios from
// one run are worth comparing. Each section says what it measures and the goal it is held to.

import { activationBench } from './activationBench';
import { archiveBench } from './archiveBench';
import { buildBench } from './buildBench';
import { engineBench } from './engineBench';
import { imagesBench } from './imagesBench';
import { inspectorBench } from './inspectorBench';
import { layersBench } from './layersBench';
import { manyEntriesBench } from './manyEntriesBench';
import { pullPushBench } from './pullPushBench';
import { rootlessBuildBench } from './rootlessBuildBench';
import { runBuildBench } from './runBuildBench';
import { startupBench } from './startupBench';

interface Section {
  name: string;
  run: () => Promise<void>;
}

const sections: Section[] = [
  { name: 'images: list 1,000 images', run: imagesBench },
  { name: 'startup: a pull and a push with nothing to transfer', run: startupBench },
  { name: 'layers: analyse a 200 MB Debian image', run: layersBench },
  { name: 'inspector: first paint of a 200 MB Debian image in VS Code', run: inspectorBench },
  { name: 'archives: save and load a 1 GB image', run: archiveBench },
  { name: 'entries: load a small image among 200,000 tiny archive entries', run: manyEntriesBench },
  { name: 'registry: pull and push a 1 GB image', run: pullPushBench },
  { name: 'engines: copy a 1 GB image between the store and Docker', run: engineBench },
  { name: 'build: a Dockerfile of COPY steps, from scratch', run: buildBench },
  { name: 'run-build: 5 RUN and 2 COPY steps on a Debian base', run: runBuildBench },
  { name: 'rootless: the run-build Dockerfile as a user without root', run: rootlessBuildBench },
  { name: 'extension: activate() in VS Code', run: activationBench },
];

async function main(): Promise<void> {
  const only = process.argv[2];
  for (const section of sections) {
    if (only && !section.name.startsWith(only)) continue;
    console.log(`\n== ${section.name}`);
    await section.run();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
