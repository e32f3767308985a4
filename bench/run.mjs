// Entry point of `npm run bench`. It registers tsx on the main thread only, then loads the
// TypeScript benchmark. `node --import tsx` would also load tsx in every worker thread the
// engine starts (measured: ~100 ms per worker start instead of ~30 ms on the 2-core machine),
// which production, running the compiled dist/ build, never pays.
import { register } from 'tsx/esm/api';

register();
await import('./backup-bench.ts');
