/**
 * The waiting-room screen `/display/{id}` (SPEC §10) in headless Chromium,
 * against a real `wrangler dev` on a fresh database: it is self-contained (no
 * CDN), shows what `GET /consultation-slots/{id}/queue` says, follows calls,
 * bookings and cancellations live without reloading, and reconnects by
 * itself when the server goes away and comes back with the same data.
 *
 * Run: npm run test:e2e (needs Debian's chromium; see test/e2e/README.md).
 */
import assert from "node:assert/strict";
import { test, type TestContext } from "node:test";
import type { Page, WebSocket } from "playwright-core";
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

interface QueueStatus {
  consultation_slot_id: number;
  kuota: number;
  terisi: number;
  sisa_kuota: number;
  nomor_terakhir: number;
  sedang_dilayani: number | null;
  menunggu: number;
  berikutnya: number[];
  updated_at: string;
}

/** What the screen shows, read from its data-testid elements. */
interface Shown {
  serving: string;
  /** The next-number chips (the "nobody waiting" note excluded). */
  next: string[];
  waiting: string;
  left: string;
}

/** What the screen should show for a queue status. */
function expectedFor(status: QueueStatus): Shown {
  return {
    serving: status.sedang_dilayani === null ? "–" : String(status.sedang_dilayani),
    next: status.berikutnya.map(String),
    waiting: String(status.menunggu),
    left: String(status.sisa_kuota),
  };
}

async function shown(page: Page): Promise<Shown> {
  return page.evaluate(() => {
    const text = (id: string) => document.querySelector(`[data-testid="${id}"]`)?.textContent?.trim() ?? "";
    const next = [...(document.querySelector('[data-testid="next"]')?.children ?? [])]
      .filter((chip) => !chip.classList.contains("empty"))
      .map((chip) => chip.textContent?.trim() ?? "");
    return { serving: text("serving"), next, waiting: text("waiting"), left: text("left") };
  });
}

async function connection(page: Page): Promise<{ text: string; live: boolean }> {
  return page
    .locator('[data-testid="connection"]')
    .evaluate((el) => ({ text: el.textContent?.trim() ?? "", live: el.classList.contains("live") }));
}

/**
 * What is wrong with how the screen fits its viewport: a waiting-room screen
 * cannot scroll, so anything outside the viewport is simply not seen. Empty
 * when the page fits and the number being served lies inside its panel.
 */
async function layoutProblems(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const problems: string[] = [];
    const root = document.documentElement;
    if (root.scrollWidth > innerWidth || root.scrollHeight > innerHeight) {
      problems.push(`the page is ${root.scrollWidth}×${root.scrollHeight} in a ${innerWidth}×${innerHeight} viewport`);
    }
    for (const id of ["serving", "next", "waiting", "left", "connection"]) {
      const box = document.querySelector(`[data-testid="${id}"]`)!.getBoundingClientRect();
      if (box.left < 0 || box.top < 0 || box.right > innerWidth + 0.5 || box.bottom > innerHeight + 0.5) {
        problems.push(`[data-testid=${id}] reaches ${Math.round(box.right)}×${Math.round(box.bottom)}, outside the viewport`);
      }
    }
    const serving = document.querySelector('[data-testid="serving"]') as HTMLElement;
    const range = document.createRange();
    range.selectNodeContents(serving);
    const text = range.getBoundingClientRect();
    const panel = serving.closest(".panel")!.getBoundingClientRect();
    if (text.left < panel.left || text.right > panel.right) {
      problems.push(`the served number (${Math.round(text.left)}–${Math.round(text.right)}) sticks out of its panel (${Math.round(panel.left)}–${Math.round(panel.right)})`);
    }
    return problems;
  });
}

