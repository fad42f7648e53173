/** The queue status a slot shows (SPEC §10), built from what D1 holds. */
import type { QueueFacts } from "../queries/queue";
import { averageServiceMinutes } from "./estimates";

export interface QueueStatus {
  consultation_slot_id: number;
  kuota: number;
  terisi: number;
  sisa_kuota: number;
  nomor_terakhir: number;
  sedang_dilayani: number | null;
  menunggu: number;
  /** The next numbers to be called, in order (at most five): for the waiting-room screen. */
  berikutnya: number[];
  rata_rata_layanan_menit: number;
  updated_at: string;
}

export function queueStatus(facts: QueueFacts): QueueStatus {
  const { slot } = facts;
  const average = averageServiceMinutes({
    tanggal: slot.tanggal,
    waktu: slot.waktu,
    durasi_menit: slot.durasi_menit,
    calls: facts.calls,
    servedCount: facts.servedCount,
  });
  const changes = [slot.updated_at, facts.lastReservationChange, facts.calls.last].filter((t): t is string => t !== null);
  return {
    consultation_slot_id: slot.id,
    kuota: slot.kuota,
    terisi: facts.terisi,
    sisa_kuota: slot.kuota - facts.terisi,
    nomor_terakhir: slot.nomor_terakhir,
    sedang_dilayani: slot.sedang_dilayani,
    menunggu: facts.waiting.length,
    berikutnya: facts.waiting.slice(0, 5),
    rata_rata_layanan_menit: Math.round(average * 10) / 10,
    updated_at: changes.sort().at(-1)!,
  };
}
