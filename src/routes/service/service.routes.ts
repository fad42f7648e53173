import { createRoute, z } from "@hono/zod-openapi";
import { errorResponses, jsonContent } from "../common.schemas";

const tags = ["Service"];

export const ServiceInfo = z
  .object({
    name: z.string(),
    version: z.string(),
    description: z.string(),
    links: z.object({ docs: z.string(), openapi: z.string(), health: z.string() }),
  })
  .openapi("ServiceInfo", {
    example: {
      name: "Antrian",
      version: "0.1.0",
      description: "Clinic consultation-booking API on Cloudflare Workers: queue numbers that never collide, slots never overbooked.",
      links: { docs: "/docs", openapi: "/openapi.json", health: "/health" },
    },
  });

export const root = createRoute({
  method: "get",
  path: "/",
  operationId: "getServiceInfo",
  summary: "Service name, version and links",
  tags,
  responses: {
    200: jsonContent(ServiceInfo, "About this API"),
    ...errorResponses({}),
  },
});

export const health = createRoute({
  method: "get",
  path: "/health",
  operationId: "getHealth",
  summary: "Health check (runs a trivial D1 query)",
  tags,
  responses: {
    200: jsonContent(z.object({ status: z.literal("ok") }).openapi("Health", { example: { status: "ok" } }), "The API and its database answer"),
    ...errorResponses({}),
  },
});
