/**
 * Backup benchmark (DESIGN.md §5): the seed's approach, VACUUM INTO and our engine side by
 * side on ITSM-like data, warm cache, same run. It only reports: no timed assertion, exit 0
 * even when a target is missed.
 *
 *   npm run bench                       both sizes (10 MB and 1 GB); builds dist/ first
 *   npm run bench -- --quick            10 MB only
 *   npm run bench -- --sizes 10mb,1gb   choose sizes (e.g. 100mb too)
 *   npm run bench -- --json             machine-readable result on stdout
 *   npm run bench -- --check quick      run the engine with quick_check instead of integrity_check
 *
 * The engine is imported from the compiled dist/ build, so the figures are those of
 * production code. Source databases are generated once into bench/.work/ (gitignored) and
 * reused; every measured run works on a fresh copy, and everything it writes is removed.
 */
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import type * as ServiceModule from '../src/backup/service.ts';
import type * as SeedModule from '../src/db/seed.ts';
import type * as ConnectionModule from '../src/db/connection.ts';
import type { ProgressEvent } from '../src/backup/events.ts';

const BENCH_DIR = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.dirname(BENCH_DIR);
const WORK = path.join(BENCH_DIR, '.work');
const MB = 1_000_000;

// `node --import tsx` puts tsx into every worker thread the engine starts; go through run.mjs.
if (process.execArgv.some((arg) => arg.includes('tsx'))) {
  const child = spawnSync(process.execPath, [path.join(BENCH_DIR, 'run.mjs'), ...process.argv.slice(2)], { stdio: 'inherit' });
  process.exit(child.status ?? 1);
}

// ---- options ------------------------------------------------------------------------------

interface SizeSpec {
  label: string;
  incidents: number;
  /** Measured runs; figures are their median. */
  runs: number;
}

/** Calibrated on the seed data: ~1.2 kB of database per incident (with its audit records). */
const PRESETS: Record<string, number> = { '10mb': 8_700, '1gb': 900_000 };

function parseSize(text: string): SizeSpec {
  const label = text.trim().toLowerCase();
  const m = /^(\d+)(mb|gb)$/.exec(label);
  if (!m) throw new Error(`--sizes: cannot read ${JSON.stringify(text)} (expected e.g. 10mb, 1gb)`);
  const megabytes = Number(m[1]) * (m[2] === 'gb' ? 1000 : 1);
  const incidents = PRESETS[label] ?? Math.round(megabytes * 870);
  return { label, incidents, runs: megabytes <= 100 ? 3 : 1 };
}

function parseArgs(argv: string[]): { sizes: SizeSpec[]; json: boolean; check: 'full' | 'quick' } {
  let sizes = ['10mb', '1gb'];
  let json = false;
  let check: 'full' | 'quick' = 'full';
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--quick') sizes = ['10mb'];
    else if (arg === '--json') json = true;
    else if (arg === '--sizes') sizes = (argv[++i] ?? '').split(',').filter(Boolean);
    else if (arg.startsWith('--sizes=')) sizes = arg.slice('--sizes='.length).split(',').filter(Boolean);
    else if (arg === '--check' || arg.startsWith('--check=')) {
      const value = arg === '--check' ? argv[++i] : arg.slice('--check='.length);
      if (value !== 'full' && value !== 'quick') throw new Error('--check: full or quick');
      check = value;
    } else if (arg === '--help' || arg === '-h') {
      process.stdout.write('usage: npm run bench -- [--sizes 10mb,1gb] [--quick] [--json] [--check full|quick]\n');
      process.exit(0);
    } else throw new Error(`unknown option ${arg} (try --help)`);
  }
  if (sizes.length === 0) throw new Error('--sizes: give at least one size');
  return { sizes: sizes.map(parseSize), json, check };
}

const options = parseArgs(process.argv.slice(2));
/** Progress goes to stderr so that stdout carries only the table (or the JSON). */
const log = (line: string) => process.stderr.write(`${line}\n`);

// ---- helpers ------------------------------------------------------------------------------

