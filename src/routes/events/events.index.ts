import { ChangeEventSchema } from "../../lib/event-schema";
import { createRouter } from "../common";
import * as handlers from "./events.handlers";
import * as routes from "./events.routes";

export const eventsRoutes = createRouter()
  .openapi(routes.postEvent, handlers.postEvent)
  .openapi(routes.listEvents, handlers.listEvents)
  .openapi(routes.getEvent, handlers.getEvent);

// postEvent refers to the schema by $ref (see events.routes.ts): the document carries it as a component
eventsRoutes.openAPIRegistry.register("ChangeEvent", ChangeEventSchema);
