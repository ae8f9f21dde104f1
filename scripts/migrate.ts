/** `npm run db:migrate`: applies migrations and seed data to DATABASE_URL. */
import { loadConfig } from '../config/env.js';
import { createDatabase } from '../db/client.js';
import { runMigrations } from '../db/migrate.js';
import { seedDatabase } from '../db/seed.js';

const config = loadConfig(process.env, 'tool');
if (!config.databaseUrl) {
  console.error('Set DATABASE_URL to the database to migrate.');
  process.exit(1);
}
await runMigrations(config.databaseUrl);
const { db, close } = createDatabase(config.databaseUrl, { max: 1 });
await seedDatabase(db, config.currency).finally(close);
console.log('migrated and seeded');
