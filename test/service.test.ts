import { describe, expect, it } from "vitest";
import { call, expectProblem, json } from "./helpers";

describe("service routes", () => {
  it("GET / names the API and links the docs", async () => {
    const response = await call("GET", "/", { token: null });
    expect(response.status).toBe(200);
    const body = await json(response);
    expect(body).toMatchObject({ name: "Antrian", links: { docs: "/docs", openapi: "/openapi.json" } });
    expect(body.version).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it("GET /health runs a D1 query and answers ok", async () => {
    const response = await call("GET", "/health", { token: null });
    expect(response.status).toBe(200);
    expect(await json(response)).toEqual({ status: "ok" });
  });

  it("every response carries an X-Request-Id, errors included", async () => {
    for (const path of ["/health", "/nope", "/patients"]) {
      const response = await call("GET", path, { token: null });
      expect(response.headers.get("X-Request-Id"), path).toMatch(/.{8,}/);
    }
  });

  it("an unknown route is a 404 not_found problem", async () => {
    await expectProblem(await call("GET", "/does-not-exist"), 404, "not_found");
    await expectProblem(await call("DELETE", "/health"), 404, "not_found");
  });
});
