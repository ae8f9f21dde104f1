import postgres from 'postgres';

/**
 * Runs `statement` (a lock) in a transaction on a connection of its own and keeps that transaction
 * open until `release()`, as a slow or stalled writer would: whoever needs the rows or table waits.
 */
export async function holdLock(
  databaseUrl: string,
  statement: string,
  parameters: postgres.ParameterOrJSON<never>[] = [],
): Promise<{ release(): Promise<void> }> {
  const sql = postgres(databaseUrl, { max: 1, onnotice: () => {} });
  let release!: () => void;
  let locked!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  const isLocked = new Promise<void>((resolve) => (locked = resolve));
  const transaction = sql.begin(async (tx) => {
    await tx.unsafe(statement, parameters);
    locked();
    await released;
  });
  await Promise.race([isLocked, transaction]);
  return {
    async release() {
      release();
      await transaction;
      await sql.end({ timeout: 5 });
    },
  };
}
