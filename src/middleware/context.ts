import type { UserRow } from "../db/schema/users";
import type { Metrics } from "../delivery/metrics";
import type { Deps } from "../deps";

/** The signed-in user of a request: a users row, found by API key or by the page session. */
export type AuthedUser = UserRow;

/** What every request carries in Hono's context: the dependencies, its id and, once authenticated, its user. */
export type AppEnv = {
  Variables: {
    deps: Deps & { metrics: Metrics };
    requestId: string;
    user: AuthedUser;
  };
};
