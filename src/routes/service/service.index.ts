import { createRouter } from "../../lib/create-router";
import packageInfo from "../../../package.json";
import * as routes from "./service.routes";

const router = createRouter()
  .openapi(routes.root, (c) =>
    c.json(
      {
        name: "Antrian",
        version: packageInfo.version,
        description: packageInfo.description,
        links: { docs: "/docs", openapi: "/openapi.json", health: "/health" },
      },
      200,
    ),
  )
  .openapi(routes.health, async (c) => {
    await c.env.DB.prepare("SELECT 1").first();
    return c.json({ status: "ok" as const }, 200);
  });

export default router;
