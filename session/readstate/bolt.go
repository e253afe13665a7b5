package readstate

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	bolt "go.etcd.io/bbolt"
)

// File names in the data directory.
const (
	dbFile  = "readstate.db"
	keyFile = "readstate.key"
)

// accountsBucket holds one nested bucket per account id, whose keys are the
// read UIDs (values empty).
var accountsBucket = []byte("accounts")

// openTimeout bounds the wait for the database's file lock, held by another
// popgate on the same directory.
const openTimeout = 5 * time.Second

// Bolt is a Store in a bbolt file. Build it with Open; it is safe for
// concurrent use (bbolt serializes writers) and every method performs
// file I/O.
type Bolt struct {
	key []byte
	db  *bolt.DB
}

var _ Store = (*Bolt)(nil)

// Open opens, or creates, the store in dir: dir itself (mode 0700), the key
// file (0600, created with a random key) and the database (0600). A second
// process opening the same dir waits a few seconds for the file lock and
// then fails.
func Open(dir string) (*Bolt, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("readstate: %w", err)
	}
	key, err := loadKey(filepath.Join(dir, keyFile))
	if err != nil {
		return nil, fmt.Errorf("readstate: %w", err)
	}
	db, err := bolt.Open(filepath.Join(dir, dbFile), 0o600, &bolt.Options{Timeout: openTimeout})
	if err != nil {
		return nil, fmt.Errorf("readstate: %w", err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		_, err := tx.CreateBucketIfNotExists(accountsBucket)
		return err
	})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("readstate: %w", err)
	}
	return &Bolt{key: key, db: db}, nil
}

// loadKey reads the HMAC key from path, creating it if it does not exist.
func loadKey(path string) ([]byte, error) {
	key, err := os.ReadFile(path)
	if err == nil {
		if len(key) != keySize {
			return nil, fmt.Errorf("%s: want %d bytes, found %d", path, keySize, len(key))
		}
		return key, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	key = newKey()
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return loadKey(path) // another process made it first
	}
	if err != nil {
		return nil, err
	}
	if _, err := f.Write(key); err != nil {
		f.Close()
		return nil, err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return nil, err
	}
	return key, f.Close()
}

// Read implements Store.
func (s *Bolt) Read(a Account) (map[string]bool, error) {
	out := make(map[string]bool)
	err := s.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(accountsBucket).Bucket(accountID(s.key, a))
		if b == nil {
			return nil
		}
		return b.ForEach(func(k, _ []byte) error {
			out[string(k)] = true
			return nil
		})
	})
	return out, err
}

// MarkRead implements Store.
func (s *Bolt) MarkRead(a Account, uids ...string) error {
	if len(uids) == 0 {
		return nil
	}
	return s.db.Update(func(tx *bolt.Tx) error {
		b, err := tx.Bucket(accountsBucket).CreateBucketIfNotExists(accountID(s.key, a))
		if err != nil {
			return err
		}
		for _, uid := range uids {
			if uid == "" {
				continue
			}
			if err := b.Put([]byte(uid), nil); err != nil {
				return err
			}
		}
		return nil
	})
}

// MarkUnread implements Store.
func (s *Bolt) MarkUnread(a Account, uids ...string) error {
	return s.db.Update(func(tx *bolt.Tx) error {
		accounts := tx.Bucket(accountsBucket)
		id := accountID(s.key, a)
		b := accounts.Bucket(id)
		if b == nil {
			return nil
		}
		for _, uid := range uids {
			if uid == "" {
				continue
			}
			if err := b.Delete([]byte(uid)); err != nil {
				return err
			}
		}
		return dropIfEmpty(accounts, b, id)
	})
}

// Prune implements Store.
func (s *Bolt) Prune(a Account, keep []string) error {
	wanted := make(map[string]bool, len(keep))
	for _, uid := range keep {
		wanted[uid] = true
	}
	id := accountID(s.key, a)
	// Look first, so that the usual case (nothing gone) takes no write
	// transaction and no fsync.
	var gone [][]byte
	err := s.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(accountsBucket).Bucket(id)
		if b == nil {
			return nil
		}
		return b.ForEach(func(k, _ []byte) error {
			if !wanted[string(k)] {
				gone = append(gone, append([]byte(nil), k...))
			}
			return nil
		})
	})
	if err != nil || len(gone) == 0 {
		return err
	}
	return s.db.Update(func(tx *bolt.Tx) error {
		accounts := tx.Bucket(accountsBucket)
		b := accounts.Bucket(id)
		if b == nil {
			return nil
		}
		for _, k := range gone {
			if err := b.Delete(k); err != nil {
				return err
			}
		}
		return dropIfEmpty(accounts, b, id)
	})
}

// dropIfEmpty deletes the account's bucket once it holds no mark.
func dropIfEmpty(accounts, b *bolt.Bucket, id []byte) error {
	if k, _ := b.Cursor().First(); k != nil {
		return nil
	}
	return accounts.DeleteBucket(id)
}

// Close implements Store: it closes the database file.
func (s *Bolt) Close() error { return s.db.Close() }
