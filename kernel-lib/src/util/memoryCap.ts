/**
 * A memory cap a child process enforces on itself. Node's `--max-old-space-size` bounds the
 * JavaScript heap only; Buffers and other off-heap memory (`external`) are not counted, so a
 * task could hold gigabytes beside a 1 GB heap. The cap counts both.
 */

/** How the parent passes the cap, in megabytes, to a child it spawns. */
export const MEMORY_LIMIT_ENV = "KITELAB_MEMORY_LIMIT_MB";

/** The exit code of a child that ended itself for going over its cap. */
export const MEMORY_EXCEEDED_EXIT_CODE = 86;

/** Memory the process's code holds now, in MB: the JavaScript heap plus off-heap Buffers. */
export function usedMemoryMb(): number {
  const usage = process.memoryUsage();
  return (usage.heapUsed + usage.external) / 2 ** 20;
}

/** The cap this process was given, or undefined for none. */
export function memoryLimitFromEnv(): number | undefined {
  const value = Number(process.env[MEMORY_LIMIT_ENV]);
  return Number.isFinite(value) && value > 0 ? value : undefined;
}

/** Whether the process holds more than `limitMb` now. */
export function overMemoryLimit(limitMb: number | undefined): boolean {
  return limitMb !== undefined && usedMemoryMb() > limitMb;
}

/**
 * Checks the cap every `intervalMs` and calls `onExceeded` once it is passed. The timer does
 * not keep the process alive. Returns a function that stops watching.
 */
export function watchMemory(limitMb: number | undefined, onExceeded: () => void, intervalMs = 100): () => void {
  if (limitMb === undefined) return () => {};
  const timer = setInterval(() => {
    if (!overMemoryLimit(limitMb)) return;
    clearInterval(timer);
    onExceeded();
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}

/** The V8 flag that caps the heap at the same figure; never below what a child needs to start. */
export function heapCapArgs(limitMb: number): string[] {
  return [`--max-old-space-size=${Math.max(64, Math.ceil(limitMb))}`];
}

/** Whether a child's exit says it went over its cap (its own check, or V8's heap limit). */
export function exitedForMemory(code: number | null, signal: NodeJS.Signals | null): boolean {
  return code === MEMORY_EXCEEDED_EXIT_CODE || code === 134 || signal === "SIGABRT";
}
