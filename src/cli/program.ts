import path from 'node:path';
import readline from 'node:readline/promises';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { BackupError } from '../backup/errors.ts';
import { DEFAULT_RETENTION, retentionPolicySchema, type RetentionPolicy } from '../backup/retention.ts';
import { BackupService, osActor, type BackupSummary } from '../backup/service.ts';
import { openAppDatabase } from '../db/connection.ts';
import { seedDatabase } from '../db/seed.ts';
import { SCHEMA_VERSION } from '../db/migrations.ts';
import { APP_VERSION } from '../version.ts';
import { formatBytes, formatDuration, formatLocalTime, table } from './format.ts';
import { attachProgress } from './progress.ts';
import { userCommands } from './user-commands.ts';
import { UserError } from '../auth/users.ts';

/** Where the CLI reads and writes; a real process passes its own streams, tests pass buffers. */
export interface CliIo {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
}

export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

/** Thrown inside actions to end with a given exit code after output was written. */
class ExitWith extends Error {
  constructor(readonly code: number) {
    super(`exit ${code}`);
  }
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n)) throw new InvalidArgumentError('must be a whole number');
  return n;
}

export function buildProgram(io: CliIo): Command {
  const out = (text: string): void => void io.stdout.write(`${text}\n`);
  const json = (value: unknown): void => void io.stdout.write(`${JSON.stringify(value, null, 2)}\n`);

  const program = new Command('nexus')
    .description('ITSM-Sec Nexus command line: backups, restores and database administration')
    .version(APP_VERSION)
    .addOption(new Option('--db <path>', 'application database').env('NEXUS_DB').default('data/itsm_nexus.db'))
    .addOption(new Option('--repo <path>', 'backup repository directory').env('NEXUS_BACKUP_DIR').default('backups'))
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
    });

  const service = (): BackupService => {
    const opts = program.opts<{ db: string; repo: string }>();
    const svc = new BackupService({ databasePath: opts.db, repositoryPath: opts.repo });
    svc.events.on('warning', (w) => io.stderr.write(`nexus: warning: ${w.message}\n`));
    return svc;
  };

  /** Runs an engine call with a progress bar on a terminal. */
  const withProgress = async <T>(svc: BackupService, work: () => Promise<T>): Promise<T> => {
    const detach = attachProgress(svc, io.stderr);
    try {
      return await work();
    } finally {
      detach();
    }
  };

  const backup = program.command('backup').description('create, list, restore, verify and prune backups');

  backup
    .command('create')
    .description('back up the database and the data files now')
    .option('--tag <tag>', 'a label to find this backup by')
    .option('--json', 'machine-readable output')
    .action(async (opts: { tag?: string; json?: boolean }) => {
      if (opts.tag !== undefined && !/^[\w.:@ -]{1,64}$/.test(opts.tag)) {
        throw new BackupError('INVALID_ARGUMENT', '--tag takes 1-64 letters, digits, spaces or . _ : @ -');
      }
      const svc = service();
      const m = await withProgress(svc, () => svc.create({ actor: osActor(), trigger: 'cli', tag: opts.tag ?? null }));
      if (opts.json) {
        json({
          id: m.id,
          createdAt: m.createdAt,
          databaseBytes: m.database.size,
          sha256: m.database.sha256,
          integrity: m.database.integrity,
          files: m.files.length,
          ...m.stats,
        });
        return;
      }
      out(`backup ${m.id} created in ${formatDuration(m.stats.durationMs)}`);
      out(`  database ${formatBytes(m.database.size)} (sha256 ${m.database.sha256}), integrity ${m.database.integrity}`);
      out(`  ${m.files.length} data file(s); stored ${formatBytes(m.stats.newBytes)} new of ${formatBytes(m.stats.storedBytes)} referenced`);
    });

  backup
    .command('list')
    .description('list backups, newest first')
    .option('--json', 'machine-readable output')
    .action(async (opts: { json?: boolean }) => {
      const list = await service().list({ actor: osActor() });
      if (opts.json) return json(list);
      if (list.length === 0) return out('no backups yet (run: nexus backup create)');
      out(
        table(
          ['ID', 'CREATED', 'CLASS', 'TRIGGER', 'DB SIZE', 'ADDED', 'INTEGRITY', 'PIN', 'TAG'],
          list.map((b: BackupSummary) => [
            b.id,
            formatLocalTime(b.createdAt),
            b.class,
            b.trigger,
            formatBytes(b.databaseBytes),
            formatBytes(b.newBytes),
            b.integrity,
            b.pinned ? 'yes' : '',
            b.tag ?? '',
          ]),
        ),
      );
    });

  backup
    .command('show')
    .description('show one backup: manifest, hashes, sizes')
    .argument('<id>', 'backup id')
    .option('--json', 'the whole manifest as JSON')
    .action(async (id: string, opts: { json?: boolean }) => {
      const { manifest, summary } = await service().show({ actor: osActor(), id });
      if (opts.json) return json({ ...manifest, pinned: summary.pinned });
      out(`backup     ${manifest.id}${summary.pinned ? '  (pinned)' : ''}`);
      out(`created    ${formatLocalTime(manifest.createdAt)} (${manifest.createdAt})`);
      out(`by         ${manifest.actor} via ${manifest.trigger}, class ${manifest.class}${manifest.tag ? `, tag ${manifest.tag}` : ''}`);
      out(`app        ${manifest.app.name} ${manifest.app.version}, schema ${manifest.app.schemaVersion}`);
      out(`database   ${manifest.database.name}: ${formatBytes(manifest.database.size)} (${manifest.database.pageCount} pages of ${manifest.database.pageSize} B)`);
      out(`sha256     ${manifest.database.sha256}`);
      out(`integrity  ${manifest.database.integrity}`);
      out(`chunks     ${manifest.stats.chunks} (${manifest.stats.newChunks} new), ${manifest.stats.codec}, ${formatBytes(manifest.database.chunkSize)} each`);
      out(`stored     ${formatBytes(manifest.stats.newBytes)} new, ${formatBytes(manifest.stats.storedBytes)} referenced`);
      out(`duration   ${formatDuration(manifest.stats.durationMs)}`);
      for (const f of manifest.files) out(`file       ${f.path} ${formatBytes(f.size)} sha256 ${f.sha256}`);
    });

  backup
    .command('restore')
    .description('restore a backup to a new database file (never over the live one)')
    .argument('[id]', 'backup id (or use --at)')
    .option('--at <time>', 'point in time: the newest backup at or before this ISO 8601 date and time (local time unless it has Z or an offset)')
    .requiredOption('--to <path>', 'where to write the restored database')
    .option('--force', 'replace the target if it exists')
    .option('--no-files', 'do not restore the log and attachment files beside the database')
    .option('--full-check', 'run the full integrity_check on the restored file (default: quick_check; the SHA-256 already proves it is the checked snapshot)')
    .option('--json', 'machine-readable output')
    .action(async (id: string | undefined, opts: { at?: string; to: string; force?: boolean; files: boolean; fullCheck?: boolean; json?: boolean }) => {
      if (!id === !opts.at) throw new BackupError('INVALID_ARGUMENT', 'give either a backup id or --at <time>, not both');
      const svc = service();
      if (opts.at && !opts.json) {
        const picked = await svc.resolveAt(opts.at);
        io.stderr.write(`--at ${opts.at}: using backup ${picked.id} (created ${picked.createdAt})\n`);
      }
      const r = await withProgress(svc, () =>
        svc.restore({ actor: osActor(), id, at: opts.at, to: opts.to, force: opts.force, files: opts.files, fullCheck: opts.fullCheck }),
      );
      if (opts.json) return json(r);
      out(`restored backup ${r.id} (created ${r.createdAt}) to ${r.path} in ${formatDuration(r.durationMs)}`);
      out(`  ${formatBytes(r.bytes)}, sha256 ${r.sha256} verified, integrity ${r.integrity}, ${r.files} data file(s)`);
      if (r.note) out(`  note: ${r.note}`);
    });

  backup
    .command('verify')
    .description('check that backups are complete; --read-data also decompresses and hashes every chunk')
    .argument('[id]', 'only this backup')
    .option('--read-data', 'read and hash every chunk (slower, finds silent corruption)')
    .option('--json', 'machine-readable output')
    .action(async (id: string | undefined, opts: { readData?: boolean; json?: boolean }) => {
      const svc = service();
      const report = await withProgress(svc, () => svc.verify({ actor: osActor(), id, readData: opts.readData }));
      if (opts.json) json(report);
      else {
        out(
          `${report.ok ? 'OK' : 'PROBLEMS FOUND'}: ${report.backups} backup(s), ${report.chunks} chunk(s) ${report.readData ? `read and hashed (${formatBytes(report.bytesRead)})` : 'present'} in ${formatDuration(report.durationMs)}`,
        );
        for (const p of report.problems) out(`  ${p.kind} ${p.object}: ${p.detail}\n    affects: ${p.affects.join(', ')}`);
        if (report.journal.brokenAt !== null) out(`  audit journal: hash chain broken at record ${report.journal.brokenAt}`);
      }
      if (!report.ok) throw new ExitWith(EXIT.failed);
    });

  backup
    .command('delete')
    .description('delete one backup and the data only it used')
    .argument('<id>', 'backup id')
    .option('--yes', 'do not ask for confirmation')
    .action(async (id: string, opts: { yes?: boolean }) => {
      const svc = service();
      const { summary } = await svc.show({ actor: osActor(), id });
      if (!opts.yes) {
        if (!io.stdin.isTTY) throw new BackupError('INVALID_ARGUMENT', 'refusing to delete without confirmation: pass --yes');
        const rl = readline.createInterface({ input: io.stdin, output: io.stderr });
        const answer = await rl.question(`Type the backup id to delete ${summary.id} (${formatLocalTime(summary.createdAt)}): `);
        rl.close();
        if (answer.trim() !== summary.id) {
          io.stderr.write('not deleted: the id did not match\n');
          throw new ExitWith(EXIT.failed);
        }
      }
      const r = await svc.delete({ actor: osActor(), id });
      out(`deleted backup ${r.id}; removed ${r.chunksRemoved} chunk(s), freed ${formatBytes(r.bytesFreed)}`);
    });

  for (const [name, pinned] of [['pin', true], ['unpin', false]] as const) {
    backup
      .command(name)
      .description(pinned ? 'protect a backup from retention and deletion' : 'let retention remove a backup again')
      .argument('<id>', 'backup id')
      .action(async (id: string) => {
        await service().pin({ actor: osActor(), id, pinned });
        out(`backup ${id} ${pinned ? 'pinned' : 'unpinned'}`);
      });
  }

  backup
    .command('prune')
    .description('apply the retention policy: remove old backups and the data nothing uses any more')
    .option('--dry-run', 'only show what would be removed')
    .option('--keep-hourly <n>', 'newest backup of each of the N most recent hours that have one', positiveInt, DEFAULT_RETENTION.keepHourly)
    .option('--keep-daily <n>', 'newest backup of each of the N most recent days that have one', positiveInt, DEFAULT_RETENTION.keepDaily)
    .option('--keep-weekly <n>', 'newest backup of each of the N most recent ISO weeks that have one', positiveInt, DEFAULT_RETENTION.keepWeekly)
    .option('--keep-monthly <n>', 'newest backup of each of the N most recent months that have one', positiveInt, DEFAULT_RETENTION.keepMonthly)
    .option('--max-age-days <n>', 'hourly and daily keepers older than this go', positiveInt, DEFAULT_RETENTION.maxAgeDays)
    .option('--json', 'machine-readable output')
    .action(async (opts: { dryRun?: boolean; json?: boolean } & RetentionPolicy) => {
      const { keepHourly, keepDaily, keepWeekly, keepMonthly, maxAgeDays } = opts;
      const parsed = retentionPolicySchema.safeParse({ keepHourly, keepDaily, keepWeekly, keepMonthly, maxAgeDays });
      if (!parsed.success) throw new BackupError('INVALID_ARGUMENT', `bad retention policy: ${parsed.error.issues[0]?.message}`);
      const svc = service();
      const r = await withProgress(svc, () => svc.prune({ actor: osActor(), dryRun: opts.dryRun, policy: parsed.data }));
      if (opts.json) return json(r);
      out(
        table(
          ['ID', 'DECISION', 'WHY'],
          r.decisions.map((d) => [d.id, d.keep ? 'keep' : r.dryRun ? 'would remove' : 'removed', d.reasons.join(', ')]),
        ),
      );
      out(
        r.dryRun
          ? `dry run: ${r.removed.length} backup(s) would go, freeing about ${formatBytes(r.bytesFreed)}`
          : `removed ${r.removed.length} backup(s) and ${r.chunksRemoved} chunk(s), freed ${formatBytes(r.bytesFreed)}`,
      );
    });

  userCommands(program, io);

  const db = program.command('db').description('application database administration');
  db.command('migrate')
    .description('create the database if needed and apply schema migrations')
    .action(() => {
      const file = program.opts<{ db: string }>().db;
      openAppDatabase(file).close();
      out(`${path.resolve(file)} is at schema version ${SCHEMA_VERSION}`);
    });
  db.command('seed')
    .description('fill the database with realistic demo data')
    .option('--incidents <n>', 'how many incidents', positiveInt, 1000)
    .option('--json', 'machine-readable output')
    .action((opts: { incidents: number; json?: boolean }) => {
      const conn = openAppDatabase(program.opts<{ db: string }>().db);
      try {
        const r = seedDatabase(conn, { incidents: opts.incidents });
        if (opts.json) json(r);
        else out(`seeded ${r.incidents} incidents, ${r.auditLogs} audit records, ${r.users} users`);
      } finally {
        conn.close();
      }
    });

  return program;
}

/** Runs the CLI; resolves with the exit code instead of exiting, so tests run it in-process. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const program = buildProgram(io);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return EXIT.ok;
  } catch (err) {
    if (err instanceof ExitWith) return err.code;
    if (err instanceof CommanderError) {
      // --help and --version end with exit code 0; help shown for a missing subcommand does not.
      return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    if (err instanceof BackupError) {
      io.stderr.write(`nexus: ${err.message}\n`);
      return err.code === 'INVALID_ARGUMENT' ? EXIT.usage : EXIT.failed;
    }
    if (err instanceof UserError) {
      io.stderr.write(`nexus: ${err.message}\n`);
      return err.code === 'INVALID' ? EXIT.usage : EXIT.failed;
    }
    io.stderr.write(`nexus: ${(err as Error).message ?? String(err)}\n`);
    return EXIT.failed;
  }
}
