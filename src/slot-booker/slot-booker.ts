/**
 * SlotBooker: one Durable Object per consultation slot, named from the slot id.
 * Every change to the slot and its reservations goes through it, one at a time.
 *
 * D1 is the record. The object keeps the slot's counters in memory (loaded from
 * D1 on first use) so it can refuse "full", "closed", "in the past" and
 * "already booked" without touching D1, and it writes each accepted change as
 * one atomic statement or batch whose SQL enforces the rules again. A stale
 * memory can therefore only refuse too much, never admit too much.
 *
 * A Durable Object interleaves requests whenever it awaits something other than
 * its own storage (a D1 query is such an await), so every operation runs on a
 * promise queue (`#serially`): the next one starts only when the last finished.
 */
import { DurableObject } from "cloudflare:workers";
import type { ConsultationSlotRow, ReservationRow, ReservationStatus } from "../db/schema";
import { clinicNow, clinicTimeZone, isoNow, slotHasStarted } from "../lib/clinic-time";
import { constraintViolated } from "../db/client";
import {
  deleteReservationRow,
  deleteSlotRow,
  findReservationRow,
  insertBooking,
  loadSlotSnapshot,
  moveBooking,
  slotExists,
  updateReservationStatus,
  updateSlotRow,
  type SlotChanges,
  type SlotSnapshot,
} from "../queries/bookings";
import { findNextToCall, loadQueueFacts, recordCall } from "../queries/queue";
import type { QueueTimings } from "../queue/estimates";
import { queueStatus, type QueueStatus } from "../queue/status";
import { canTransition, holdsPlace, isPending } from "./reservation-status";
import type { Outcome, RefusalCode } from "./outcome";

/** A new booking and where it stands in the queue: enough to answer without reading D1 again. */
export interface BookedPlace {
  reservation: ReservationRow;
  posisi: number;
  timings: QueueTimings;
}

interface SlotState {
  slot: ConsultationSlotRow;
  holders: Set<number>;
}

export class SlotBooker extends DurableObject<Env> {
  /** null until loaded, and again whenever D1 may have changed behind our back. */
  #state: SlotState | null = null;
  #tail: Promise<unknown> = Promise.resolve();

