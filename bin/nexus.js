#!/usr/bin/env node
// Runs the compiled CLI when `npm run build` has made it from the current sources, the
// TypeScript source (through tsx) otherwise, so an update without a rebuild never runs old code.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const compiled = new URL('../dist/cli/main.js', import.meta.url);
const sources = fileURLToPath(new URL('../src/', import.meta.url));

function newestSource() {
  let newest = 0;
  for (const entry of readdirSync(sources, { recursive: true })) {
    if (entry.endsWith('.ts')) newest = Math.max(newest, statSync(sources + entry).mtimeMs);
  }
  return newest;
}

if (existsSync(compiled) && statSync(compiled).mtimeMs >= newestSource()) {
  await import(compiled.href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import(new URL('../src/cli/main.ts', import.meta.url).href);
}