function run(cmd: string, args: string[], stdout: 'pipe' | number = 'pipe'): SpawnSyncReturns<string> {
  const result = spawnSync(cmd, args, { stdio: ['ignore', stdout, 'pipe'], encoding: 'utf8', maxBuffer: 1 << 26 });
  if (result.error) throw result.error;
  if (result.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${result.status}): ${result.stderr.trim()}`);
  return result;
}

function which(cmd: string): string | null {
  const r = spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}

/** Times a synchronous step in milliseconds. */
function timed(fn: () => void): number {
  const t = performance.now();
  fn();
  return performance.now() - t;
}

/** Writes dirty pages back (untimed) so one measurement's writeback does not land in the next. */
function settle(): void {
  spawnSync('sync');
}

/** Reads a file through the page cache once, so it is warm for the timed step. */
function warm(file: string): void {
  const fd = fs.openSync(file, 'r');
  const buffer = Buffer.allocUnsafe(1 << 20);
  try {
    while (fs.readSync(fd, buffer, 0, buffer.length, null) > 0);
  } finally {
    fs.closeSync(fd);
  }
}

function dirBytes(dir: string): number {
  let total = 0;
  for (const entry of fs.readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) total += fs.statSync(path.join(entry.parentPath, entry.name)).size;
  }
  return total;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

const sec = (ms: number) => (Number.isNaN(ms) ? 'n/a' : ms < 1000 ? `${(ms / 1000).toFixed(3)} s` : ms < 10_000 ? `${(ms / 1000).toFixed(2)} s` : `${(ms / 1000).toFixed(1)} s`);
const mbytes = (bytes: number) => (bytes < 10 * MB ? `${(bytes / MB).toFixed(2)} MB` : `${Math.round(bytes / MB)} MB`);
const pct = (part: number, whole: number) => `${((100 * part) / whole).toFixed(2)} %`;

// ---- the engine, from the compiled build ----------------------------------------------------

async function loadEngine() {
  const dist = path.join(ROOT, 'dist');
  const service = path.join(dist, 'backup', 'service.js');
  if (!fs.existsSync(service)) throw new Error('dist/ is missing: run `npm run build` first (npm run bench does)');
  const newestSource = Math.max(
    ...fs.readdirSync(path.join(ROOT, 'src'), { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile() && e.name.endsWith('.ts'))
      .map((e) => fs.statSync(path.join(e.parentPath, e.name)).mtimeMs),
  );
  if (fs.statSync(service).mtimeMs < newestSource) log('warning: dist/ is older than src/; `npm run bench` rebuilds it');
  const load = async <T>(file: string) => (await import(pathToFileURL(path.join(dist, file)).href)) as T;
  return {
    ...(await load<typeof ServiceModule>('backup/service.js')),
    ...(await load<typeof SeedModule>('db/seed.js')),
    ...(await load<typeof ConnectionModule>('db/connection.js')),
  };
}
type Engine = Awaited<ReturnType<typeof loadEngine>>;

// ---- machine ------------------------------------------------------------------------------

interface Machine {
  nproc: number;
  cpu: string;
  memoryGB: number;
  kernel: string;
  node: string;
  sqlite: string;
  sqlite3Cli: string | null;
  gzip: string | null;
  uvThreadpoolSize: string;
  /** The engine's version: git commit of the working tree, and whether src/ differs from it. */
  engine: string;
  /** Share of CPU time other processes used in the second before the benchmark; it skews every figure. */
  busyAtStart: number;
}

/** Fraction of all cores' time that was not idle during `ms` (we are idle meanwhile). */
async function cpuBusy(ms: number): Promise<number> {
  const sample = () => os.cpus().reduce((acc, c) => ({ idle: acc.idle + c.times.idle, total: acc.total + Object.values(c.times).reduce((a, b) => a + b, 0) }), { idle: 0, total: 0 });
  const before = sample();
  await new Promise((resolve) => setTimeout(resolve, ms));
  const after = sample();
  return 1 - (after.idle - before.idle) / Math.max(1, after.total - before.total);
}

function engineVersion(): string {
  const git = (args: string[]) => spawnSync('git', args, { cwd: ROOT, encoding: 'utf8' });
  const head = git(['rev-parse', '--short', 'HEAD']);
  if (head.status !== 0) return 'unknown (not a git checkout)';
  const dirty = git(['status', '--porcelain', '--', 'src']).stdout.trim() !== '';
  return `commit ${head.stdout.trim()}${dirty ? ' + uncommitted changes in src/' : ''}`;
}

async function machine(): Promise<Machine> {
  const db = new Database(':memory:');
  const sqlite = (db.prepare('SELECT sqlite_version() AS v').get() as { v: string }).v;
  db.close();
  const cli = which('sqlite3');
  const gzip = which('gzip');
  return {
    nproc: os.availableParallelism(),
    cpu: os.cpus()[0]?.model ?? 'unknown',
    memoryGB: Math.round(os.totalmem() / 2 ** 30),
    kernel: `${os.type()} ${os.release()}`,
    node: process.version,
    sqlite: `${sqlite} (better-sqlite3)`,
    sqlite3Cli: cli ? run(cli, ['--version']).stdout.split(' ').slice(0, 2).join(' ') : null,
    gzip: gzip ? (run(gzip, ['--version']).stdout.split('\n')[0] ?? 'gzip') : null,
    uvThreadpoolSize: process.env.UV_THREADPOOL_SIZE ?? '4 (default)',
    engine: engineVersion(),
    busyAtStart: await cpuBusy(1000),
  };
}

// ---- data ---------------------------------------------------------------------------------

/** Generates (or reuses) the source database of a size; returns its path. */
function sourceDatabase(engine: Engine, size: SizeSpec): { file: string; generatedMs: number | null } {
  const file = path.join(WORK, `itsm-${size.label}-${size.incidents}.db`);
  if (fs.existsSync(file)) return { file, generatedMs: null };
  const partial = `${file}.partial`;
  for (const f of [partial, `${partial}-wal`, `${partial}-shm`]) fs.rmSync(f, { force: true });
  log(`generating ${size.label}: ${size.incidents.toLocaleString('en')} incidents into ${path.relative(ROOT, file)} …`);
  const started = performance.now();
  const db = engine.openAppDatabase(partial);
  engine.seedDatabase(db, { incidents: size.incidents, seed: 42, now: new Date('2026-01-01T00:00:00Z') });
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
  for (const f of [`${partial}-wal`, `${partial}-shm`]) fs.rmSync(f, { force: true });
  fs.renameSync(partial, file);
  const generatedMs = performance.now() - started;
  log(`  generated ${mbytes(fs.statSync(file).size)} in ${sec(generatedMs)}`);
  return { file, generatedMs };
}

// ---- measurements -------------------------------------------------------------------------

/** One run's figures: milliseconds, bytes and counts, keyed by name (medians are taken per key). */
type Figures = Record<string, number>;

interface Tools {
  sqlite3: string | null;
  gzip: string | null;
}

/** The seed's approach: `sqlite3 DB ".backup out"` then `gzip -6`; restore is `gunzip`. */
async function seedApproach(tools: Tools, db: string, dir: string): Promise<Figures> {
  const out = path.join(dir, 'seed.db');
  const gz = `${out}.gz`;
  const restored = path.join(dir, 'seed-restored.db');
  let backupMs: number;
  if (tools.sqlite3) {
    backupMs = timed(() => run(tools.sqlite3!, [db, `.backup '${out.replaceAll("'", "''")}'`]));
  } else {
    const src = new Database(db, { readonly: true });
    const t = performance.now();
    await src.backup(out);
    backupMs = performance.now() - t;
    src.close();
  }
  const copyBytes = fs.statSync(out).size;
  settle();
  const gzipMs = timed(() => gzipFile(tools, out, gz, 'compress'));
  const gzipBytes = fs.statSync(gz).size;
  fs.rmSync(out);
  settle();
  const gunzipMs = timed(() => gzipFile(tools, gz, restored, 'decompress'));
  fs.rmSync(gz);
  fs.rmSync(restored);
  return { backupMs, gzipMs, totalMs: backupMs + gzipMs, copyBytes, gzipBytes, gunzipMs };
}

