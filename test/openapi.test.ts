/**
 * The OpenAPI document (SPEC §4, §7, §10): 3.1, built once, every route the
 * app serves and nothing else, each with an operationId, a tag, a summary,
 * examples and its error responses, the bearer scheme on staff routes only;
 * and a light structural validation. Also the docs page: no third-party CDN.
 */
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { createApp } from "../src/app";
import { openApiDocument } from "../src/lib/openapi";
import { call, json } from "./helpers";

type Json = any;

const METHODS = ["get", "put", "post", "delete", "options", "head", "patch", "trace"] as const;

/** SPEC §4 and §10: the routes that need a token. Everything else the document lists is public. */
const TOKEN_ROUTES = new Set([
  "POST /consultation-slots",
  "PUT /consultation-slots/{id}",
  "PATCH /consultation-slots/{id}",
  "DELETE /consultation-slots/{id}",
  "GET /patients",
  "POST /patients",
  "GET /patients/{id}",
  "PUT /patients/{id}",
  "PATCH /patients/{id}",
  "DELETE /patients/{id}",
  "GET /reservations",
  "POST /reservations",
  "GET /reservations/{id}",
  "PATCH /reservations/{id}",
  "DELETE /reservations/{id}",
  "POST /consultation-slots/{id}/queue/next",
]);

/** SPEC §4 and §10: routes that must be in the document (the app may serve more; those must be documented too). */
const SPEC_ROUTES = [
  "GET /",
  "GET /health",
  "GET /consultation-slots",
  "GET /consultation-slots/{id}",
  ...TOKEN_ROUTES,
  "GET /consultation-slots/{id}/queue",
  "GET /consultation-slots/{id}/queue/live",
  "GET /display/{id}",
];

interface Operation {
  key: string;
  method: string;
  path: string;
  op: Json;
  pathItem: Json;
}

let doc: Json;
let operations: Operation[];

function operationsOf(document: Json): Operation[] {
  const result: Operation[] = [];
  for (const [path, pathItem] of Object.entries<Json>(document.paths ?? {})) {
    for (const method of METHODS) {
      const op = pathItem[method];
      if (op) result.push({ key: `${method.toUpperCase()} ${path}`, method, path, op, pathItem });
    }
  }
  return result;
}

/** Resolves a local JSON pointer (`#/components/schemas/X`); undefined if it points nowhere. */
function resolvePointer(document: Json, ref: string): Json {
  if (!ref.startsWith("#/")) return undefined;
  let node: Json = document;
  for (const raw of ref.slice(2).split("/")) {
    const part = raw.replace(/~1/g, "/").replace(/~0/g, "~");
    if (node === null || typeof node !== "object" || !(part in node)) return undefined;
    node = node[part];
  }
  return node;
}

function deref(node: Json): Json {
  let current = node;
  for (let i = 0; current && typeof current === "object" && typeof current.$ref === "string" && i < 10; i++) {
    current = resolvePointer(doc, current.$ref);
  }
  return current;
}

/** Every `$ref` anywhere in the document, with where it was found. */
function collectRefs(node: Json, at: string, out: [string, string][] = []): [string, string][] {
  if (Array.isArray(node)) node.forEach((item, i) => collectRefs(item, `${at}/${i}`, out));
  else if (node && typeof node === "object") {
    for (const [key, value] of Object.entries(node)) {
      if (key === "$ref" && typeof value === "string") out.push([at, value]);
      else collectRefs(value, `${at}/${key}`, out);
    }
  }
  return out;
}

/**
 * Whether a schema carries an authored example: on itself, or (for objects and
 * arrays) on every property / on its items, as Swagger UI composes them.
 * A single-valued enum or a const is its own example.
 */
function hasExample(schemaOrRef: Json, depth = 0): boolean {
  const schema = deref(schemaOrRef);
  if (!schema || typeof schema !== "object" || depth > 8) return false;
  if (schema.example !== undefined || (Array.isArray(schema.examples) && schema.examples.length > 0)) return true;
  if (schema.const !== undefined || (Array.isArray(schema.enum) && schema.enum.length === 1)) return true;
  for (const key of ["allOf", "anyOf", "oneOf"] as const) {
    if (Array.isArray(schema[key]) && schema[key].some((s: Json) => hasExample(s, depth + 1))) return true;
  }
  if (schema.type === "array" || schema.items) return schema.items ? hasExample(schema.items, depth + 1) : false;
  if (schema.properties && Object.keys(schema.properties).length > 0) {
    return Object.values(schema.properties).every((p) => hasExample(p, depth + 1));
  }
  return false;
}

function mediaHasExample(media: Json): boolean {
  if (!media) return false;
  if (media.example !== undefined) return true;
  if (media.examples && Object.keys(media.examples).length > 0) return true;
  return hasExample(media.schema);
}

/** The app's own routes, as `METHOD /path/{param}`, without middleware and the document/docs themselves. */
function servedRoutes(): Set<string> {
  const served = new Set<string>();
  for (const { method, path } of createApp().routes) {
    if (method === "ALL") continue;
    // The document itself, the docs page and its assets (favicon included) are not API routes.
    if (path === "/openapi.json" || path === "/docs" || path.startsWith("/docs/assets/") || path === "/favicon.ico") continue;
    served.add(`${method} ${path.replace(/:([A-Za-z0-9_]+)(\{[^}]*\})?/g, "{$1}")}`);
  }
  return served;
}

