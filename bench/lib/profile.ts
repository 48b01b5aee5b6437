import { writeFileSync } from "node:fs";
import { Session } from "node:inspector/promises";

/**
 * A CPU profile of one phase of a bench (this thread only), written as a `.cpuprofile` that
 * Chrome DevTools or speedscope open. Without a path it does nothing, so benches call it always.
 */
export async function profiled<T>(path: string | undefined, f: () => Promise<T>): Promise<T> {
  if (!path) return f();
  const session = new Session();
  session.connect();
  await session.post("Profiler.enable");
  await session.post("Profiler.setSamplingInterval", { interval: 200 });
  await session.post("Profiler.start");
  try {
    return await f();
  } finally {
    const { profile } = await session.post("Profiler.stop");
    writeFileSync(path, JSON.stringify(profile));
    session.disconnect();
    console.log(`  CPU profile of this phase: ${path}`);
  }
}
