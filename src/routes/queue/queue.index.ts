import { createRouter } from "../../lib/create-router";
import * as handlers from "./queue.handlers";
import * as routes from "./queue.routes";

const router = createRouter()
  .openapi(routes.status, handlers.status)
  .openapi(routes.next, handlers.next)
  .openapi(routes.live, handlers.live)
  .openapi(routes.display, handlers.display);

export default router;
