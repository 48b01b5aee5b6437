/**
 * Wraps an async call so that calls made while one is in flight collapse into a single follow-up
 * run: under a stream of triggers it runs back to back, never more than one at a time, and the
 * last trigger is always followed by a run that started after it. Errors go to `onError`.
 *
 * Used for the cross-replica NOTIFYs: one per accepted event put a statement (and a commit on
 * PostgreSQL's one notification queue lock) on every accept; a NOTIFY that started after the
 * event's commit tells the listeners just as much.
 *
 * @example const notify = coalesce(() => db.execute(sql`notify x`), log.warn); notify(); notify();
 */
export function coalesce(run: () => Promise<unknown>, onError: (err: unknown) => void): () => void {
  let inFlight = false;
  let again = false;
  const go = () => {
    inFlight = true;
    again = false;
    run()
      .catch(onError)
      .finally(() => {
        inFlight = false;
        if (again) go();
      });
  };
  return () => {
    if (inFlight) again = true;
    else go();
  };
}
