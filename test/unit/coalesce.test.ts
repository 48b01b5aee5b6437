// lib/coalesce: triggers during a run collapse into one follow-up run.
import { describe, expect, it } from "vitest";
import { coalesce } from "../../src/lib/coalesce";

const tick = () => new Promise((r) => setTimeout(r, 0));

describe("coalesce", () => {
  it("runs at once, folds triggers made meanwhile into one more run, and never overlaps", async () => {
    const started: number[] = [];
    let running = 0;
    let maxRunning = 0;
    const releases: (() => void)[] = [];
    const trigger = coalesce(
      () =>
        new Promise<void>((resolve) => {
          started.push(started.length);
          running++;
          maxRunning = Math.max(maxRunning, running);
          releases.push(() => {
            running--;
            resolve();
          });
        }),
      () => {},
    );
    trigger();
    expect(started).toHaveLength(1);
    trigger();
    trigger();
    trigger();
    expect(started).toHaveLength(1);
    releases[0]();
    await tick();
    expect(started).toHaveLength(2); // the three triggers: one follow-up
    releases[1]();
    await tick();
    expect(started).toHaveLength(2);
    expect(maxRunning).toBe(1);
    trigger();
    expect(started).toHaveLength(3);
  });

  it("a failed run reports its error and does not stop later runs", async () => {
    const errors: unknown[] = [];
    let n = 0;
    const trigger = coalesce(
      async () => {
        n++;
        if (n === 1) throw new Error("database away");
      },
      (e) => errors.push(e),
    );
    trigger();
    await tick();
    trigger();
    await tick();
    expect(n).toBe(2);
    expect(errors.map(String)).toEqual(["Error: database away"]);
  });
});
