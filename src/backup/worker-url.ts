import { Worker, type WorkerOptions } from 'node:worker_threads';

/**
 * Starts a sibling worker module. Compiled builds run the `.js` file directly. Running from
 * source (tsx, vitest), a worker thread does not inherit the TypeScript loader, so a one-line
 * bootstrap registers tsx in the worker before importing the `.ts` file.
 */
export function startSiblingWorker(name: string, from: string, options: WorkerOptions): Worker {
  if (!from.endsWith('.ts')) return new Worker(new URL(`./${name}.js`, from), options);
  const url = new URL(`./${name}.ts`, from).href;
  const bootstrap = `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(url)}); });`;
  return new Worker(bootstrap, { ...options, eval: true });
}
