CREATE TABLE `consultation_slots` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`tanggal` text NOT NULL,
	`waktu` text NOT NULL,
	`kuota` integer DEFAULT 20 NOT NULL,
	`ketersediaan` integer DEFAULT true NOT NULL,
	`durasi_menit` integer DEFAULT 10 NOT NULL,
	`nomor_terakhir` integer DEFAULT 0 NOT NULL,
	`sedang_dilayani` integer,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')) NOT NULL,
	`updated_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')) NOT NULL,
	CONSTRAINT "consultation_slots_kuota_range" CHECK("consultation_slots"."kuota" BETWEEN 1 AND 1000),
	CONSTRAINT "consultation_slots_durasi_range" CHECK("consultation_slots"."durasi_menit" BETWEEN 1 AND 240),
	CONSTRAINT "consultation_slots_nomor_terakhir" CHECK("consultation_slots"."nomor_terakhir" >= 0)
);
--> statement-breakpoint
CREATE INDEX `consultation_slots_schedule` ON `consultation_slots` (`tanggal`,`waktu`,`id`);--> statement-breakpoint
CREATE TABLE `idempotency_keys` (
	`token_hash` text NOT NULL,
	`idempotency_key` text NOT NULL,
	`request_hash` text NOT NULL,
	`response_status` integer,
	`response_body` text,
	`response_location` text,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')) NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `idempotency_keys_scope` ON `idempotency_keys` (`token_hash`,`idempotency_key`);--> statement-breakpoint
CREATE INDEX `idempotency_keys_created` ON `idempotency_keys` (`created_at`);--> statement-breakpoint
CREATE TABLE `patients` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`nama` text NOT NULL,
	`email` text NOT NULL,
	`nomor_telepon` text NOT NULL,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')) NOT NULL,
	`updated_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')) NOT NULL,
	CONSTRAINT "patients_nama_length" CHECK(length("patients"."nama") BETWEEN 1 AND 100)
);
--> statement-breakpoint
CREATE UNIQUE INDEX `patients_email_lower_unique` ON `patients` (lower("email"));--> statement-breakpoint
CREATE TABLE `reservations` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`patient_id` integer NOT NULL,
	`consultation_slot_id` integer NOT NULL,
	`nomor_antrian` integer NOT NULL,
	`status` text DEFAULT 'booked' NOT NULL,
	`called_at` text,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')) NOT NULL,
	`updated_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')) NOT NULL,
	FOREIGN KEY (`patient_id`) REFERENCES `patients`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`consultation_slot_id`) REFERENCES `consultation_slots`(`id`) ON UPDATE no action ON DELETE cascade,
	CONSTRAINT "reservations_nomor_positive" CHECK("reservations"."nomor_antrian" >= 1),
	CONSTRAINT "reservations_status_known" CHECK("reservations"."status" IN ('booked', 'checked_in', 'served', 'no_show', 'cancelled'))
);
--> statement-breakpoint
CREATE UNIQUE INDEX `reservations_slot_nomor_unique` ON `reservations` (`consultation_slot_id`,`nomor_antrian`);--> statement-breakpoint
CREATE UNIQUE INDEX `reservations_slot_patient_active_unique` ON `reservations` (`consultation_slot_id`,`patient_id`) WHERE "reservations"."status" <> 'cancelled';--> statement-breakpoint
CREATE INDEX `reservations_patient` ON `reservations` (`patient_id`,`status`);--> statement-breakpoint
CREATE INDEX `reservations_slot_status` ON `reservations` (`consultation_slot_id`,`status`);