/**
 * The OpenAPI 3.1 document and the docs page. The document is built once per
 * isolate (on first request), not per request. The docs page is Swagger UI,
 * whose scripts and styles the worker serves itself from the swagger-ui-dist
 * package (Workers static assets): no CDN, so it works offline and no third
 * party sees a page about patient data.
 */
import { swaggerUI } from "@hono/swagger-ui";
import packageInfo from "../../package.json";
import type { AppOpenAPI } from "./types";

const DOC_CONFIG: Parameters<AppOpenAPI["getOpenAPI31Document"]>[0] = {
  openapi: "3.1.0",
  info: {
    title: "Antrian — clinic consultation booking API",
    version: packageInfo.version,
    description: [
      "Patients book a place in a consultation slot and receive a queue number (*nomor antrian*).",
      "One Durable Object per slot serialises every change to that slot: numbers never collide and a slot is never overbooked.",
      "",
      "Staff routes need `Authorization: Bearer <token>` (locally: `dev-token`). Every error is an RFC 9457 problem (`application/problem+json`) with a stable `code`.",
    ].join("\n"),
  },
  tags: [
    { name: "Service", description: "About the API and its health." },
    { name: "Consultation slots", description: "Slots patients can book. Reading is public; changes need a staff token." },
    { name: "Patients", description: "Patient records (staff only)." },
    { name: "Reservations", description: "Bookings and their queue numbers (staff only)." },
    { name: "Queue", description: "Running the queue on the day: call next, live status, waiting-room screen." },
  ],
};

let cachedDocument: unknown;

/** The generated document, memoised for the life of the isolate. */
export function openApiDocument(app: AppOpenAPI): unknown {
  cachedDocument ??= app.getOpenAPI31Document(DOC_CONFIG);
  return cachedDocument;
}

/** Files of swagger-ui-dist the docs page loads; nothing else in the package is served. */
const DOCS_ASSETS = new Set(["swagger-ui.css", "swagger-ui-bundle.js", "favicon-32x32.png", "favicon-16x16.png"]);
const ASSET_PREFIX = "/docs/assets/swagger-ui-dist/";

export function registerDocs(app: AppOpenAPI): void {
  app.openAPIRegistry.registerComponent("securitySchemes", "bearerAuth", {
    type: "http",
    scheme: "bearer",
    description: "A staff token from the API_TOKENS secret (locally: dev-token).",
  });

  app.get("/openapi.json", (c) => c.json(openApiDocument(app)));

  app.get(
    "/docs",
    swaggerUI({
      url: "/openapi.json",
      // @hono/swagger-ui appends /swagger-ui-dist/<file> to this base.
      baseUrl: "/docs/assets",
      title: "Antrian API docs",
      persistAuthorization: true,
      displayRequestDuration: true,
      tryItOutEnabled: true,
    }),
  );

  app.get("/favicon.ico", (c) => c.redirect(`${ASSET_PREFIX}favicon-32x32.png`, 301));

  app.get(`${ASSET_PREFIX}:file`, async (c) => {
    const file = c.req.param("file");
    if (!DOCS_ASSETS.has(file)) return c.notFound();
    const asset = await c.env.ASSETS.fetch(new URL(`/${file}`, c.req.url));
    if (!asset.ok) return c.notFound();
    const response = new Response(asset.body, asset);
    response.headers.set("Cache-Control", "public, max-age=86400");
    return response;
  });
}
