/**
 * The interactive docs page (/docs) in headless Chromium, against a real
 * `wrangler dev` on a fresh database: it is served entirely by the worker (no
 * CDN), lists the whole OpenAPI document, and its "Try it out" really works,
 * for a public route and, after "Authorize", for a staff route.
 *
 * Run: npm run test:e2e (needs Debian's chromium; see test/e2e/README.md).
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Locator, Page } from "playwright-core";
import {
  clinicDate,
  describeBody,
  E2E_PORTS,
  foreignRequests,
  openRecordedPage,
  screenshotPath,
  withBrowser,
  withServer,
  type TestServer,
} from "./support.ts";

/** A host name that is not loopback, mapped to 127.0.0.1 inside Chromium only. */
const PUBLIC_HOST = "antrian-docs.example";

interface Operation {
  tag: string;
  method: string;
  path: string;
  operationId: string;
}

function operationsOf(doc: any): Operation[] {
  const operations: Operation[] = [];
  for (const [path, item] of Object.entries<any>(doc.paths ?? {})) {
    for (const method of ["get", "put", "post", "delete", "options", "head", "patch", "trace"]) {
      const op = item[method];
      if (!op) continue;
      for (const tag of op.tags?.length ? op.tags : ["default"]) {
        operations.push({ tag, method: method.toUpperCase(), path, operationId: op.operationId });
      }
    }
  }
  return operations;
}

/** Swagger UI's element for one operation, by its (deep-link) id. */
function operationBlock(page: Page, tag: string, operationId: string): Locator {
  return page.locator(`[id="operations-${tag.replace(/\s/g, "_")}-${operationId}"]`);
}

/** Expands an operation and puts it in "Try it out" mode (the docs may already start in it: tryItOutEnabled). */
async function tryItOut(op: Locator): Promise<void> {
  if ((await op.locator(".opblock-body").count()) === 0) await op.locator(".opblock-summary-control").click();
  await op.locator(".opblock-body").waitFor();
  const tryOut = op.locator("button.try-out__btn");
  if (!(await tryOut.getAttribute("class"))?.includes("cancel")) await tryOut.click();
  await op.locator("button.execute").waitFor();
}

/** Clicks Execute and returns the status and body Swagger UI renders for the live response. */
async function execute(op: Locator): Promise<{ status: number; body: string; headers: string }> {
  // A previous Execute's response stays on the page: clear it so the one read below is new.
  const clear = op.locator("button.btn-clear");
  if (await clear.count()) {
    await clear.click();
    await op.locator(".live-responses-table").waitFor({ state: "detached" });
  }
  await op.locator("button.execute").click();
  const live = op.locator(".live-responses-table tbody tr.response").first();
  await live.waitFor();
  const status = Number((await live.locator(".response-col_status").innerText()).trim());
  // Swagger UI renders "Response body", "Response headers", … each as an <h5> followed by its content.
  const sections = await live.locator(".response-col_description h5").evaluateAll((titles) =>
    Object.fromEntries(
      titles.map((h5) => {
        const content = h5.nextElementSibling;
        const pre = content?.matches("pre") ? content : content?.querySelector("pre");
        return [h5.textContent?.trim() ?? "", (pre as HTMLElement | null | undefined)?.innerText ?? ""];
      }),
    ),
  );
  const body = sections["Response body"] ?? "";
  const headers = sections["Response headers"] ?? "";
  return { status, body, headers };
}

/**
 * Types (or picks, for an enum) a parameter's value. A parameter with
 * `examples` also has Swagger UI's examples drop-down (`.examples-select-element`):
 * that one only pre-fills the field, so it is left alone.
 */
async function setParam(op: Locator, name: string, value: string): Promise<void> {
  const row = op.locator(`tr[data-param-name="${name}"]`);
  const select = row.locator("select:not(.examples-select-element)");
  if (await select.count()) await select.selectOption(value === "" ? { label: "--" } : value);
  else await row.locator("input").fill(value);
}

/** The query parameters Swagger UI put in the request URL it shows. */
async function sentQuery(op: Locator): Promise<{ url: string; query: Record<string, string> }> {
  const url = await op.locator(".request-url pre").innerText();
  return { url, query: Object.fromEntries(new URL(url).searchParams) };
}