/** Polls until `check` returns true; on timeout, fails with `describe()` of the last state. */
async function waitUntil(check: () => Promise<boolean>, describe: () => Promise<string>, timeoutMs: number, what: string): Promise<number> {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > timeoutMs) throw new assert.AssertionError({ message: `${what}: not within ${timeoutMs / 1000} s; last seen ${await describe()}` });
    await new Promise((r) => setTimeout(r, 50));
  }
  return Date.now() - started;
}

/** Waits until the screen shows `status` (it never reloads to get there); returns how long that took. */
async function waitForScreen(page: Page, status: QueueStatus, what: string, timeoutMs = 10_000): Promise<number> {
  const expected = expectedFor(status);
  let last: Shown | undefined;
  try {
    return await waitUntil(
      async () => {
        last = await shown(page);
        return JSON.stringify(last) === JSON.stringify(expected);
      },
      async () => JSON.stringify(last),
      timeoutMs,
      what,
    );
  } catch (error) {
    // The same failure as a deep-equal diff, which says precisely which element is wrong.
    assert.deepEqual(last, expected, `${what}: the screen should show GET …/queue within ${timeoutMs / 1000} s`);
    throw error;
  }
}

async function waitForLive(page: Page, live: boolean, what: string, timeoutMs: number): Promise<number> {
  let last = { text: "", live: !live };
  return waitUntil(
    async () => {
      last = await connection(page);
      return last.live === live;
    },
    async () => JSON.stringify(last),
    timeoutMs,
    what,
  );
}

async function queueStatus(server: TestServer, slotId: number): Promise<QueueStatus> {
  const response = await server.api(`/consultation-slots/${slotId}/queue`);
  assert.equal(response.status, 200, `GET /consultation-slots/${slotId}/queue: ${describeBody(response.body)}`);
  return response.body as QueueStatus;
}

async function createPatient(server: TestServer, n: number): Promise<number> {
  const names = ["Budi Santoso", "Siti Rahayu", "Agus Wijaya", "Dewi Lestari", "Rina Marlina", "Joko Susilo"];
  const response = await server.api("/patients", {
    method: "POST",
    auth: true,
    json: { nama: names[n % names.length], email: `pasien.${n}.${Date.now()}@example.co.id`, nomor_telepon: `0812-0000-${String(1000 + n)}` },
  });
  assert.equal(response.status, 201, `creating patient ${n}: ${describeBody(response.body)}`);
  return response.body.id;
}

async function book(server: TestServer, patientId: number, slotId: number): Promise<{ id: number; nomor_antrian: number }> {
  const response = await server.api("/reservations", { method: "POST", auth: true, json: { patient_id: patientId, consultation_slot_id: slotId } });
  assert.equal(response.status, 201, `booking patient ${patientId}: ${describeBody(response.body)}`);
  return response.body;
}

async function callNext(server: TestServer, slotId: number): Promise<number> {
  const response = await server.api(`/consultation-slots/${slotId}/queue/next`, { method: "POST", auth: true });
  assert.equal(response.status, 200, `POST /consultation-slots/${slotId}/queue/next: ${describeBody(response.body)}`);
  return response.body.nomor_antrian;
}

