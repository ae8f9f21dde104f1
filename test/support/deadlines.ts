/** Resolves once `moment` (an ISO time or epoch milliseconds a workflow announced as a deadline) has passed. */
export async function waitUntil(moment: string | number): Promise<void> {
  const at = typeof moment === 'string' ? Date.parse(moment) : moment;
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, at - Date.now() + 1)));
}