beforeAll(async () => {
  const response = await call("GET", "/openapi.json", { token: null });
  expect(response.status, await response.clone().text()).toBe(200);
  doc = await json(response);
  operations = operationsOf(doc);
});

describe("GET /openapi.json", () => {
  it("is an OpenAPI 3.1 document served as JSON", async () => {
    const response = await call("GET", "/openapi.json", { token: null });
    expect(response.headers.get("Content-Type")).toContain("application/json");
    expect(doc.openapi).toMatch(/^3\.1(\.\d+)?$/);
    expect(typeof doc.info?.title).toBe("string");
    expect(typeof doc.info?.version).toBe("string");
    expect(typeof doc.paths).toBe("object");
  });

  it("is built once: equal content on every request, the same object every time", async () => {
    const again = await json(await call("GET", "/openapi.json", { token: null }));
    expect(again).toEqual(doc);

    const app = createApp();
    expect(openApiDocument(app)).toBe(openApiDocument(app));

    const build = vi.spyOn(app, "getOpenAPI31Document");
    for (let i = 0; i < 3; i++) {
      const ctx = createExecutionContext();
      const response = await app.fetch(new Request("http://antrian.test/openapi.json"), env, ctx);
      await waitOnExecutionContext(ctx);
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual(doc);
    }
    expect(build.mock.calls.length).toBeLessThanOrEqual(1);
  });
});

describe("the document lists every route", () => {
  it("has an operation for every route the app serves, and none it does not serve", () => {
    const served = servedRoutes();
    const documented = new Set(operations.map((o) => o.key));
    expect([...served].filter((r) => !documented.has(r)), "served but not documented").toEqual([]);
    expect([...documented].filter((r) => !served.has(r)), "documented but not served").toEqual([]);
  });

  it("includes every route of SPEC §4 and §10", () => {
    const documented = new Set(operations.map((o) => o.key));
    expect(SPEC_ROUTES.filter((r) => !documented.has(r))).toEqual([]);
  });
});