function gzipFile(tools: Tools, from: string, to: string, mode: 'compress' | 'decompress'): void {
  const fd = fs.openSync(to, 'w', 0o600);
  try {
    if (tools.gzip) run(tools.gzip, mode === 'compress' ? ['-6', '-c', from] : ['-d', '-c', from], fd);
    else throw new Error('gzip not found (apt-get install -y gzip)');
  } finally {
    fs.closeSync(fd);
  }
}

/** `VACUUM INTO` through better-sqlite3; "restore" is a plain copy of its output. */
function vacuumInto(db: string, dir: string): Figures {
  const out = path.join(dir, 'vacuum.db');
  const restored = path.join(dir, 'vacuum-restored.db');
  const conn = new Database(db, { readonly: true });
  const ms = timed(() => conn.prepare('VACUUM INTO ?').run(out));
  conn.close();
  const bytes = fs.statSync(out).size;
  settle();
  const copyMs = timed(() => fs.copyFileSync(out, restored));
  fs.rmSync(out);
  fs.rmSync(restored);
  return { ms, bytes, copyMs };
}

/** Records when each progress phase was first and last reported, relative to `t0`. */
class PhaseClock {
  readonly first = new Map<string, number>();
  readonly last = new Map<string, number>();
  t0 = performance.now();
  readonly listener = (e: ProgressEvent) => {
    const key = e.phase === 'commit' || e.phase === 'integrity' ? `${e.phase}${e.done}` : e.phase;
    const now = performance.now() - this.t0;
    if (!this.first.has(key)) this.first.set(key, now);
    this.last.set(key, now);
  };
  start(): void {
    this.first.clear();
    this.last.clear();
    this.t0 = performance.now();
  }
  /** Milliseconds between two marks ("first:x" / "last:x"); NaN when a mark is missing. */
  span(from: string, to: string, end: number): number {
    const at = (mark: string) => {
      if (mark === 'start') return 0;
      if (mark === 'end') return end;
      const [which, key] = mark.split(':') as ['first' | 'last', string];
      return (which === 'first' ? this.first : this.last).get(key) ?? Number.NaN;
    };
    return at(to) - at(from);
  }
}

