import type Database from 'better-sqlite3';
import { openAppDatabase } from './connection.ts';

/**
 * The application's one database connection, behind a handle that an in-place restore can
 * close and reopen: everything holds this object and asks it for the connection on each use.
 */
export class AppDatabase {
  private connection: Database.Database | null;

  constructor(readonly file: string) {
    this.connection = openAppDatabase(file);
  }

  get conn(): Database.Database {
    if (!this.connection) throw new Error('the database is closed for maintenance');
    return this.connection;
  }

  get isOpen(): boolean {
    return this.connection !== null;
  }

  close(): void {
    if (!this.connection) return;
    // Fold the WAL into the file so that nothing of this database lives on in -wal.
    this.connection.pragma('wal_checkpoint(TRUNCATE)');
    this.connection.close();
    this.connection = null;
  }

  reopen(): void {
    if (this.connection) this.close();
    this.connection = openAppDatabase(this.file);
  }
}
