import type { TaskServices } from "../dag/context.js";
import type { Notifier } from "./notifier.js";
import { checkOutgoing, describeMessage, storeMessage } from "./outgoing.js";

/** The scheduler's answer to a task's `sendEmail` request (EmailOperator). */
export function createMailService(notifier: Notifier): TaskServices["sendEmail"] {
  return (message) => notifier.send(message);
}

/**
 * `sendEmail` for `dag.test()` in a notebook: no queue, no server; each message is checked
 * and written to `<home>/outbox/` at once, and the detail says where.
 */
export function createOutboxOnlyMailService(
  home: string,
  options: { from?: string; now?: () => Date } = {},
): TaskServices["sendEmail"] {
  const from = options.from ?? "kitelab@example.com";
  const now = options.now ?? (() => new Date());
  return async (input) => {
    const checked = await checkOutgoing(input);
    if (!checked.ok) return { delivered: false, detail: checked.error };
    try {
      const { path } = await storeMessage(home, checked.value, { from, now: now(), status: "written" });
      return {
        delivered: false,
        detail: `dag.test() does not send mail: ${describeMessage(checked.value)} was written to the outbox: ${path}`,
      };
    } catch (error) {
      return {
        delivered: false,
        detail: `Could not write ${describeMessage(checked.value)} to the outbox: ${(error as Error).message}`,
      };
    }
  };
}
