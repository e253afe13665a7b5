package session

import (
	"context"
	"errors"
	"fmt"

	"popgate/pop3"
)

// ensure returns a live connection, the caller holding mu. A connection
// broken by an earlier request is dropped; one idle longer than ProbeAfter
// must answer NOOP first, since servers close idle sessions and may leave
// "-ERR Disconnected for inactivity" unread, to be taken for the reply to
// our next command. Without a connection it signs in again with key (nil:
// errNoKey), takes a new snapshot and marks the pending deletions again.
func (st *state) ensure(ctx context.Context, key []byte) (*pop3.Client, error) {
	if err := ctx.Err(); err != nil {
		return nil, err // or the probe would fail and cost a good connection
	}
	if st.client != nil && st.client.Err() != nil {
		st.drop()
	}
	if st.client != nil && st.m.now().Sub(st.connUsed) >= st.m.cfg.ProbeAfter {
		pctx, cancel := context.WithTimeout(ctx, probeTimeout)
		err := st.client.Noop(pctx)
		cancel()
		if err != nil {
			st.m.log.Debug("session: idle connection is dead", append(st.logAttrs(), "error", err)...)
			st.drop()
		} else {
			st.connUsed = st.m.now()
		}
	}
	if st.client != nil {
		return st.client, nil
	}
	if key == nil {
		return nil, errNoKey
	}
	password, err := unseal(key, st.sealed, st.id)
	if err != nil {
		return nil, ErrNoSession
	}
	slot := newTicket(st.up, st.network)
	c, err := st.m.dial(ctx, st.up, st.username, password, slot, st, true)
	if err != nil {
		return nil, err
	}
	st.attach(c, slot)
	if err := st.snapshot(ctx); err != nil {
		st.drop()
		return nil, err
	}
	if _, err := st.mark(ctx); err != nil {
		st.drop()
		return nil, err
	}
	st.m.log.Debug("session: reconnected", append(st.logAttrs(), "pending", len(st.pending))...)
	return st.client, nil
}

// snapshot lists the mailbox on the current connection: unique ids (UIDL,
// or synthesized) and LIST sizes. Pending UIDs no longer on the server drop
// out, and the header index follows the new positions.
func (st *state) snapshot(ctx context.Context) error {
	c := st.client
	oldPos := st.byUID
	ids, synthetic, err := c.UniqueIDs(ctx)
	if err != nil {
		return err
	}
	list, err := c.List(ctx)
	if err != nil {
		return err
	}
	sizes := make(map[int]int64, len(list))
	for _, m := range list {
		sizes[m.Number] = m.Size
	}
	seen := make(map[string]struct{}, len(ids))
	st.msgs = make([]Message, 0, len(ids))
	for _, id := range ids {
		if _, dup := seen[id.UID]; dup {
			continue // a broken server; keep the first, never DELE a stranger
		}
		seen[id.UID] = struct{}{}
		st.msgs = append(st.msgs, Message{UID: id.UID, Number: id.Number, Size: sizes[id.Number]})
	}
	st.byUID = newUIDIndex(st.msgs)
	st.snapTime = st.m.now()
	st.synthetic = synthetic
	st.connUsed = st.snapTime
	for uid := range st.pending {
		if !st.byUID.has(uid) {
			delete(st.pending, uid)
		}
	}
	st.visible = nil
	st.idx.rebuild(&st.m.indexes, st.msgs, oldPos, st.pending)
	st.idxNext = len(st.msgs)
	st.startIndexer(false) // for new UIDs; nothing to do when all are indexed
	st.m.enforceIndexBudget()
	return nil
}

// mark sends DELE, by the current connection's numbers, for every pending
// UID not yet marked on it, and returns how many are marked now. A -ERR for
// one message leaves it pending, to be tried again at sign-out.
func (st *state) mark(ctx context.Context) (marked int, err error) {
	var uids []string
	var nums []int
	for uid, done := range st.pending {
		if done {
			marked++
			continue
		}
		if i, ok := st.byUID.lookup(uid); ok {
			uids = append(uids, uid)
			nums = append(nums, st.msgs[i].Number)
		}
	}
	if len(nums) == 0 {
		return marked, nil
	}
	results, err := st.client.DeleMany(ctx, nums)
	st.connUsed = st.m.now()
	if err != nil {
		return marked, err
	}
	for i, rerr := range results {
		if rerr != nil {
			st.m.log.Warn("session: server refused DELE", append(st.logAttrs(), "error", rerr)...)
			continue
		}
		st.pending[uids[i]] = true
		marked++
	}
	return marked, nil
}

// withConn runs op on a live connection, the caller holding mu. When op
// fails because the connection died (the Client is broken: dropped by the
// server, timed out, reset) and ctx is still alive, it reconnects and runs
// op once more; op must therefore be idempotent.
func (st *state) withConn(ctx context.Context, key []byte, op func(c *pop3.Client) error) error {
	for attempt := 0; ; attempt++ {
		c, err := st.ensure(ctx, key)
		if err != nil {
			// A new connection that died while listing or marking is
			// worth one more try too; a refused dial or sign-in is not.
			var broken *pop3.BrokenError
			if attempt == 0 && ctx.Err() == nil && errors.As(err, &broken) {
				continue
			}
			return err
		}
		err = op(c)
		st.connUsed = st.m.now()
		if c.Err() == nil {
			return err
		}
		st.drop()
		if attempt > 0 || ctx.Err() != nil {
			return err
		}
		st.m.log.Debug("session: connection died, retrying", append(st.logAttrs(), "error", err)...)
	}
}

// notFoundOr turns a -ERR without response code for a message the snapshot
// lists into ErrNotFound: the usual cause is another session that expunged
// it, on servers that don't lock the mailbox (Dovecot's default, Courier,
// Cyrus). Coded errors (SYS/TEMP...) stay as they are.
func notFoundOr(err error) error {
	var perr *pop3.Error
	if errors.As(err, &perr) && perr.Code == "" {
		return fmt.Errorf("%w: %w", ErrNotFound, err)
	}
	return err
}
