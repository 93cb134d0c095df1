import { activationBench } from './activationBench';
activationBench().catch((e) => { console.error(e); process.exit(1); });
