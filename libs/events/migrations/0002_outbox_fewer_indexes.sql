-- No reader looks events up by time: readers follow (xid, seq), and that order is the order
-- of commits, so a retention job can cut by it too. Every event paid for this index.
DROP INDEX outbox_occurred_at;
