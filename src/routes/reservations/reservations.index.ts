import { createRouter } from "../../lib/create-router";
import * as handlers from "./reservations.handlers";
import * as routes from "./reservations.routes";

const router = createRouter()
  .openapi(routes.list, handlers.list)
  .openapi(routes.create, handlers.create)
  .openapi(routes.get, handlers.get)
  .openapi(routes.update, handlers.update)
  .openapi(routes.remove, handlers.remove);

export default router;
