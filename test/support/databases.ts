/**
 * The dialects every store suite runs on. SQLite always; PostgreSQL at CUSTOS_TEST_PG_URL (default the
 * machine's local server), each suite in a schema of its own that is dropped afterwards. In CI a missing
 * PostgreSQL fails the run; elsewhere its suites are skipped with a message.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

export const PG_URL = process.env.CUSTOS_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

let pgAvailable: Promise<boolean> | undefined;

async function probePostgres(): Promise<boolean> {
  const client = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } catch (error) {
    if (process.env.CI) {
      throw new Error(`PostgreSQL is required in CI but unreachable at ${PG_URL}`, { cause: error });
    }
    process.stderr.write(`# PostgreSQL unreachable at ${PG_URL}: its suites are skipped\n`);
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

export function postgresAvailable(): Promise<boolean> {
  pgAvailable ??= probePostgres();
  return pgAvailable;
}

export interface TestDatabase {
  dialect: 'sqlite' | 'postgres';
  url: string;
  /** PostgreSQL schema of this suite (undefined for SQLite). */
  schema?: string;
  /** Where the SQLite file lives (undefined for PostgreSQL). */
  dir?: string;
  drop(): Promise<void>;
}

let counter = 0;

export async function newTestDatabase(dialect: 'sqlite' | 'postgres'): Promise<TestDatabase> {
  if (dialect === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'custos-test-'));
    return {
      dialect,
      url: `sqlite:${join(dir, 'custos.db')}`,
      dir,
      drop: async () => rmSync(dir, { recursive: true, force: true }),
    };
  }
  const schema = `t_${process.pid}_${Date.now().toString(36)}_${counter++}`;
  return {
    dialect,
    url: PG_URL,
    schema,
    drop: async () => {
      const client = new pg.Client({ connectionString: PG_URL });
      await client.connect();
      await client.query(`drop schema if exists ${schema} cascade`);
      await client.end();
    },
  };
}

/** The dialects to run a suite on: [['sqlite', true], ['postgres', available?]]. */
export async function dialects(): Promise<Array<{ dialect: 'sqlite' | 'postgres'; skip: boolean }>> {
  return [
    { dialect: 'sqlite', skip: false },
    { dialect: 'postgres', skip: !(await postgresAvailable()) },
  ];
}
