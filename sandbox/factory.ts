import { randomUUID } from 'node:crypto';

/** How the sandbox factory reaches the API: a method, a path, a body; the status and the answer back. */
export type FactoryApi = (method: string, path: string, body?: unknown) => Promise<{ status: number; body: unknown }>;

type QualityProperty = { name: string; min: number; max: number };
type Job = { id: string; sku: string; status: string };

/**
 * Plays the shop floor of a made-to-order product: the terminal reports a job started, half done
 * and completed, and an inspector measures the finished goods against the product's standard;
 * `failFirst` makes the first final inspection fail (goods too large), so the job goes to rework.
 */
export function createSandboxFactory(api: FactoryApi, say: (line: string) => void, pause: () => Promise<unknown>) {
  const report = async (jobId: string, type: 'started' | 'progress' | 'completed', progress?: number) => {
    await pause();
    const body = {
      id: `pe-${randomUUID()}`,
      type,
      ...(progress !== undefined ? { progress } : {}),
      occurredAt: new Date().toISOString(),
    };
    const { status } = await api('POST', `/v1/production-jobs/${jobId}/events`, body);
    say(`factory: ${jobId} ${type}${progress !== undefined ? ` ${progress}%` : ''} (${status})`);
  };

  const inspect = async (job: Job, good: boolean) => {
    await pause();
    const { body: product } = (await api('GET', `/v1/products/${job.sku}`)) as {
      body: { qualityStandard: QualityProperty[] };
    };
    const measurements = Object.fromEntries(
      product.qualityStandard.map(({ name, min, max }, index) => [
        name,
        good || index > 0 ? (min + max) / 2 : max + (max - min),
      ]),
    );
    const { body } = (await api('POST', `/v1/production-jobs/${job.id}/inspections`, {
      id: `insp-${randomUUID()}`,
      stage: 'final',
      inspector: 'demo-inspector',
      measurements,
    })) as { body: { passed: boolean; failures: Array<{ name: string }> } };
    say(`inspector: ${job.id} ${body.passed ? 'passed' : `failed on ${body.failures.map((f) => f.name).join(', ')}`}`);
    return body.passed;
  };

  /** Makes every job of an order until each passed its final inspection. */
  async function make(jobs: Job[], options: { failFirst?: boolean } = {}): Promise<void> {
    for (const job of jobs) {
      let failNext = options.failFirst ?? false;
      await report(job.id, 'started');
      await report(job.id, 'progress', 50);
      for (;;) {
        await report(job.id, 'completed');
        if (await inspect(job, !failNext)) break;
        failNext = false;
        await report(job.id, 'started');
      }
    }
  }

  return { make };
}