/** Ours: create into a fresh repository, 1 % churn, second create, restore of the latest. */
async function ours(engine: Engine, db: string, dir: string): Promise<{ figures: Figures; methods: [string, string] }> {
  const service = new engine.BackupService({ databasePath: db, repositoryPath: path.join(dir, 'repo'), check: options.check });
  const clock = new PhaseClock();
  service.events.on('progress', clock.listener);
  const caller = { actor: 'bench', trigger: 'cli' } as const;
  const f: Figures = {};
  const methods: [string, string] = ['?', '?'];
  let latest = '';

  const createBreakdown = (prefix: string, end: number) => {
    f[`${prefix}.open`] = clock.span('start', 'first:database', end);
    f[`${prefix}.stream`] = clock.span('first:database', 'last:database', end);
    f[`${prefix}.drainCheckFiles`] = clock.span('last:database', 'first:commit0', end);
    f[`${prefix}.commit`] = clock.span('first:commit0', 'first:commit1', end);
    f[`${prefix}.catalogJournal`] = clock.span('first:commit1', 'end', end);
  };

  /** One timed backup, its figures recorded under `prefix`. */
  const timedCreate = async (prefix: 'full' | 'second') => {
    settle();
    clock.start();
    const m = await service.create(caller);
    const ms = performance.now() - clock.t0;
    f[`${prefix}.ms`] = ms;
    createBreakdown(prefix, ms);
    f[`${prefix}.dbBytes`] = m.database.size;
    f[`${prefix}.newBytes`] = m.stats.newBytes;
    f[`${prefix}.chunks`] = m.stats.chunks;
    return m;
  };

  const first = await timedCreate('full');
  f['full.engineMs'] = first.stats.durationMs;
  methods[0] = first.database.snapshotMethod;

  // The application keeps its connection open, so the churn is still in the WAL when the
  // second backup starts (the engine's checkpoint has to move it).
  const app = engine.openAppDatabase(db);
  try {
    const churn = engine.churnDatabase(app, 0.01);
    f['churn.rowsUpdated'] = churn.updated;
    f['churn.rowsInserted'] = churn.inserted;
    f['churn.walBytes'] = fs.statSync(`${db}-wal`).size;
    const second = await timedCreate('second');
    f['second.newChunks'] = second.stats.newChunks;
    methods[1] = second.database.snapshotMethod;
    latest = second.id;
  } finally {
    app.close();
  }
  f['repo.bytes'] = dirBytes(path.join(dir, 'repo'));

  settle();
  clock.start();
  const restored = await service.restore({ actor: 'bench', id: latest, to: path.join(dir, 'restored', 'nexus.db') });
  f['restore.ms'] = performance.now() - clock.t0;
  f['restore.setup'] = clock.span('start', 'first:database', f['restore.ms']);
  f['restore.assemble'] = clock.span('first:database', 'last:database', f['restore.ms']);
  f['restore.fsyncSha'] = clock.span('last:database', 'first:integrity0', f['restore.ms']);
  f['restore.integrityCheck'] = clock.span('first:integrity0', 'first:integrity1', f['restore.ms']);
  f['restore.renameJournal'] = clock.span('first:integrity1', 'end', f['restore.ms']);
  f['restore.bytes'] = restored.bytes;
  if (restored.integrity !== 'ok') throw new Error(`restored database fails integrity_check: ${restored.integrity}`);
  return { figures: f, methods };
}

