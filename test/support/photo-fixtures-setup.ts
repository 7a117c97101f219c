// Vitest global setup of the `e2e` project: builds the photo fixtures (test/fixtures/make-photo-fixtures.ts)
// before any journey reads them (the station journey uploads id-blue-12mp.jpg). They are generated, not
// committed; when they are already up to date this is a manifest check of a few milliseconds. The `unit`
// project's test/support/global-setup.ts does the same before it starts PostgreSQL.
import { makePhotoFixtures } from '../fixtures/make-photo-fixtures.js';

export default async function setup(): Promise<void> {
  await makePhotoFixtures();
}
