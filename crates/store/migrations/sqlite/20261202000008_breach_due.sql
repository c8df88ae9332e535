-- When a ticket's next breach falls due (the earliest deadline of a clock not yet met nor
-- breached, on a live, dispatched ticket), so the deadline watch reads an index of what is
-- about to breach instead of every open ticket. Filled here as the rule of 2026-12-02
-- computed it; `yihaotai rebuild-projections --check` compares it with the events.
ALTER TABLE tickets ADD COLUMN breach_due_at INTEGER;
UPDATE tickets SET breach_due_at = NULLIF(MIN(
    CASE WHEN accepted_at IS NULL AND resolved_at IS NULL AND status <> 'return_requested'
              AND breaches NOT LIKE '%accept%' THEN COALESCE(accept_by, 9000000000000000000)
         ELSE 9000000000000000000 END,
    CASE WHEN first_contact_at IS NULL AND resolved_at IS NULL AND breaches NOT LIKE '%contact%'
         THEN COALESCE(contact_by, 9000000000000000000) ELSE 9000000000000000000 END,
    CASE WHEN resolved_at IS NULL AND breaches NOT LIKE '%resolve%'
         THEN COALESCE(resolve_by, 9000000000000000000) ELSE 9000000000000000000 END
  ), 9000000000000000000)
WHERE closed_at IS NULL AND status NOT IN ('registered', 'closed', 'cancelled', 'merged');
CREATE INDEX tickets_breach_due ON tickets(breach_due_at) WHERE breach_due_at IS NOT NULL;
