/**
 * The waiting-room screen (SPEC §10): one self-contained page (no CDN, no
 * external font) showing the number being served very large, the next
 * numbers and the places left, updated live from the slot's WebSocket and
 * reconnecting by itself after a dropped connection.
 */

function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

export function displayPage(slot: { id: number; tanggal: string; waktu: string }, timeZone: string): string {
  const config = JSON.stringify({ slotId: slot.id, timeZone }).replace(/</g, "\\u003c");
  return `<!doctype html>
<html lang="id">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Antrian — Slot ${slot.id}</title>
<style>
  :root { color-scheme: dark; --bg: #0b1f33; --panel: #12304d; --accent: #ffd24a; --text: #f4f7fb; --muted: #9fb3c8; --ok: #3ddc84; --bad: #ff6b6b; }
  * { box-sizing: border-box; }
  html, body { margin: 0; height: 100%; overflow: hidden; background: var(--bg); color: var(--text); font-family: system-ui, "Segoe UI", Roboto, "Noto Sans", sans-serif; }
  /* Fixed to the screen: a TV in a waiting room cannot scroll. */
  body { display: grid; grid-template-rows: auto minmax(0, 1fr) auto; height: 100vh; }
  header, footer { display: flex; justify-content: space-between; align-items: center; padding: 2vh 4vw; font-size: clamp(1rem, 2.6vw, 2.2rem); }
  header h1 { margin: 0; font-size: inherit; font-weight: 700; letter-spacing: .02em; }
  #clock { font-variant-numeric: tabular-nums; font-weight: 700; }
  main { display: grid; grid-template-columns: minmax(0, 3fr) minmax(0, 2fr); gap: 3vw; padding: 0 4vw; align-items: stretch; min-height: 0; }
  .panel { background: var(--panel); border-radius: 2vw; padding: 3vh 3vw; display: flex; flex-direction: column; justify-content: center; min-width: 0; min-height: 0; overflow: hidden; }
  .label { color: var(--muted); font-size: clamp(1rem, 2.4vw, 2.4rem); text-transform: uppercase; letter-spacing: .08em; }
  .panel > .label:first-child { text-align: center; }
  /* line-height 1.2: at 1 the glyphs would always count as overflowing and fit() would shrink them. */
  #serving { font-size: clamp(6rem, 26vw, 30rem); line-height: 1.2; font-weight: 800; color: var(--accent); font-variant-numeric: tabular-nums; text-align: center; white-space: nowrap; overflow: hidden; flex: 0 1 auto; min-height: 0; transition: opacity .3s; }
  body.offline #serving { opacity: .45; }
  #next { display: flex; flex-wrap: wrap; gap: 1.5vw; margin-top: 2vh; min-height: 0; flex: 1 1 0; overflow: hidden; align-content: flex-start; font-size: clamp(2rem, 7vw, 8rem); }
  #next span { font-size: inherit; font-weight: 700; background: #1d4670; border-radius: 1vw; padding: .5vh 2vw; font-variant-numeric: tabular-nums; }
  #next .empty { font-size: clamp(1.5rem, 4vw, 4rem); font-weight: 400; background: none; padding: 0; }
  .stats { display: grid; grid-template-columns: 1fr 1fr; gap: 2vh 2vw; margin-top: 4vh; align-items: end; }
  .stat .label { display: block; white-space: nowrap; font-size: clamp(.9rem, 1.6vw, 1.8rem); }
  .stat b { display: block; font-size: clamp(2rem, 6vw, 6rem); font-variant-numeric: tabular-nums; }
  #status { display: inline-flex; align-items: center; gap: .6em; }
  #status::before { content: ""; width: .8em; height: .8em; border-radius: 50%; background: var(--bad); }
  #status.live::before { background: var(--ok); }
  .empty { color: var(--muted); font-size: clamp(1.5rem, 4vw, 4rem); }
</style>
</head>
<body>
<header>
  <h1>Antrian · <span id="slot-date">${escapeHtml(slot.tanggal)}</span> pukul ${escapeHtml(slot.waktu)}</h1>
  <div id="clock" aria-label="Waktu klinik">--:--</div>
</header>
<main>
  <section class="panel" aria-live="polite">
    <div class="label">Nomor dilayani</div>
    <div id="serving" data-testid="serving">–</div>
  </section>
  <section class="panel">
    <div class="label">Berikutnya</div>
    <div id="next" data-testid="next"><span class="empty">—</span></div>
    <div class="stats">
      <div class="stat"><span class="label">Menunggu</span><b id="waiting" data-testid="waiting">–</b></div>
      <div class="stat"><span class="label">Sisa kuota</span><b id="left" data-testid="left">–</b></div>
    </div>
  </section>
</main>
<footer>
  <span id="status" data-testid="connection">Menghubungkan…</span>
  <span id="updated"></span>
</footer>
<script>
(() => {
  const config = ${config};
  const $ = (id) => document.getElementById(id);
  // "Senin, 7 Desember 2026": the date as people in the waiting room say it.
  const [y, m, d] = $("slot-date").textContent.split("-").map(Number);
  $("slot-date").textContent = new Intl.DateTimeFormat("id-ID", { dateStyle: "full", timeZone: "UTC" }).format(new Date(Date.UTC(y, m - 1, d)));

  /** Shrinks an element's type until it fits its box: three-digit numbers must not push the page off a TV. */
  function fit(el, min) {
    el.style.fontSize = "";
    let size = parseFloat(getComputedStyle(el).fontSize);
    while (size > min && (el.scrollWidth > el.clientWidth || el.scrollHeight > el.clientHeight)) {
      size = Math.floor(size * 0.92);
      el.style.fontSize = size + "px";
    }
  }
  let last = null;
  window.addEventListener("resize", () => last && render(last));
  const clockFormat = new Intl.DateTimeFormat("id-ID", { timeZone: config.timeZone, hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false });
  const tick = () => { $("clock").textContent = clockFormat.format(new Date()); };
  tick();
  setInterval(tick, 1000);

  function render(q) {
    last = q;
    $("serving").textContent = q.sedang_dilayani === null ? "–" : String(q.sedang_dilayani);
    const next = $("next");
    next.replaceChildren();
    if (q.berikutnya.length === 0) {
      const none = document.createElement("span");
      none.className = "empty";
      none.textContent = "Tidak ada antrian";
      next.append(none);
    }
    for (const n of q.berikutnya) {
      const chip = document.createElement("span");
      chip.textContent = String(n);
      next.append(chip);
    }
    $("waiting").textContent = String(q.menunggu);
    $("left").textContent = String(q.sisa_kuota);
    $("updated").textContent = "Diperbarui " + clockFormat.format(new Date(q.updated_at));
    fit($("serving"), 48);
    fit($("next"), 24);
  }

  let retry = 0;
  function connect() {
    const url = new URL("/consultation-slots/" + config.slotId + "/queue/live", location.href);
    url.protocol = location.protocol === "https:" ? "wss:" : "ws:";
    const socket = new WebSocket(url);
    let pinger;
    socket.onopen = () => {
      retry = 0;
      document.body.classList.remove("offline");
      $("status").textContent = "Langsung";
      $("status").className = "live";
      pinger = setInterval(() => socket.readyState === 1 && socket.send("ping"), 25000);
    };
    socket.onmessage = (event) => {
      if (event.data === "pong") return;
      const message = JSON.parse(event.data);
      if (message.type === "queue") render(message.data);
      if (message.type === "closed") $("status").textContent = "Slot dihapus";
    };
    socket.onclose = (event) => {
      clearInterval(pinger);
      // The last number stays on screen, dimmed: it may be stale until the screen is live again.
      document.body.classList.add("offline");
      $("status").className = "";
      if (event.code === 4404) { $("status").textContent = "Slot dihapus"; return; }
      $("status").textContent = "Terputus — menyambung ulang…";
      // Back off up to 10 s so a restarting server is not hammered by every screen.
      const delay = Math.min(10000, 500 * 2 ** retry++);
      setTimeout(connect, delay);
    };
  }
  connect();
})();
</script>
</body>
</html>`;
}
