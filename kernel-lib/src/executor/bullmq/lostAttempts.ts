/** An attempt in flight and what Redis says about its claim. */
export interface ClaimState {
  id: string;
  /** The worker that took the attempt; undefined while it waits in its queue. */
  workerId?: string;
  alive: boolean;
}

/**
 * Which in-flight attempts are lost: taken by a worker that is no longer alive (its
 * heartbeat key expired). Waiting attempts are not lost: any worker of their queue may
 * still take them.
 */
export function lostAttempts(states: readonly ClaimState[]): Array<{ id: string; workerId: string }> {
  return states
    .filter((state) => state.workerId !== undefined && !state.alive)
    .map((state) => ({ id: state.id, workerId: state.workerId! }));
}