/** Reference timings on the same file, once per size: what integrity_check alone costs. */
function references(db: string): Figures {
  const conn = new Database(db, { readonly: true });
  try {
    const integrityMs = timed(() => conn.pragma('integrity_check'));
    const quickMs = timed(() => conn.pragma('quick_check'));
    return { integrityMs, quickMs };
  } finally {
    conn.close();
  }
}

interface SizeResult {
  size: string;
  incidents: number;
  dbBytes: number;
  generatedMs: number | null;
  runs: number;
  aggregate: 'median' | 'single run';
  /** manifest.database.snapshotMethod of the full and of the second backup. */
  snapshotMethods: [string, string];
  seedTool: string;
  seed: Figures;
  vacuum: Figures;
  ours: Figures;
  reference: Figures;
  perRun: { seed: Figures; vacuum: Figures; ours: Figures }[];
}

function aggregate(runs: Figures[]): Figures {
  const out: Figures = {};
  for (const key of Object.keys(runs[0] ?? {})) out[key] = median(runs.map((r) => r[key]!));
  return out;
}

async function benchSize(engine: Engine, tools: Tools, size: SizeSpec): Promise<SizeResult> {
  const source = sourceDatabase(engine, size);
  const dbBytes = fs.statSync(source.file).size;
  const perRun: SizeResult['perRun'] = [];
  let methods: [string, string] = ['?', '?'];
  let reference: Figures = {};
  for (let i = 0; i < size.runs; i++) {
    const dir = path.join(WORK, `run-${size.label}`);
    fs.rmSync(dir, { recursive: true, force: true });
    const db = path.join(dir, 'data', 'nexus.db');
    fs.mkdirSync(path.dirname(db), { recursive: true, mode: 0o700 });
    try {
      fs.copyFileSync(source.file, db);
      settle();
      warm(db);
      log(`${size.label} run ${i + 1}/${size.runs}: seed approach …`);
      const seed = await seedApproach(tools, db, dir);
      log(`${size.label} run ${i + 1}/${size.runs}: VACUUM INTO …`);
      const vacuum = vacuumInto(db, dir);
      if (i === 0) {
        log(`${size.label}: reference integrity_check / quick_check …`);
        reference = references(db);
      }
      log(`${size.label} run ${i + 1}/${size.runs}: ours (create, churn 1 %, create, restore) …`);
      const o = await ours(engine, db, dir);
      methods = o.methods;
      perRun.push({ seed, vacuum, ours: o.figures });
      log(`  seed ${sec(seed.totalMs!)}, VACUUM INTO ${sec(vacuum.ms!)}, ours ${sec(o.figures['full.ms']!)} / ${sec(o.figures['second.ms']!)} / restore ${sec(o.figures['restore.ms']!)}`);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
  return {
    size: size.label,
    incidents: size.incidents,
    dbBytes,
    generatedMs: source.generatedMs,
    runs: size.runs,
    aggregate: size.runs > 1 ? 'median' : 'single run',
    snapshotMethods: methods,
    seedTool: tools.sqlite3 ? 'sqlite3 CLI .backup' : "better-sqlite3 db.backup() (sqlite3 CLI missing)",
    seed: aggregate(perRun.map((r) => r.seed)),
    vacuum: aggregate(perRun.map((r) => r.vacuum)),
    ours: aggregate(perRun.map((r) => r.ours)),
    reference,
    perRun,
  };
}

// ---- report -------------------------------------------------------------------------------

/** DESIGN.md §5: Litestream 0.3.13, published figures (not measured here). */
const LITESTREAM = {
  full: '3.3 s',
  fullSize: '345 MB (lz4)',
  small: '0.05 s',
  churn: 'WAL only',
  churnStored: 'WAL only',
  restore: '3.3 s',
};

const TARGETS = { fullMs: 2500, fullBytes: 240 * MB, smallMs: 200, churnMs: 1500, churnPct: 5, restoreMs: 3000 };

type Row = [string, string, string, string, string, string, string];

function verdict(ok: boolean | null): string {
  return ok === null ? 'n/a' : ok ? 'met' : 'MISSED';
}

function rows(results: SizeResult[]): Row[] {
  const big = results.find((r) => r.size === '1gb');
  const small = results.find((r) => r.size === '10mb');
  const notRun = (work: string, lite: string, target: string): Row => [work, 'not run', 'not run', lite, 'not run', target, 'n/a'];
  const seedTime = (r: SizeResult) => `${sec(r.seed.backupMs!)} + ${sec(r.seed.gzipMs!)} = ${sec(r.seed.totalMs!)}`;
  const out: Row[] = [];
  if (big) {
    const o = big.ours;
    out.push(
      ['full backup 1 GB: time', seedTime(big), sec(big.vacuum.ms!), LITESTREAM.full, sec(o['full.ms']!), '≤ 2.5 s', verdict(o['full.ms']! <= TARGETS.fullMs)],
      [
        'full backup 1 GB: output',
        `${mbytes(big.seed.gzipBytes!)} (gzip)`,
        `${mbytes(big.vacuum.bytes!)} (raw)`,
        LITESTREAM.fullSize,
        `${mbytes(o['full.newBytes']!)} (÷${(o['full.dbBytes']! / o['full.newBytes']!).toFixed(2)})`,
        '≤ 240 MB',
        verdict(o['full.newBytes']! <= TARGETS.fullBytes),
      ],
    );
  } else out.push(notRun('full backup 1 GB: time', LITESTREAM.full, '≤ 2.5 s'), notRun('full backup 1 GB: output', LITESTREAM.fullSize, '≤ 240 MB'));
  if (small) {
    out.push(['backup 10 MB, end to end', seedTime(small), sec(small.vacuum.ms!), LITESTREAM.small, sec(small.ours['full.ms']!), '≤ 0.2 s', verdict(small.ours['full.ms']! <= TARGETS.smallMs)]);
  } else out.push(notRun('backup 10 MB, end to end', LITESTREAM.small, '≤ 0.2 s'));
  if (big) {
    const o = big.ours;
    const churnPct = (100 * o['second.newBytes']!) / o['second.dbBytes']!;
    out.push(
      ['2nd backup after 1 % churn, 1 GB: time', `full cost again (${sec(big.seed.totalMs!)})`, `full cost again (${sec(big.vacuum.ms!)})`, LITESTREAM.churn, sec(o['second.ms']!), '≤ 1.5 s', verdict(o['second.ms']! <= TARGETS.churnMs)],
      [
        '2nd backup after 1 % churn, 1 GB: stored',
        `${pct(big.seed.gzipBytes!, big.dbBytes)} (full copy)`,
        `${pct(big.vacuum.bytes!, big.dbBytes)} (full copy)`,
        LITESTREAM.churnStored,
        `${churnPct.toFixed(2)} % (${mbytes(o['second.newBytes']!)})`,
        '≤ 5 %',
        verdict(churnPct <= TARGETS.churnPct),
      ],
      ['restore 1 GB', `${sec(big.seed.gunzipMs!)} (gunzip, no check)`, `${sec(big.vacuum.copyMs!)} (cp, no check)`, LITESTREAM.restore, `${sec(o['restore.ms']!)} (hashes + quick_check)`, '≤ 3 s', verdict(o['restore.ms']! <= TARGETS.restoreMs)],
    );
  } else {
    out.push(
      notRun('2nd backup after 1 % churn, 1 GB: time', LITESTREAM.churn, '≤ 1.5 s'),
      notRun('2nd backup after 1 % churn, 1 GB: stored', LITESTREAM.churnStored, '≤ 5 %'),
      notRun('restore 1 GB', LITESTREAM.restore, '≤ 3 s'),
    );
  }
  return out;
}

function table(header: Row, body: Row[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((r) => r[i]!.length)));
  const line = (r: readonly string[]) => `| ${r.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...body.map(line)].join('\n');
}

function details(r: SizeResult): string {
  const o = r.ours;
  const ms = (key: string) => sec(o[key]!);
  const lines = [
    `${r.size}: ${r.incidents.toLocaleString('en')} incidents, ${mbytes(r.dbBytes)} (${r.dbBytes.toLocaleString('en')} bytes)` +
      `${r.generatedMs === null ? ', reused' : `, generated in ${sec(r.generatedMs)}`}; ${r.aggregate}${r.runs > 1 ? ` of ${r.runs} runs` : ''}`,
    `  seed (${r.seedTool}): .backup ${sec(r.seed.backupMs!)}, gzip -6 ${sec(r.seed.gzipMs!)} → ${mbytes(r.seed.gzipBytes!)}; gunzip ${sec(r.seed.gunzipMs!)}`,
    `  VACUUM INTO: ${sec(r.vacuum.ms!)} → ${mbytes(r.vacuum.bytes!)}; cp of it ${sec(r.vacuum.copyMs!)}`,
    `  ours, full: ${ms('full.ms')} → ${mbytes(o['full.newBytes']!)} stored (${o['full.chunks']} chunks, snapshot method ${r.snapshotMethods[0]}): ` +
      `open snapshot ${ms('full.open')}, stream ${ms('full.stream')}, drain+integrity wait+files ${ms('full.drainCheckFiles')}, ` +
      `commit ${ms('full.commit')}, catalog+journal ${ms('full.catalogJournal')}`,
    `  ours, after churn (${o['churn.rowsUpdated']} updated + ${o['churn.rowsInserted']} new incidents, WAL ${mbytes(o['churn.walBytes']!)}): ` +
      `${ms('second.ms')} → ${mbytes(o['second.newBytes']!)} new (${pct(o['second.newBytes']!, o['second.dbBytes']!)} of DB, ${o['second.newChunks']}/${o['second.chunks']} chunks new, snapshot method ${r.snapshotMethods[1]}): ` +
      `open ${ms('second.open')}, stream ${ms('second.stream')}, drain+integrity wait+files ${ms('second.drainCheckFiles')}, commit ${ms('second.commit')}, catalog+journal ${ms('second.catalogJournal')}`,
    `  ours, restore: ${ms('restore.ms')}: setup ${ms('restore.setup')}, fetch+check+write ${ms('restore.assemble')}, fsync+SHA compare ${ms('restore.fsyncSha')}, ` +
      `quick_check ${ms('restore.integrityCheck')}, rename+journal ${ms('restore.renameJournal')}`,
    `  reference on the same file: PRAGMA integrity_check alone ${sec(r.reference.integrityMs!)}, quick_check ${sec(r.reference.quickMs!)}`,
  ];
  if (r.runs > 1) {
    lines.push(`  runs (ours full / second / restore): ${r.perRun.map((p) => `${sec(p.ours['full.ms']!)} / ${sec(p.ours['second.ms']!)} / ${sec(p.ours['restore.ms']!)}`).join(';  ')}`);
  }
  return lines.join('\n');
}

// ---- main ---------------------------------------------------------------------------------

async function main(): Promise<void> {
  const began = performance.now();
  fs.mkdirSync(WORK, { recursive: true, mode: 0o700 });
  const engine = await loadEngine();
  const facts = await machine();
  const tools: Tools = { sqlite3: which('sqlite3'), gzip: which('gzip') };
  if (!tools.sqlite3) {
    log('sqlite3 CLI not found: install it with `apt-get install -y sqlite3` to measure the seed approach exactly;');
    log("falling back to better-sqlite3's db.backup(), labelled as such.");
  }
  const cleanup = () => {
    for (const s of options.sizes) fs.rmSync(path.join(WORK, `run-${s.label}`), { recursive: true, force: true });
  };
  process.once('SIGINT', () => {
    cleanup();
    process.exit(130);
  });

  const results: SizeResult[] = [];
  try {
    for (const size of options.sizes) results.push(await benchSize(engine, tools, size));
  } finally {
    cleanup();
  }
  const wallMs = performance.now() - began;

  const header: Row = ['work', 'seed (.backup + gzip -6)', 'VACUUM INTO', 'Litestream 0.3.13 (published, not measured here)', 'ours', 'target', 'met?'];
  const body = rows(results);
  const missed = body.filter((r) => r[6] === 'MISSED').length;
  const judged = body.filter((r) => r[6] !== 'n/a').length;

  if (options.json) {
    process.stdout.write(`${JSON.stringify({ machine: facts, check: options.check, targets: TARGETS, table: { header, rows: body }, results, wallMs }, null, 2)}\n`);
    return;
  }
  const out = [
    `machine: ${facts.nproc} cores (${facts.cpu}), ${facts.memoryGB} GiB RAM, ${facts.kernel}`,
    `         node ${facts.node}, SQLite ${facts.sqlite}, sqlite3 CLI ${facts.sqlite3Cli ?? 'MISSING (apt-get install -y sqlite3)'}, ${facts.gzip ?? 'gzip MISSING'}, UV_THREADPOOL_SIZE ${facts.uvThreadpoolSize}`,
    `         CPU busy with other work just before the start: ${(100 * facts.busyAtStart).toFixed(0)} %` +
      (facts.busyAtStart > 0.15 ? ' — WARNING: the machine is not quiet; figures are skewed' : ' (quiet)'),
    `engine: ${facts.engine}, from dist/`,
    `runs: ${results.map((r) => `${r.size} ${r.aggregate}${r.runs > 1 ? ` of ${r.runs}` : ''}`).join(', ')}; warm cache; engine ` +
      `with ${options.check === 'full' ? 'integrity_check (default)' : 'quick_check'}; MB = 10^6 bytes`,
    '',
    table(header, body),
    '',
    missed > 0 ? `MISSED: ${missed} of ${judged} targets` : `all ${judged} measured targets met`,
    '',
    ...results.map(details),
    '',
    'notes: gzip and VACUUM INTO do not fsync their output; ours fsyncs every chunk and the manifest.',
    '       seed and VACUUM INTO "restore" columns are a plain gunzip / cp without any check.',
    `wall time of the benchmark: ${sec(wallMs)}`,
  ];
  process.stdout.write(`${out.join('\n')}\n`);
}

await main();
