-- Listeners are woken after the commit, by the session that wrote the events (see
-- db::NotifyAfterCommit), not by a trigger inside the transaction: a notification queued in a
-- transaction holds the database's notification lock from before its commit record until
-- that record is flushed, so every transaction that wrote events committed one at a time.
DROP TRIGGER outbox_notify ON outbox;
DROP FUNCTION outbox_notify();