async function createSlots(server: TestServer) {
  const inputs = [
    { tanggal: clinicDate(7), waktu: "09:00", kuota: 15, durasi_menit: 12 },
    { tanggal: clinicDate(8), waktu: "13:30", kuota: 8 },
  ];
  const slots = [];
  for (const input of inputs) {
    const response = await server.api("/consultation-slots", { method: "POST", auth: true, json: input });
    assert.equal(response.status, 201, `creating a slot through the API: ${describeBody(response.body)}`);
    slots.push(response.body as { id: number; tanggal: string; waktu: string; kuota: number });
  }
  return slots;
}

test("the /docs page works offline and its Try it out works", { timeout: 150_000 }, async (t) => {
  const started = Date.now();
  await withServer({ port: E2E_PORTS.docs }, async (server) => {
    t.diagnostic(`server ready in ${((Date.now() - started) / 1000).toFixed(1)} s at ${server.url}`);
    const slots = await createSlots(server);
    // Checked in the first subtest, after the page has had its chance to show what a reader would see.
    const docResponse = await server.api("/openapi.json");
    const doc = docResponse.body;

    await withBrowser(
      async (browser) => {
        const { page, requests, errors, context } = await openRecordedPage(browser);
        let rendered = false;
        try {
          await t.test("renders from the worker alone: every request stays on the server's origin", async () => {
            const response = await page.goto(`${server.url}/docs`);
            assert.equal(response?.status(), 200);
            await page.locator(".swagger-ui .info .title").waitFor();
            // Either the operations appear or Swagger UI shows its load error; whichever comes first.
            const loadError = page.locator(".swagger-ui .errors-wrapper");
            const listed = page.locator(".opblock-tag-section").first().waitFor().then(() => "listed" as const);
            const failed = loadError.waitFor().then(() => "failed" as const);
            // The loser keeps waiting until the page closes: its rejection is expected.
            listed.catch(() => {});
            failed.catch(() => {});
            if ((await Promise.race([listed, failed])) === "failed") {
              throw new Error(
                `Swagger UI could not load the API definition: ${await loadError.innerText()}\n` +
                  `GET /openapi.json answered ${docResponse.status}: ${describeBody(docResponse.body)}`,
              );
            }
            assert.equal(docResponse.status, 200, `GET /openapi.json: ${describeBody(docResponse.body)}`);
            rendered = true;
            assert.ok((await page.locator(".swagger-ui .info .title").innerText()).startsWith(doc.info.title), "the document's title");
            await page.waitForLoadState("networkidle");
            assert.ok(requests.some((r) => r.url().endsWith("/swagger-ui-bundle.js")), "the Swagger UI script comes from the worker");
            assert.ok(requests.some((r) => r.url().endsWith("/swagger-ui.css")), "the Swagger UI styles come from the worker");
            assert.deepEqual(foreignRequests(requests, server.url), [], "requests that left the server's origin");
            assert.deepEqual(errors.filter((e) => e.startsWith("pageerror")), [], "uncaught errors in the page");
          });

          await t.test("lists every tag and every operation of /openapi.json", async (t) => {
            if (!rendered) return t.skip("the page did not render");
            const expected = operationsOf(doc);
            const usedTags = [...new Set(expected.map((op) => op.tag))];
            const declaredTags: string[] = (doc.tags ?? []).map((tag: { name: string }) => tag.name);
            const emptyTags = declaredTags.filter((name) => !usedTags.includes(name));
            if (emptyTags.length) t.diagnostic(`tags declared without any operation (shown as empty sections): ${emptyTags.join(", ")}`);

            const renderedTags = await page.locator("h3.opblock-tag").evaluateAll((nodes) => nodes.map((n) => n.getAttribute("data-tag")));
            assert.deepEqual([...renderedTags].sort(), [...new Set([...declaredTags, ...usedTags])].sort(), "tag sections on the page");

            const renderedOps = await page.locator(".opblock-tag-section").evaluateAll((sections) =>
              sections.flatMap((section) => {
                const tag = section.querySelector("h3.opblock-tag")?.getAttribute("data-tag") ?? "";
                return [...section.querySelectorAll(".opblock")].map((block) => ({
                  tag,
                  method: block.querySelector(".opblock-summary-method")?.textContent?.trim() ?? "",
                  path: block.querySelector(".opblock-summary-path")?.getAttribute("data-path") ?? "",
                  id: block.id,
                  summary: block.querySelector(".opblock-summary-description")?.textContent?.trim() ?? "",
                }));
              }),
            );
            const key = (op: { tag: string; method: string; path: string }) => `${op.tag} | ${op.method} ${op.path}`;
            assert.deepEqual(renderedOps.map(key).sort(), expected.map(key).sort(), "operations on the page (tag | method path)");
            for (const op of expected) {
              const shown = renderedOps.find((r) => key(r) === key(op))!;
              assert.ok(shown.id.endsWith(`-${op.operationId}`), `${key(op)} is shown as ${shown.id}, operationId ${op.operationId}`);
              const summary = doc.paths[op.path][op.method.toLowerCase()].summary;
              assert.equal(shown.summary, summary, `summary of ${key(op)}`);
            }
          });

          const listOp = operationBlock(page, "Consultation slots", "listConsultationSlots");

          await t.test("Try it out → Execute on GET /consultation-slots without touching the fields: 200 with the created slots", async (t) => {
            if (!rendered) return t.skip("the page did not render");
            await tryItOut(listOp);
            // The optional filters' first example is "No filter" (an empty value): nothing is pre-filled.
            for (const name of ["tanggal", "dari", "sampai", "ketersediaan", "dapat_dipesan"]) {
              const row = listOp.locator(`tr[data-param-name="${name}"]`);
              const value = await row.locator("input, select:not(.examples-select-element)").first().inputValue();
              assert.equal(value, "", `the ${name} filter is not pre-filled`);
            }
            const result = await execute(listOp);
            const sent = await sentQuery(listOp);
            assert.equal(result.status, 200, `status for ${sent.url}: ${result.body}`);
            assert.deepEqual(Object.keys(sent.query).sort(), ["limit", "offset"], `no filter is sent: ${sent.url}`);
            const body = JSON.parse(result.body);
            assert.equal(body.total, slots.length, `total for ${sent.url}`);
            assert.deepEqual(
              body.data.map((slot: any) => [slot.id, slot.tanggal, slot.waktu, slot.kuota]),
              slots.map((slot) => [slot.id, slot.tanggal, slot.waktu, slot.kuota]),
            );
            assert.equal(new URL(sent.url).origin, server.url, "Try it out calls this server");
          });

          await t.test("a filter typed in the page is sent and applied; cleared again, it is no longer sent", async (t) => {
            if (!rendered) return t.skip("the page did not render");
            await tryItOut(listOp);
            await setParam(listOp, "tanggal", slots[1]!.tanggal);
            const filtered = await execute(listOp);
            const sent = await sentQuery(listOp);
            assert.equal(filtered.status, 200, `status for ${sent.url}: ${filtered.body}`);
            assert.equal(sent.query.tanggal, slots[1]!.tanggal, `the filter is in the request: ${sent.url}`);
            assert.deepEqual(JSON.parse(filtered.body).data.map((slot: any) => slot.id), [slots[1]!.id], `slots for ${sent.url}`);

            await setParam(listOp, "tanggal", "");
            const all = await execute(listOp);
            const again = await sentQuery(listOp);
            assert.equal(all.status, 200, `status for ${again.url}: ${all.body}`);
            assert.equal(again.query.tanggal, undefined, `a cleared filter is not sent: ${again.url}`);
            assert.deepEqual(JSON.parse(all.body).data.map((slot: any) => slot.id), slots.map((slot) => slot.id), `slots for ${again.url}`);
          });

          await t.test("Authorize with the dev token, then create a patient from the page: 201", async (t) => {
            if (!rendered) return t.skip("the page did not render");
            await page.locator(".auth-wrapper button.authorize").click();
            const modal = page.locator(".modal-ux");
            await modal.locator("#auth-bearer-value").fill(server.token);
            await modal.locator("button.modal-btn.authorize").click();
            await modal.locator("button.btn-done").click();
            await modal.waitFor({ state: "detached" });
            await page.locator(".auth-wrapper button.authorize.locked").waitFor();

            const createOp = operationBlock(page, "Patients", "createPatient");
            await tryItOut(createOp);
            const patient = {
              nama: "Dewi Kartika Sari",
              email: `dewi.kartika.${Date.now()}@example.co.id`,
              nomor_telepon: "0813-2468-1357",
            };
            const editor = createOp.locator("textarea.body-param__text");
            assert.match(await editor.inputValue(), /"nama"/, "the request body starts from the documented example");
            await editor.fill(JSON.stringify(patient, null, 2));
            const sent = page.waitForRequest((r) => r.method() === "POST" && new URL(r.url()).pathname === "/patients");
            const result = await execute(createOp);
            const request = await sent;
            assert.equal(request.headers()["authorization"], `Bearer ${server.token}`, "the page sends the token it was given");
            assert.equal(result.status, 201, `status: ${result.body}`);
            const created = JSON.parse(result.body);
            assert.equal(created.nama, patient.nama);
            assert.equal(created.email, patient.email);
            assert.match(result.headers, new RegExp(`location: /patients/${created.id}\\b`, "i"), "the Location header is shown");
            // The operation from its header down to the rendered server response (not the documented ones below).
            const clip = await createOp.evaluate((block) => {
              const box = block.getBoundingClientRect();
              const end = block.querySelector(".live-responses-table")!.getBoundingClientRect();
              return { x: box.x + scrollX, y: box.y + scrollY, width: box.width, height: end.bottom - box.top + 8 };
            });
            await page.screenshot({ path: screenshotPath("docs-create-patient.png"), fullPage: true, clip });

            const check = await server.api(`/patients/${created.id}`, { auth: true });
            assert.equal(check.status, 200);
            assert.deepEqual(
              { nama: check.body.nama, email: check.body.email, nomor_telepon: check.body.nomor_telepon },
              patient,
              "the patient exists through the API",
            );
          });

          await t.test(
            "Execute on POST /reservations twice (two patients) with what the page pre-fills: both 201",
            async (t) => {
              if (!rendered) return t.skip("the page did not render");
              const bookOp = operationBlock(page, "Reservations", "bookReservation");
              await tryItOut(bookOp);
              const results: string[] = [];
              for (const n of [1, 2]) {
                const patient = await server.api("/patients", {
                  method: "POST",
                  auth: true,
                  json: { nama: `Pasien Dokumen ${n}`, email: `pasien.dokumen.${n}.${Date.now()}@example.co.id`, nomor_telepon: `0812-5555-000${n}` },
                });
                assert.equal(patient.status, 201, describeBody(patient.body));
                await bookOp.locator("textarea.body-param__text").fill(JSON.stringify({ patient_id: patient.body.id, consultation_slot_id: slots[0]!.id }));
                const sent = page.waitForRequest((r) => r.method() === "POST" && new URL(r.url()).pathname === "/reservations");
                const result = await execute(bookOp);
                const key = (await sent).headers()["idempotency-key"];
                results.push(`${result.status} (Idempotency-Key: ${key ?? "none"}) ${result.status === 201 ? "" : result.body.replace(/\s+/g, " ")}`.trim());
              }
              assert.deepEqual(results.map((r) => Number(r.slice(0, 3))), [201, 201], results.join(" | "));
            },
          );

          await t.test("no request left the server's origin during the whole session", () => {
            assert.ok(requests.length > 0);
            assert.deepEqual(foreignRequests(requests, server.url), []);
          });

          await t.test(`also under a public host name (${PUBLIC_HOST}), where localhost exemptions do not apply`, async (t) => {
            if (!rendered) return t.skip("the page did not render");
            const origin = `http://${PUBLIC_HOST}:${E2E_PORTS.docs}`;
            const other = await openRecordedPage(browser);
            try {
              await other.page.goto(`${origin}/docs`);
              await other.page.locator(".opblock-tag-section").first().waitFor();
              await other.page.waitForLoadState("networkidle");
              assert.deepEqual(foreignRequests(other.requests, origin), []);
            } finally {
              await other.context.close();
            }
          });
        } finally {
          // The page as a reader sees it: every section listed, operations collapsed, Authorize locked.
          await page
            .locator(".opblock.is-open .opblock-summary-control")
            .evaluateAll((buttons) => buttons.forEach((b) => (b as HTMLElement).click()))
            .catch(() => {});
          await page.screenshot({ path: screenshotPath("docs.png"), fullPage: true }).catch(() => {});
          if (errors.length) t.diagnostic(`browser console: ${[...new Set(errors)].join(" | ")}`);
          await context.close();
        }
      },
      { hostMap: [PUBLIC_HOST] },
    );
  });
  t.diagnostic(`total ${((Date.now() - started) / 1000).toFixed(1)} s`);
});
