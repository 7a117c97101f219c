import pg from 'pg';
import { describe, expect, inject, it } from 'vitest';
import { createScratchDatabase } from './postgres.js';

describe('PostgreSQL provided by the global setup', () => {
  it('answers select 1', async () => {
    const url = inject('postgresUrl');
    expect(url).toMatch(/^postgres(ql)?:\/\//);
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const { rows } = await client.query<{ one: number }>('select 1 as one');
      expect(rows).toEqual([{ one: 1 }]);
    } finally {
      await client.end();
    }
  });

  it.skipIf(Boolean(process.env.TEST_DATABASE_URL))('creates and drops scratch databases on the throwaway server', async () => {
    const scratch = await createScratchDatabase(inject('postgresUrl'));
    const client = new pg.Client({ connectionString: scratch.url });
    await client.connect();
    try {
      const { rows } = await client.query<{ db: string }>('select current_database() as db');
      expect(rows[0]?.db).toBe(new URL(scratch.url).pathname.slice(1));
    } finally {
      await client.end();
    }
    await scratch.drop();
  });
});