  /**
   * Runs `operation` after every operation queued before it has finished. An
   * unexpected failure (D1 unreachable, a write whose result was lost) leaves
   * the outcome unknown: memory is dropped, to be rebuilt from D1, and the
   * caller gets `service_unavailable` to retry, never a silent success.
   */
  #serially<T>(operation: () => Promise<Outcome<T>>): Promise<Outcome<T>> {
    const result = this.#tail.then(operation).catch((error: unknown): Outcome<T> => {
      this.#state = null;
      console.error(
        JSON.stringify({ level: "error", source: "slot-booker", error: errorClass(error), message: "slot operation failed" }),
      );
      return refuse("service_unavailable", "The clinic's booking service could not confirm this change; retry shortly.");
    });
    this.#tail = result;
    return result;
  }

  get #timeZone(): string {
    return clinicTimeZone(this.env);
  }

  async #load(slotId: number): Promise<SlotState | null> {
    if (this.#state && this.#state.slot.id === slotId) return this.#state;
    const snapshot: SlotSnapshot | null = await loadSlotSnapshot(this.env.DB, slotId);
    this.#state = snapshot ? { slot: snapshot.slot, holders: new Set(snapshot.holders) } : null;
    return this.#state;
  }

  /** The refusal for a new place in this slot, decided from memory alone. */
  #refuseAdmission(state: SlotState, patientId: number): Outcome<never> | null {
    const { slot, holders } = state;
    if (!slot.ketersediaan) {
      return refuse("slot_closed", `Consultation slot ${slot.id} is closed for booking.`);
    }
    if (slotHasStarted(slot.tanggal, slot.waktu, this.#timeZone)) {
      return refuse("slot_in_past", `Consultation slot ${slot.id} (${slot.tanggal} ${slot.waktu}) has already started.`);
    }
    if (holders.has(patientId)) {
      return refuse("duplicate_reservation", `Patient ${patientId} already holds a place in consultation slot ${slot.id}.`);
    }
    if (holders.size >= slot.kuota) {
      return refuse("slot_full", `Consultation slot ${slot.id} has no places left (kuota ${slot.kuota}).`);
    }
    return null;
  }

  /** Books a place for a patient; the object assigns the queue number. */
  async book(slotId: number, patientId: number): Promise<Outcome<BookedPlace>> {
    return this.#serially(async () => {
      // Two tries: the first may run on a stale memory that D1's guard corrects.
      for (let attempt = 0; attempt < 2; attempt++) {
        const state = await this.#load(slotId);
        if (!state) return refuse("slot_not_found", `Consultation slot ${slotId} does not exist.`);
        const refusal = this.#refuseAdmission(state, patientId);
        if (refusal) return refusal;
        let booked: Awaited<ReturnType<typeof insertBooking>>;
        try {
          booked = await insertBooking(this.env.DB, slotId, patientId, clinicNow(this.#timeZone), isoNow());
        } catch (error) {
          const known = await this.#explainConstraint(error, slotId, patientId);
          if (known) return known;
          throw error;
        }
        if (booked) {
          const { reservation, place } = booked;
          state.holders.add(patientId);
          state.slot.nomor_terakhir = Math.max(state.slot.nomor_terakhir, reservation.nomor_antrian);
          await this.#announce(slotId);
          const { tanggal, waktu, durasi_menit } = state.slot;
          return {
            ok: true,
            value: { reservation, posisi: place.ahead, timings: { tanggal, waktu, durasi_menit, servedCount: place.servedCount, calls: place.calls } },
          };
        }
        this.#state = null;
      }
      return refuse("slot_full", `Consultation slot ${slotId} has no places left.`);
    });
  }

  /** Moves a pending reservation from another slot into this one, with a new number here. */
  async moveIn(slotId: number, reservationId: number): Promise<Outcome<ReservationRow>> {
    let leftSlot: number | null = null;
    const outcome = await this.#serially(async (): Promise<Outcome<ReservationRow>> => {
      for (let attempt = 0; attempt < 3; attempt++) {
        const current = await findReservationRow(this.env.DB, reservationId);
        if (!current) return refuse("not_found", `Reservation ${reservationId} does not exist.`);
        if (current.consultation_slot_id === slotId) return { ok: true, value: current };
        if (!isPending(current.status)) {
          return refuse(
            "invalid_transition",
            `Reservation ${reservationId} is ${current.status}; only a booked or checked-in reservation can move to another slot.`,
          );
        }
        if (current.called_at !== null) {
          // Moving the patient being served would let the new slot call them a second time.
          return refuse(
            "invalid_transition",
            `Reservation ${reservationId} has already been called in consultation slot ${current.consultation_slot_id}; a called reservation cannot move.`,
          );
        }
        const state = await this.#load(slotId);
        if (!state) return refuse("slot_not_found", `Consultation slot ${slotId} does not exist.`);
        const refusal = this.#refuseAdmission(state, current.patient_id);
        if (refusal) return refusal;
        let row: ReservationRow | null;
        try {
          row = await moveBooking(
            this.env.DB,
            slotId,
            reservationId,
            current.consultation_slot_id,
            clinicNow(this.#timeZone),
            isoNow(),
          );
        } catch (error) {
          const known = await this.#explainConstraint(error, slotId, current.patient_id);
          if (known) return known;
          throw error;
        }
        if (row) {
          state.holders.add(row.patient_id);
          state.slot.nomor_terakhir = Math.max(state.slot.nomor_terakhir, row.nomor_antrian);
          leftSlot = current.consultation_slot_id;
          await this.#announce(slotId);
          return { ok: true, value: row };
        }
        // The reservation changed under us, or our memory of this slot was stale: look again.
        this.#state = null;
      }
      return refuse("slot_full", `Consultation slot ${slotId} has no places left.`);
    });
    // Told outside our own queue, so two opposite moves can never wait on each other.
    if (leftSlot !== null) await slotBooker(this.env, leftSlot).placeReleased(leftSlot);
    return outcome;
  }

  /** Another object moved a reservation out of this slot: reload the counts before the next change. */
  async placeReleased(slotId: number): Promise<void> {
    await this.#serially(async () => {
      this.#state = null;
      await this.#announce(slotId);
      return { ok: true, value: null };
    });
  }

  /** Changes a reservation's status through the state machine of SPEC §3. */
  async changeStatus(slotId: number, reservationId: number, status: ReservationStatus): Promise<Outcome<ReservationRow>> {
    return this.#serially(async () => {
      for (let attempt = 0; attempt < 3; attempt++) {
        const current = await findReservationRow(this.env.DB, reservationId);
        if (!current) return refuse("not_found", `Reservation ${reservationId} does not exist.`);
        if (current.consultation_slot_id !== slotId) return moved(current.consultation_slot_id);
        if (current.status === status) return { ok: true, value: current };
        if (!canTransition(current.status, status)) {
          return refuse(
            "invalid_transition",
            `Reservation ${reservationId} is ${current.status} and cannot become ${status}.`,
          );
        }
        const row = await updateReservationStatus(this.env.DB, slotId, reservationId, current.status, status, isoNow());
        if (row) {
          if (holdsPlace(current.status) && !holdsPlace(status)) this.#state?.holders.delete(row.patient_id);
          await this.#announce(slotId);
          return { ok: true, value: row };
        }
      }
      return refuse("service_unavailable", `Reservation ${reservationId} kept changing; try again.`);
    });
  }

  /** Deletes a reservation; its number is never handed out again. */
  async removeReservation(slotId: number, reservationId: number): Promise<Outcome<ReservationRow>> {
    return this.#serially(async () => {
      const row = await deleteReservationRow(this.env.DB, slotId, reservationId);
      if (!row) {
        const current = await findReservationRow(this.env.DB, reservationId);
        if (!current) return refuse("not_found", `Reservation ${reservationId} does not exist.`);
        return moved(current.consultation_slot_id);
      }
      if (holdsPlace(row.status)) this.#state?.holders.delete(row.patient_id);
      await this.#announce(slotId);
      return { ok: true, value: row };
    });
  }

  /** Changes the slot itself; `kuota` and `ketersediaan` take effect for every booking after this one. */
  async updateSlot(slotId: number, changes: SlotChanges): Promise<Outcome<ConsultationSlotRow>> {
    return this.#serially(async () => {
      const row = await updateSlotRow(this.env.DB, slotId, changes, isoNow());
      if (!row) {
        if (!(await slotExists(this.env.DB, slotId))) {
          return refuse("not_found", `Consultation slot ${slotId} does not exist.`);
        }
        const state = await this.#load(slotId);
        return refuse(
          "kuota_below_terisi",
          `Kuota ${changes.kuota} is below the ${state?.holders.size ?? "current"} places already taken in consultation slot ${slotId}; cancel reservations first or choose a larger kuota.`,
        );
      }
      if (this.#state && this.#state.slot.id === slotId) this.#state.slot = row;
      await this.#announce(slotId);
      return { ok: true, value: row };
    });
  }

  /** Deletes the slot unless a reservation is still pending. */
  async deleteSlot(slotId: number): Promise<Outcome<null>> {
    return this.#serially(async () => {
      if (await deleteSlotRow(this.env.DB, slotId)) {
        this.#state = null;
        await this.#announce(slotId);
        return { ok: true, value: null };
      }
      if (!(await slotExists(this.env.DB, slotId))) {
        return refuse("not_found", `Consultation slot ${slotId} does not exist.`);
      }
      return refuse(
        "has_pending_reservations",
        `Consultation slot ${slotId} still has booked or checked-in reservations; cancel or move them first.`,
      );
    });
  }

  /** The queue status of the slot, read from D1 in one consistent batch. */
  async queueStatus(slotId: number): Promise<Outcome<QueueStatus>> {
    const facts = await loadQueueFacts(this.env.DB, slotId);
    if (!facts) return refuse("not_found", `Consultation slot ${slotId} does not exist.`);
    return { ok: true, value: queueStatus(facts) };
  }

  /**
   * Calls the next patient: the lowest-numbered pending reservation after the
   * current one. The one served until now becomes `served` unless staff
   * already gave it a final status. Serialised, so concurrent calls never skip
   * a number or call one twice.
   */
  async callNext(slotId: number): Promise<Outcome<ReservationRow>> {
    return this.#serially(async () => {
      for (let attempt = 0; attempt < 3; attempt++) {
        const state = await this.#load(slotId);
        if (!state) return refuse("not_found", `Consultation slot ${slotId} does not exist.`);
        const current = state.slot.sedang_dilayani;
        const next = await findNextToCall(this.env.DB, slotId, current ?? 0);
        if (!next) {
          return refuse("queue_empty", `Nobody is waiting in consultation slot ${slotId} after number ${current ?? 0}.`);
        }
        const { called } = await recordCall(this.env.DB, slotId, current, next, isoNow());
        if (called) {
          state.slot.sedang_dilayani = called.nomor_antrian;
          await this.#announce(slotId);
          return { ok: true, value: called };
        }
        // The reservation changed between reading and calling (moved away): read again.
        this.#state = null;
      }
      return refuse("service_unavailable", `The queue of consultation slot ${slotId} kept changing; try again.`);
    });
  }

  /**
   * The live queue (SPEC §10): a WebSocket accepted through the hibernation
   * API, so idle waiting-room screens cost nothing while the object sleeps.
   * It gets the status on connect and after every change.
   */
  override async fetch(request: Request): Promise<Response> {
    const slotId = Number(new URL(request.url).searchParams.get("slot"));
    const status = await this.queueStatus(slotId);
    if (!status.ok) return new Response(null, { status: 404 });
    const { 0: client, 1: server } = new WebSocketPair();
    this.ctx.acceptWebSocket(server, [`slot:${slotId}`]);
    server.send(JSON.stringify({ type: "queue", data: status.value }));
    return new Response(null, { status: 101, webSocket: client });
  }

  override async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    // Screens may ping to keep proxies from closing an idle connection.
    if (message === "ping") ws.send("pong");
  }

  override async webSocketClose(ws: WebSocket, code: number): Promise<void> {
    ws.close(code === 1005 || code === 1006 ? 1000 : code, "closing");
  }

  /** Sends the new status to every connected screen; called inside the serialised change, so in order. */
  async #announce(slotId: number): Promise<void> {
    const sockets = this.ctx.getWebSockets();
    if (sockets.length === 0) return;
    try {
      const status = await this.queueStatus(slotId);
      const message = JSON.stringify(
        status.ok ? { type: "queue", data: status.value } : { type: "closed", reason: "slot deleted" },
      );
      for (const socket of sockets) {
        try {
          socket.send(message);
          // A deleted slot has no queue left to watch.
          if (!status.ok) socket.close(4404, "slot deleted");
        } catch {
          // A socket that is closing: it will be gone from getWebSockets() soon.
        }
      }
    } catch (error) {
      console.error(JSON.stringify({ level: "error", source: "slot-booker", error: errorClass(error), message: "live update failed" }));
    }
  }

  /** Turns a constraint failure into the refusal it means; null if it means nothing known. */
  async #explainConstraint(error: unknown, slotId: number, patientId: number): Promise<Outcome<never> | null> {
    switch (constraintViolated(error)) {
      case "unique_slot_patient":
        this.#state = null;
        return refuse("duplicate_reservation", `Patient ${patientId} already holds a place in consultation slot ${slotId}.`);
      case "foreign_key":
        // The slot may have gone too; the patient is the usual reason.
        if (!(await slotExists(this.env.DB, slotId))) {
          this.#state = null;
          return refuse("slot_not_found", `Consultation slot ${slotId} does not exist.`);
        }
        return refuse("patient_not_found", `Patient ${patientId} does not exist.`);
      default:
        return null;
    }
  }
}

function errorClass(error: unknown): string {
  return error instanceof Error ? error.name : typeof error;
}

function refuse(code: RefusalCode, detail: string): Outcome<never> {
  return { ok: false, code, detail };
}

function moved(toSlotId: number): Outcome<never> {
  return { ok: false, code: "moved", detail: `Reservation is now in consultation slot ${toSlotId}.`, slotId: toSlotId };
}

/** The stub of a slot's object. Named from the slot id only, never from patient data. */
export function slotBooker(env: Env, slotId: number): DurableObjectStub<SlotBooker> {
  const namespace = env.SLOT_BOOKER as DurableObjectNamespace<SlotBooker>;
  const hint = env.SLOT_LOCATION_HINT as DurableObjectLocationHint | undefined;
  return namespace.get(namespace.idFromName(`slot:${slotId}`), hint ? { locationHint: hint } : undefined);
}
