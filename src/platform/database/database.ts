/**
 * The database: Kysely over one of two dialects, chosen by URL.
 *
 * - `sqlite:<path>`: better-sqlite3, WAL, `synchronous=FULL` so that a committed transaction is on disk
 *   (fsync), not only in the OS cache.
 * - `postgres://…`: node-postgres pool; `int8` values come back as numbers (all ours are epoch ms or
 *   counters, far below 2^53).
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect, sql, type Transaction } from 'kysely';
import pg from 'pg';
import { CustosError } from '../errors.ts';
import { type BulkInsert, kyselyBulkInsert, sqliteBulkInsert } from './bulk-insert.ts';
import type { Database } from './schema.ts';

export type DialectName = 'sqlite' | 'postgres';

/**
 * An open transaction, as services hand it from one store to another so that their writes commit together
 * (a customer's row and its data key). Outside `*.store.ts` it is an opaque token: nothing but a store
 * queries through it.
 */
export type DatabaseTransaction = Transaction<Database>;

export interface DatabaseHandle {
  db: Kysely<Database>;
  dialect: DialectName;
  /** PostgreSQL schema in use, when not the default search path. */
  schema?: string;
  /** SQLite only: the native connection, for stores whose hot path runs a whole transaction synchronously. */
  sqlite?: SQLite.Database;
  /** Many rows at once, by the fastest safe path of the dialect. */
  bulkInsert: BulkInsert;
  /** Cheap round trip for readiness checks; throws DATABASE_UNAVAILABLE. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  /** PostgreSQL only: the schema to use (created if missing); tests use one per suite. */
  schema?: string;
  /** PostgreSQL only: pool size. */
  poolSize?: number;
}

const INT8_OID = 20;

export function openDatabase(url: string, options: DatabaseOptions = {}): DatabaseHandle {
  if (url.startsWith('sqlite:')) return openSqlite(url.slice('sqlite:'.length));
  if (/^postgres(ql)?:\/\//.test(url)) return openPostgres(url, options);
  throw new CustosError('CONFIG_INVALID', 'Database URL must start with sqlite: or postgres://');
}

/**
 * A native connection to the SQLite file at `path`, set up as every Custos connection is (WAL, fsync on
 * commit, a busy timeout): the server's, and the ledger's commit worker's (src/ledger/commit-thread.ts).
 */
export function openNativeSqlite(path: string): SQLite.Database {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const native = new SQLite(path);
  native.pragma('journal_mode = WAL');
  native.pragma('synchronous = FULL');
  native.pragma('busy_timeout = 5000');
  native.pragma('foreign_keys = ON');
  // Deleted and overwritten content is zeroed, not left in free pages (erasure, rewritten logins).
  native.pragma('secure_delete = ON');
  // Up to 256 MiB of page cache (allocated as used): blind indexes are random keys, so inserts touch pages
  // all over them, and a page that stays cached is not re-read or re-written for the next transaction.
  native.pragma('cache_size = -262144');
  return native;
}

function openSqlite(path: string): DatabaseHandle {
  const native = openNativeSqlite(path);
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(native) }) });
  return {
    db,
    dialect: 'sqlite',
    sqlite: native,
    bulkInsert: sqliteBulkInsert(native),
    async ping() {
      try {
        native.prepare('select 1').get();
      } catch (cause) {
        throw new CustosError('DATABASE_UNAVAILABLE', 'The database is unavailable', { cause });
      }
    },
    close: () => db.destroy(),
  };
}

function openPostgres(url: string, options: DatabaseOptions): DatabaseHandle {
  const types = {
    getTypeParser: (oid: number, format?: 'text' | 'binary') =>
      oid === INT8_OID ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format),
  };
  const schema = options.schema;
  if (schema !== undefined && !/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) {
    throw new CustosError('CONFIG_INVALID', 'PostgreSQL schema name must be a plain identifier');
  }
  const pool = new pg.Pool({
    connectionString: url,
    // The ledger's group commit holds one connection at a time (one flush per process, and a checkpoint's insert
    // each second), so requests keep the rest however large its batches grow (config: CUSTOS_DATABASE_POOL_SIZE).
    max: options.poolSize ?? 10,
    types,
    ...(schema ? { options: `-c search_path=${schema}` } : {}),
  });
  // An idle client's network error must not crash the process; the next query reports it.
  pool.on('error', () => {});
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  let schemaReady: Promise<void> | undefined;
  return {
    db,
    dialect: 'postgres',
    schema,
    bulkInsert: kyselyBulkInsert(),
    async ping() {
      try {
        if (schema) {
          schemaReady ??= sql`create schema if not exists ${sql.id(schema)}`
            .execute(db)
            .then(() => undefined);
          await schemaReady;
        }
        await sql`select 1`.execute(db);
      } catch (cause) {
        schemaReady = undefined;
        throw new CustosError('DATABASE_UNAVAILABLE', 'The database is unavailable', { cause });
      }
    },
    close: () => db.destroy(),
  };
}

/**
 * Kysely prepares a new better-sqlite3 statement for every query; preparing costs more than running a
 * primary-key lookup. Queries are parameterised, so their SQL text repeats: cache the prepared statements
 * by text (bounded, least recently used out).
 */
function withStatementCache(native: SQLite.Database, limit = 512) {
  const cache = new Map<string, SQLite.Statement>();
  return {
    close: () => native.close(),
    prepare(query: string) {
      // Kysely opens transactions with a deferred `begin`. Another connection writes to the same file (the
      // ledger's commit worker, `custos import`): a transaction that reads, then writes after the other
      // committed, would fail with SQLITE_BUSY_SNAPSHOT. `begin immediate` takes the write lock first.
      const text = query === 'begin' ? 'begin immediate' : query;
      let statement = cache.get(text);
      if (statement) {
        cache.delete(text);
      } else {
        statement = native.prepare(text);
        if (cache.size >= limit) cache.delete(cache.keys().next().value as string);
      }
      cache.set(text, statement);
      return statement;
    },
  };
}
