import { ValidationError } from "../../errors.js";
import { Queue } from "bullmq";
import type { Redis } from "ioredis";
import type { QueueSummary, WorkerSummary, WorkersView } from "../../web/ports.js";
import { openRedis } from "./connection.js";
import { redisOptionsOf, type BullmqSettings } from "./settings.js";
import { readWorkers } from "./registry.js";
import { taskQueueName } from "./wire.js";

/** Reads the workers' heartbeats and the queues' lengths from Redis for the worker view. */
export class WorkerMonitor implements WorkersView {
  private readonly redis: Redis;
  private readonly queues = new Map<string, Queue>();

  constructor(private readonly settings: BullmqSettings) {
    const options = redisOptionsOf(settings.redisUrl);
    if (!options.ok) throw new ValidationError(options.error);
    this.redis = openRedis(options.value);
  }

  async snapshot(): Promise<{ workers: WorkerSummary[]; queues: QueueSummary[] }> {
    const views = await readWorkers(this.redis, this.settings.prefix);
    const workers = views.map(
      (view): WorkerSummary => ({
        ...view,
        running: view.running.map((attempt) => ({ ...attempt.key, startedAt: attempt.startedAt })),
      }),
    );
    const names = [...new Set([this.settings.defaultQueue, ...workers.flatMap((worker) => worker.queues)])].sort();
    const queues = await Promise.all(
      names.map(async (name): Promise<QueueSummary> => {
        const counts = await this.queueFor(name).getJobCounts("waiting", "active", "delayed");
        return { name, waiting: counts.waiting ?? 0, active: counts.active ?? 0, delayed: counts.delayed ?? 0 };
      }),
    );
    return { workers, queues };
  }

  async close(): Promise<void> {
    await Promise.all([...this.queues.values()].map((queue) => queue.close()));
    this.redis.disconnect();
  }

  private queueFor(name: string): Queue {
    let queue = this.queues.get(name);
    if (!queue) {
      queue = new Queue(taskQueueName(name), { connection: this.redis, prefix: this.settings.prefix });
      queue.on("error", () => {});
      this.queues.set(name, queue);
    }
    return queue;
  }
}