test("the waiting-room screen /display/{id} follows the queue live and reconnects by itself", { timeout: 170_000 }, async (t) => {
  const started = Date.now();
  const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  await withServer({ port: E2E_PORTS.display }, async (server) => {
    t.diagnostic(`server ready in ${seconds(Date.now() - started)} at ${server.url}`);

    // A slot in a few days (bookable), four patients booked: numbers 1–4.
    const slotResponse = await server.api("/consultation-slots", {
      method: "POST",
      auth: true,
      json: { tanggal: clinicDate(3), waktu: "09:00", kuota: 6, durasi_menit: 10 },
    });
    assert.equal(slotResponse.status, 201, `creating the slot: ${describeBody(slotResponse.body)}`);
    const slotId: number = slotResponse.body.id;
    const patients: number[] = [];
    for (let n = 0; n < 6; n++) patients.push(await createPatient(server, n));
    const reservations: { id: number; nomor_antrian: number }[] = [];
    for (const patientId of patients.slice(0, 4)) reservations.push(await book(server, patientId, slotId));
    assert.deepEqual(reservations.map((r) => r.nomor_antrian), [1, 2, 3, 4], "queue numbers of the first four bookings");

    await withBrowser(async (browser) => {
      const { page, requests, errors, context } = await openRecordedPage(browser);
      const sockets: WebSocket[] = [];
      page.on("websocket", (socket) => sockets.push(socket));
      let navigations = 0;
      page.on("framenavigated", (frame) => {
        if (frame === page.mainFrame()) navigations++;
      });
      const marker = `display-${Date.now()}`;
      /** The page is still the one loaded first: no reload, no navigation. */
      const assertNotReloaded = async (what: string) => {
        assert.equal(await page.evaluate(() => (window as any).__e2eMarker), marker, `${what}: the marker set on window is gone, so the page was reloaded`);
        assert.equal(navigations, 1, `${what}: main-frame navigations`);
      };
      let live = false;
      const needLive = (t: TestContext) => {
        if (!live) t.skip("the page never showed a live connection");
        return !live;
      };

      try {
        await t.test("loads from the worker alone and shows the queue as GET …/queue has it", async (t) => {
          const response = await page.goto(`${server.url}/display/${slotId}`);
          assert.equal(response?.status(), 200);
          assert.match(response!.headers()["content-type"] ?? "", /^text\/html/);
          await page.evaluate((value) => ((window as any).__e2eMarker = value), marker);
          const connectMs = await waitForLive(page, true, "the connection element shows the live state", 15_000);
          live = true;
          t.diagnostic(`live ${seconds(connectMs)} after the page loaded: "${(await connection(page)).text}"`);

          const status = await queueStatus(server, slotId);
          assert.equal(status.sedang_dilayani, null, "nobody called yet");
          assert.deepEqual(status.berikutnya, [1, 2, 3, 4]);
          assert.equal(status.sisa_kuota, 2);
          await waitForScreen(page, status, "before any call");
          assert.equal((await shown(page)).serving, "–", "nobody is being served yet");

          await page.waitForLoadState("networkidle");
          assert.deepEqual(foreignRequests(requests, server.url), [], "requests that left the server's origin");
          assert.deepEqual(
            requests.map((r) => `${r.resourceType()} ${new URL(r.url()).pathname}`).filter((r) => !r.endsWith("/favicon.ico")),
            [`document /display/${slotId}`],
            "the page needs nothing but itself (styles and script inline, no fonts or images)",
          );
          assert.deepEqual(
            sockets.map((s) => s.url()),
            [`ws://${new URL(server.url).host}/consultation-slots/${slotId}/queue/live`],
            "one WebSocket, to this server's live queue",
          );
          assert.deepEqual(errors, [], "errors in the page");
          await page.screenshot({ path: screenshotPath("display-before-call.png") });
        });

        await t.test("a call through the API shows the called number, without reloading", async (t) => {
          if (needLive(t)) return;
          const calledAt = Date.now();
          assert.equal(await callNext(server, slotId), 1);
          const status = await queueStatus(server, slotId);
          assert.equal(status.sedang_dilayani, 1);
          await waitForScreen(page, status, "after calling number 1");
          t.diagnostic(`number 1 on the screen ${Date.now() - calledAt} ms after the call was sent`);
          await assertNotReloaded("after calling number 1");
          await page.screenshot({ path: screenshotPath("display.png") });
          // Readable across a room: on this 1280×900 screen the number is at least a quarter of the screen's height.
          const font = await page.locator('[data-testid="serving"]').evaluate((el) => parseFloat(getComputedStyle(el).fontSize));
          t.diagnostic(`the served number is set in ${font} px on a 1280×900 screen`);
          assert.ok(font >= 900 / 4, `the served number's font size (${font} px) is at least a quarter of the screen's height`);
          assert.deepEqual(await layoutProblems(page), [], "the screen fits its viewport");

          assert.equal(await callNext(server, slotId), 2);
          const again = await queueStatus(server, slotId);
          assert.deepEqual([again.sedang_dilayani, again.berikutnya], [2, [3, 4]]);
          await waitForScreen(page, again, "after calling number 2");
          await assertNotReloaded("after calling number 2");
        });

        await t.test("a new booking and a cancellation update the waiting count and the places left", async (t) => {
          if (needLive(t)) return;
          const fifth = await book(server, patients[4]!, slotId);
          assert.equal(fifth.nomor_antrian, 5);
          const booked = await queueStatus(server, slotId);
          assert.deepEqual([booked.menunggu, booked.sisa_kuota, booked.berikutnya], [3, 1, [3, 4, 5]]);
          await waitForScreen(page, booked, "after booking number 5");

          const cancel = await server.api(`/reservations/${reservations[3]!.id}`, { method: "PATCH", auth: true, json: { status: "cancelled" } });
          assert.equal(cancel.status, 200, `cancelling number 4: ${describeBody(cancel.body)}`);
          const cancelled = await queueStatus(server, slotId);
          assert.deepEqual([cancelled.menunggu, cancelled.sisa_kuota, cancelled.berikutnya], [2, 2, [3, 5]]);
          await waitForScreen(page, cancelled, "after cancelling number 4");
          await assertNotReloaded("after a booking and a cancellation");
        });

        await t.test("after the server goes away and comes back (same data), the page reconnects by itself", async (t) => {
          if (needLive(t)) return;
          const before = await queueStatus(server, slotId);
          const haltedAt = Date.now();
          await server.halt();
          const noticed = await waitForLive(page, false, "the connection element leaves the live state once the server is gone", 15_000);
          const down = await connection(page);
          t.diagnostic(`server stopped in ${seconds(Date.now() - haltedAt)}; the page showed "${down.text}" ${seconds(noticed)} after the stop began`);
          assert.notEqual(down.text, "Langsung", "the status text no longer claims to be live");
          // The last known queue stays on the screen while disconnected.
          assert.deepEqual(await shown(page), expectedFor(before), "the screen keeps the last known queue while disconnected");
          await page.screenshot({ path: screenshotPath("display-disconnected.png") });

          const restartAt = Date.now();
          await server.start();
          t.diagnostic(`server back in ${seconds(Date.now() - restartAt)}`);
          // The page backs off up to 10 s between attempts.
          const reconnectMs = await waitForLive(page, true, "the page reconnects by itself", 25_000);
          t.diagnostic(`the page was live again ${seconds(reconnectMs)} after the server answered`);
          await assertNotReloaded("after reconnecting");
          assert.ok(sockets.length >= 2, "a new WebSocket was opened");

          const after = await queueStatus(server, slotId);
          assert.deepEqual(expectedFor(after), expectedFor(before), "the restarted server kept the queue");
          assert.equal(await callNext(server, slotId), 3);
          const status = await queueStatus(server, slotId);
          assert.deepEqual([status.sedang_dilayani, status.berikutnya], [3, [5]]);
          await waitForScreen(page, status, "after calling number 3 on the restarted server");
          await assertNotReloaded("after calling number 3 on the restarted server");
          await page.screenshot({ path: screenshotPath("display-after-reconnect.png") });
        });

        await t.test("calling the last patient leaves nobody next; a further call is 409 queue_empty and changes nothing", async (t) => {
          if (needLive(t)) return;
          assert.equal(await callNext(server, slotId), 5);
          const last = await queueStatus(server, slotId);
          assert.deepEqual([last.sedang_dilayani, last.berikutnya, last.menunggu], [5, [], 0]);
          await waitForScreen(page, last, "after calling number 5, the last one");
          assert.equal(await page.locator('[data-testid="next"] .empty').innerText(), "Tidak ada antrian", "the screen says nobody is next");

          const empty = await server.api(`/consultation-slots/${slotId}/queue/next`, { method: "POST", auth: true });
          assert.equal(empty.status, 409, describeBody(empty.body));
          assert.equal(empty.body.code, "queue_empty", describeBody(empty.body));
          await new Promise((r) => setTimeout(r, 500));
          assert.deepEqual(await shown(page), expectedFor(await queueStatus(server, slotId)), "the screen after the refused call");
          assert.equal((await shown(page)).serving, "5");
          await assertNotReloaded("at the end");
        });

        await t.test(
          "fits 16:9 TV screens with two- and three-digit numbers and an empty queue (WebSocket mocked with the states)",
          async () => {
            const states = [
              { sedang_dilayani: 42, berikutnya: [43, 44, 45, 46, 47], menunggu: 23, sisa_kuota: 12 },
              { sedang_dilayani: 128, berikutnya: [129, 130, 131, 132, 133], menunggu: 57, sisa_kuota: 120 },
              { sedang_dilayani: 12, berikutnya: [], menunggu: 0, sisa_kuota: 8 },
            ];
            const problems: string[] = [];
            for (const [width, height] of [
              [1920, 1080],
              [1366, 768],
            ] as const) {
              for (const state of states) {
                const status: QueueStatus = {
                  consultation_slot_id: slotId,
                  kuota: 200,
                  terisi: 200 - state.sisa_kuota,
                  nomor_terakhir: state.berikutnya.at(-1)! + 10,
                  updated_at: new Date().toISOString(),
                  ...state,
                };
                const context = await browser.newContext({ viewport: { width, height }, locale: "id-ID" });
                try {
                  const mocked = await context.newPage();
                  // The page's own code renders the state: only the stream is replaced.
                  await mocked.routeWebSocket(/\/queue\/live$/, (ws) => {
                    ws.send(JSON.stringify({ type: "queue", data: { ...status, rata_rata_layanan_menit: 10 } }));
                    ws.onMessage((message) => message === "ping" && ws.send("pong"));
                  });
                  await mocked.goto(`${server.url}/display/${slotId}`);
                  await waitForScreen(mocked, status, `mocked state at ${width}×${height}`);
                  const name = `display-${width}x${height}-${state.sedang_dilayani}.png`;
                  await mocked.screenshot({ path: screenshotPath(name) });
                  const found = await layoutProblems(mocked);
                  if (state.berikutnya.length === 0) {
                    // The page's own CSS means `.empty` as a muted note, but `#next span` (more specific) draws it as a number chip.
                    const note = await mocked.locator('[data-testid="next"] .empty').evaluate((el) => getComputedStyle(el).backgroundColor);
                    if (note !== "rgba(0, 0, 0, 0)") found.push(`the "Tidak ada antrian" note is drawn as a number chip (background ${note})`);
                  }
                  for (const problem of found) problems.push(`${width}×${height}, serving ${state.sedang_dilayani} (${name}): ${problem}`);
                } finally {
                  await context.close();
                }
              }
            }
            assert.deepEqual(problems, [], "layout problems");
          },
        );

        await t.test("no request left the server's origin and no script error during the whole session", () => {
          assert.deepEqual(foreignRequests(requests, server.url), []);
          const host = new URL(server.url).host;
          assert.deepEqual(sockets.map((s) => new URL(s.url()).host).filter((h) => h !== host), [], "WebSockets to other hosts");
          assert.deepEqual(errors.filter((e) => e.startsWith("pageerror")), [], "uncaught errors in the page");
        });
      } finally {
        // Console errors are expected while the server is down (refused WebSocket connections).
        if (errors.length) t.diagnostic(`browser console: ${[...new Set(errors)].join(" | ")}`);
        await context.close();
      }
    });
  });
  t.diagnostic(`total ${seconds(Date.now() - started)}`);
});
