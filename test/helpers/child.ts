import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '../..');

/** A running fixture, with everything it has printed so far. */
export interface Fixture {
  process: ChildProcess;
  stdout: string;
  stderr: string;
  exit: Promise<number | null>;
}

/** Starts a TypeScript fixture in its own Node process. */
export function startFixture(name: string, args: string[]): Fixture {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'test', 'fixtures', name), ...args], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const fixture: Fixture = {
    process: child,
    stdout: '',
    stderr: '',
    exit: new Promise((resolve) => child.once('exit', (code) => resolve(code))),
  };
  child.stdout!.on('data', (d: Buffer) => (fixture.stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (fixture.stderr += d.toString()));
  return fixture;
}

/** Resolves when the fixture has printed a line matching `pattern` after `from` characters of output. */
export async function waitForLine(fixture: Fixture, pattern: RegExp, from = 0, timeoutMs = 30_000): Promise<string> {
  let exited = false;
  void fixture.exit.then(() => (exited = true));
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const line = fixture.stdout.slice(from).split('\n').find((l) => pattern.test(l));
    if (line) return line;
    if (exited) throw new Error(`fixture exited before printing ${pattern}; stderr: ${fixture.stderr}`);
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${pattern}; stdout ends: ${JSON.stringify(fixture.stdout.slice(-100))}; stderr: ${fixture.stderr}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}
