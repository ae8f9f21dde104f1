/** `npm run temporal:ensure`: finds or builds the Temporal CLI and prints its path. */
import { ensureTemporalCli } from '../infra/temporal-cli.js';

try {
  const path = await ensureTemporalCli((line) => console.error(line));
  console.log(path);
} catch (error) {
  console.error((error as Error).message);
  process.exit(1);
}
