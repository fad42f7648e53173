import { createRouter } from "../../lib/create-router";
import * as handlers from "./patients.handlers";
import * as routes from "./patients.routes";

const router = createRouter()
  .openapi(routes.list, handlers.list)
  .openapi(routes.create, handlers.create)
  .openapi(routes.get, handlers.get)
  .openapi(routes.replace, handlers.replace)
  .openapi(routes.update, handlers.update)
  .openapi(routes.remove, handlers.remove);

export default router;
