import { Writable } from 'node:stream';
import readline from 'node:readline/promises';
import type { Command } from 'commander';
import { ROLES, TOKEN_SCOPES, type Role, type TokenScope } from '../auth/roles.ts';
import { SessionStore, sessionsFileFor } from '../auth/sessions.ts';
import { UserError, Users } from '../auth/users.ts';
import { openAppDatabase } from '../db/connection.ts';
import { table } from './format.ts';
import type { CliIo } from './program.ts';

/** Reads a password: from standard input when piped, else asked twice on the terminal without echo. */
async function readPassword(io: CliIo, prompt: string): Promise<string> {
  if (!io.stdin.isTTY) {
    let text = '';
    for await (const chunk of io.stdin) text += chunk.toString();
    return text.replace(/\r?\n$/, '');
  }
  const ask = async (question: string) => {
    io.stderr.write(question);
    const muted = new Writable({ write: (_c, _e, cb) => cb() });
    const rl = readline.createInterface({ input: io.stdin, output: muted, terminal: true });
    const answer = await rl.question('');
    rl.close();
    io.stderr.write('\n');
    return answer;
  };
  const first = await ask(prompt);
  if ((await ask('Again: ')) !== first) throw new UserError('INVALID', 'the passwords do not match');
  return first;
}

/** `nexus user …`: accounts and API tokens, straight on the database (needs OS access to it). */
export function userCommands(program: Command, io: CliIo): void {
  const out = (text: string): void => void io.stdout.write(`${text}\n`);
  const withUsers = async <T>(fn: (users: Users) => Promise<T> | T): Promise<T> => {
    const db = openAppDatabase(program.opts<{ db: string }>().db);
    try {
      return await fn(new Users(() => db));
    } finally {
      db.close();
    }
  };
  const user = program.command('user').description('users and API tokens');

  user
    .command('add')
    .description('add a user; the password is read from standard input, or asked for on a terminal')
    .argument('<username>')
    .requiredOption('--role <role>', `one of ${ROLES.join(', ')}`)
    .option('--name <display name>', 'shown in the console')
    .option('--email <address>')
    .action(async (username: string, opts: { role: string; name?: string; email?: string }) => {
      if (!ROLES.includes(opts.role as Role)) throw new UserError('INVALID', `--role must be one of ${ROLES.join(', ')}`);
      const password = await readPassword(io, `Password for ${username}: `);
      const added = await withUsers((u) => u.add({ username, role: opts.role as Role, password, displayName: opts.name, email: opts.email }));
      out(`added ${added.role} ${added.username}`);
    });

  user
    .command('passwd')
    .description('set a user’s password (and lift a lock-out)')
    .argument('<username>')
    .action(async (username: string) => {
      const password = await readPassword(io, `New password for ${username}: `);
      await withUsers((u) => u.setPassword(username, password));
      const sessions = new SessionStore(sessionsFileFor(program.opts<{ db: string }>().db));
      const ended = sessions.destroyForUsername(username);
      sessions.close();
      out(`password of ${username} changed${ended ? `; ${ended} session(s) signed out` : ''}`);
    });

  user
    .command('list')
    .description('list users')
    .option('--json', 'machine-readable output')
    .action(async (opts: { json?: boolean }) => {
      const list = await withUsers((u) => u.list());
      if (opts.json) return out(JSON.stringify(list, null, 2));
      out(table(['USERNAME', 'ROLE', 'NAME', 'ACTIVE'], list.map((u) => [u.username, u.role, u.displayName, u.active ? 'yes' : 'no'])));
    });

  user
    .command('set')
    .description('change a user’s role, or disable / enable the account')
    .argument('<username>')
    .option('--role <role>', `one of ${ROLES.join(', ')}`)
    .option('--disable', 'the user can no longer sign in or use tokens; sessions end')
    .option('--enable', 'allow the user again')
    .action(async (username: string, opts: { role?: string; disable?: boolean; enable?: boolean }) => {
      if (opts.disable && opts.enable) throw new UserError('INVALID', 'give --disable or --enable, not both');
      if (!opts.role && !opts.disable && !opts.enable) throw new UserError('INVALID', 'nothing to change: give --role, --disable or --enable');
      const active = opts.disable ? false : opts.enable ? true : undefined;
      const changed = await withUsers((u) => u.update(username, { role: opts.role as Role | undefined, active }));
      if (active === false) {
        const sessions = new SessionStore(sessionsFileFor(program.opts<{ db: string }>().db));
        sessions.destroyForUsername(username);
        sessions.close();
      }
      out(`${changed.username}: ${changed.role}, ${changed.active ? 'enabled' : 'disabled'}`);
    });

  const token = user.command('token').description('API tokens for automation');
  token
    .command('list')
    .description('list API tokens (never their secrets)')
    .argument('[username]')
    .option('--json', 'machine-readable output')
    .action(async (username: string | undefined, opts: { json?: boolean }) => {
      const tokens = await withUsers((u) => u.listTokens(username));
      if (opts.json) return out(JSON.stringify(tokens, null, 2));
      out(
        table(
          ['ID', 'USER', 'NAME', 'PREFIX', 'SCOPES', 'CREATED', 'LAST USED', 'REVOKED'],
          tokens.map((t) => [String(t.id), t.username, t.name, `${t.prefix}…`, t.scopes, t.createdAt, t.lastUsedAt ?? '', t.revokedAt ?? '']),
        ),
      );
    });
  token
    .command('create')
    .description('create an API token; it is printed once on standard output')
    .argument('<username>')
    .option('--name <name>', 'what the token is for', 'cli')
    .option('--scopes <list>', `comma-separated, of ${TOKEN_SCOPES.join(', ')}`, TOKEN_SCOPES.join(','))
    .action(async (username: string, opts: { name: string; scopes: string }) => {
      const scopes = opts.scopes.split(',').map((s) => s.trim()) as TokenScope[];
      const { token: secret, id } = await withUsers((u) => u.createToken(username, opts.name, scopes));
      io.stderr.write(`token ${id} for ${username} (${scopes.join(', ')}); it is shown only now:\n`);
      out(secret);
    });
  token
    .command('revoke')
    .description('revoke an API token by its number')
    .argument('<id>')
    .action(async (id: string) => {
      const n = Number(id);
      if (!Number.isInteger(n) || n < 1) throw new UserError('INVALID', 'the token number is a positive whole number');
      if (!(await withUsers((u) => u.revokeToken(n)))) throw new UserError('NOT_FOUND', `no active token ${n}`);
      out(`token ${n} revoked`);
    });
}
