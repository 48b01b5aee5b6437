/**
 * The renderer could not run at all — its worker thread died or timed out, or the pool is shut
 * down — so nothing is known to be wrong with the message: the email channels answer `retry`
 * (as for any send failure), where an error thrown by a template itself stays `permanent`.
 * Its own module, free of imports, so the channels can tell it apart without loading the pool.
 */
export class RenderUnavailableError extends Error {
  override readonly name = "RenderUnavailableError";
}
