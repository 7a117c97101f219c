import type { Kysely } from 'kysely';
import { sql } from 'kysely';

// A station serves one called ticket at a time (issue 9 section 2; C4): a partial unique index on the called
// tickets of a day by station. callNext serves the station's previous ticket before it calls the next one, and
// transferTicket refuses a station that is serving (STATION_BUSY); the index decides when two of them race on
// PostgreSQL (the loser runs again and sees the winner's ticket). Served, waiting and removed tickets are free.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await sql`create unique index queue_tickets_one_called_per_station on queue_tickets (campaign_id, date, station_id) where status = 'called'`.execute(db);
}
