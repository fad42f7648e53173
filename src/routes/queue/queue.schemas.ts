import { z } from "@hono/zod-openapi";
import { Timestamp } from "../common.schemas";

export const QueueStatusSchema = z
  .object({
    consultation_slot_id: z.number().int(),
    kuota: z.number().int(),
    terisi: z.number().int(),
    sisa_kuota: z.number().int(),
    nomor_terakhir: z.number().int().openapi({ description: "The last number issued (0 before any booking)." }),
    sedang_dilayani: z.number().int().nullable().openapi({ description: "The number being served; null before the first call." }),
    menunggu: z.number().int().openapi({ description: "Pending reservations (booked, checked_in) not yet called." }),
    berikutnya: z.array(z.number().int()).openapi({ description: "The next numbers to be called, in order (at most five)." }),
    rata_rata_layanan_menit: z.number().openapi({
      description: "Average minutes per patient: learned from the intervals between calls once three patients were served, durasi_menit before.",
    }),
    updated_at: Timestamp,
  })
  .openapi("QueueStatus", {
    example: {
      consultation_slot_id: 1,
      kuota: 20,
      terisi: 12,
      sisa_kuota: 8,
      nomor_terakhir: 13,
      sedang_dilayani: 4,
      menunggu: 7,
      berikutnya: [5, 6, 8, 9, 10],
      rata_rata_layanan_menit: 9.5,
      updated_at: "2026-12-21T02:41:00Z",
    },
  });