describe("every operation", () => {
  it("has a unique operationId", () => {
    const ids = operations.map((o) => o.op.operationId);
    for (const [i, id] of ids.entries()) expect(typeof id === "string" && id.length > 0, operations[i]!.key).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("has a summary and at least one tag, declared at the top of the document", () => {
    const declared = new Set((doc.tags ?? []).map((t: Json) => t.name));
    for (const { key, op } of operations) {
      expect(typeof op.summary === "string" && op.summary.length > 0, `${key} summary`).toBe(true);
      expect(Array.isArray(op.tags) && op.tags.length > 0, `${key} tags`).toBe(true);
      for (const tag of op.tags) expect(declared.has(tag), `${key} tag ${tag}`).toBe(true);
    }
  });

  it("has a success response and its error responses, each error a Problem with an example", () => {
    for (const { key, path, op } of operations) {
      const codes = Object.keys(op.responses ?? {});
      expect(codes.some((c) => /^(1|2)\d\d$/.test(c)), `${key} success`).toBe(true);
      const errors = codes.filter((c) => /^[45]\d\d$/.test(c));
      expect(errors.length, `${key} errors`).toBeGreaterThan(0);
      expect(codes, `${key} 500`).toContain("500");
      if (TOKEN_ROUTES.has(key)) expect(codes, `${key} 401`).toContain("401");
      if (path.includes("{id}")) {
        expect(codes, `${key} 404`).toContain("404");
        expect(codes, `${key} 422`).toContain("422");
      }
      if (op.requestBody) {
        for (const code of ["400", "413", "415", "422"]) expect(codes, `${key} ${code}`).toContain(code);
      }
      if ((op.parameters ?? []).some((p: Json) => deref(p).in === "query")) expect(codes, `${key} 422`).toContain("422");
      for (const code of errors) {
        const media = op.responses[code].content?.["application/problem+json"];
        expect(media, `${key} ${code} problem+json`).toBeDefined();
        const schema = deref(media.schema);
        expect(schema?.properties && Object.keys(schema.properties), `${key} ${code} schema`).toEqual(
          expect.arrayContaining(["type", "title", "status", "detail", "code"]),
        );
        expect(mediaHasExample(media), `${key} ${code} example`).toBe(true);
      }
    }
  });

  it("has examples in its request body and its JSON success responses", () => {
    const missing: string[] = [];
    for (const { key, op } of operations) {
      if (op.requestBody) {
        const media = deref(op.requestBody).content?.["application/json"];
        if (!media) missing.push(`${key} request body (not JSON)`);
        else if (!mediaHasExample(media)) missing.push(`${key} request body`);
      }
      for (const [code, response] of Object.entries<Json>(op.responses)) {
        if (!/^2\d\d$/.test(code)) continue;
        const media = deref(response).content?.["application/json"];
        if (media && !mediaHasExample(media)) missing.push(`${key} ${code} response`);
      }
    }
    expect(missing, "operations without examples").toEqual([]);
  });

  it("has an example for each parameter", () => {
    for (const { key, op } of operations) {
      for (const parameter of (op.parameters ?? []).map(deref)) {
        const example = parameter.example ?? parameter.schema?.example ?? (parameter.examples && Object.keys(parameter.examples)[0]);
        expect(example, `${key} parameter ${parameter.name}`).toBeDefined();
      }
    }
  });
});

describe("bearer auth in the document", () => {
  it("declares the bearer scheme", () => {
    expect(doc.components?.securitySchemes?.bearerAuth).toMatchObject({ type: "http", scheme: "bearer" });
  });

  it("puts bearerAuth on every token route and on no public route", () => {
    for (const { key, op } of operations) {
      const security = op.security ?? doc.security ?? [];
      const needsToken = security.some((s: Json) => Object.keys(s).includes("bearerAuth"));
      expect(needsToken, key).toBe(TOKEN_ROUTES.has(key));
    }
  });

  it("names only declared schemes", () => {
    const schemes = Object.keys(doc.components?.securitySchemes ?? {});
    for (const { key, op } of operations) {
      for (const requirement of op.security ?? []) {
        for (const name of Object.keys(requirement)) expect(schemes, key).toContain(name);
      }
    }
  });

  it("matches what the app does: documented token routes answer 401 without a token, public ones do not", async () => {
    for (const { key, method, path, op } of operations) {
      const url = path.replace(/\{[^}]+\}/g, "1");
      const response = await call(method.toUpperCase(), url, { token: null });
      // Do not wait for a stream to end; the status is what counts.
      await response.body?.cancel();
      if (op.security?.length) expect(response.status, key).toBe(401);
      else expect(response.status, key).not.toBe(401);
    }
  });
});

describe("structure", () => {
  it("every $ref resolves", () => {
    const refs = collectRefs(doc, "#");
    expect(refs.length).toBeGreaterThan(0);
    for (const [at, ref] of refs) expect(resolvePointer(doc, ref), `${ref} at ${at}`).toBeDefined();
  });

  it("every path parameter is declared, required and in the path; every parameter well-formed", () => {
    for (const { key, path, op, pathItem } of operations) {
      const parameters = [...(pathItem.parameters ?? []), ...(op.parameters ?? [])].map(deref);
      const inTemplate = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
      const declaredPath = parameters.filter((p: Json) => p.in === "path");
      expect(declaredPath.map((p: Json) => p.name).sort(), key).toEqual([...inTemplate].sort());
      for (const p of declaredPath) expect(p.required, `${key} ${p.name} required`).toBe(true);
      const seen = new Set<string>();
      for (const p of parameters) {
        expect(["query", "header", "path", "cookie"], `${key} ${p.name}`).toContain(p.in);
        expect(typeof p.name === "string" && p.name.length > 0, key).toBe(true);
        expect(p.schema ?? p.content, `${key} ${p.name} schema`).toBeDefined();
        const id = `${p.in}:${p.in === "header" ? p.name.toLowerCase() : p.name}`;
        expect(seen.has(id), `${key} duplicate ${id}`).toBe(false);
        seen.add(id);
      }
    }
  });

  it("every response has a description", () => {
    for (const { key, op } of operations) {
      for (const [code, response] of Object.entries<Json>(op.responses)) {
        expect(/^([1-5]\d\d|[1-5]XX|default)$/.test(code), `${key} ${code}`).toBe(true);
        const description = deref(response).description;
        expect(typeof description === "string" && description.length > 0, `${key} ${code}`).toBe(true);
      }
    }
  });

  it("every required property of a component schema exists", () => {
    for (const [name, schema] of Object.entries<Json>(doc.components?.schemas ?? {})) {
      for (const property of schema.required ?? []) {
        expect(Object.keys(schema.properties ?? {}), `${name}.${property}`).toContain(property);
      }
    }
  });

  it("every path starts with / and has no Hono-style :params", () => {
    for (const path of Object.keys(doc.paths)) {
      expect(path.startsWith("/"), path).toBe(true);
      expect(path.includes(":"), path).toBe(false);
    }
  });
});

describe("GET /docs", () => {
  it("loads the document and its own scripts and styles, from no third party", async () => {
    const response = await call("GET", "/docs", { token: null });
    expect(response.status).toBe(200);
    expect(response.headers.get("Content-Type")).toContain("text/html");
    const html = await response.text();
    expect(html).toContain("/openapi.json");
    const assets = [...html.matchAll(/<(?:script|link)\b[^>]*\b(?:src|href)=["']([^"']+)["']/gi)].map((m) => m[1]!);
    expect(assets.length).toBeGreaterThan(0);
    for (const asset of assets) {
      expect(asset.startsWith("/") && !asset.startsWith("//"), asset).toBe(true);
      const loaded = await call("GET", asset, { token: null });
      expect(loaded.status, asset).toBe(200);
      await loaded.body?.cancel();
    }
    expect(html).not.toMatch(/(?:src|href)=["'](?:https?:)?\/\//i);
  });
});
