// The moment the extension's bundle started evaluating. extension.ts imports this module first, so
// it runs before any other module of the bundle; activate() reports the time from here to the end of
// the bundle's evaluation (loading the code) besides its own duration.

import { performance } from 'node:perf_hooks';

export const bundleEvaluationStarted = performance.now();
