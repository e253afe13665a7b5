package dovecot

import (
	"cmp"
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
)

// userList validates the user names and passwords of opts and returns every
// user with its password.
func userList(opts Options) (map[string]string, error) {
	users := make(map[string]string)
	add := func(name string) error {
		if err := validUser(name); err != nil {
			return err
		}
		if _, ok := users[name]; !ok {
			users[name] = name + "pw"
		}
		return nil
	}
	for u := range opts.Users {
		if err := add(u); err != nil {
			return nil, err
		}
	}
	for u, n := range opts.Bulk {
		if err := add(u); err != nil {
			return nil, err
		}
		if n < 0 {
			return nil, fmt.Errorf("dovecot: Bulk[%q] = %d, want >= 0", u, n)
		}
	}
	for u, pw := range opts.Passwords {
		if err := add(u); err != nil {
			return nil, err
		}
		if pw == "" || strings.ContainsAny(pw, ":\r\n\x00") {
			return nil, fmt.Errorf("dovecot: password of %q is empty or contains ':', CR, LF or NUL", u)
		}
		users[u] = pw
	}
	return users, nil
}

// validUser accepts names that are safe both as a passwd-file field and as a
// directory name.
func validUser(name string) error {
	if name == "" || len(name) > 64 || name[0] == '.' {
		return fmt.Errorf("dovecot: invalid user name %q", name)
	}
	for _, r := range name {
		ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("._+@-", r)
		if !ok {
			return fmt.Errorf("dovecot: invalid user name %q (allowed: letters, digits, ._+@-)", name)
		}
	}
	return nil
}

// writePasswd writes etc/users in passwd-file format. As root it is made
// readable for the group of the internal user, which the auth process runs
// as; that process cannot read it otherwise ("-ERR [SYS/TEMP]").
func (s *Server) writePasswd(root bool) error {
	var b strings.Builder
	for _, u := range s.Users() {
		fmt.Fprintf(&b, "%s:{PLAIN}%s\n", u, s.passwords[u])
	}
	path := filepath.Join(s.dir, "etc", "users")
	if err := os.WriteFile(path, []byte(b.String()), 0o640); err != nil {
		return fmt.Errorf("dovecot: %w", err)
	}
	if !root {
		return nil
	}
	u, err := user.Lookup(s.internalUser)
	if err != nil {
		return fmt.Errorf("dovecot: user %s (created by the dovecot-core package): %w", s.internalUser, err)
	}
	gid, err := strconv.Atoi(u.Gid)
	if err != nil {
		return fmt.Errorf("dovecot: user %s: gid %q: %w", s.internalUser, u.Gid, err)
	}
	if err := os.Chown(path, 0, gid); err != nil {
		return fmt.Errorf("dovecot: %w", err)
	}
	if _, err := user.Lookup("dovenull"); err != nil {
		return fmt.Errorf("dovecot: user dovenull (created by the dovecot-core package): %w", err)
	}
	return nil
}

// writeMaildirs creates every user's home and Maildir and writes the
// messages of Options.Users, then the bulk messages, in order.
func (s *Server) writeMaildirs(opts Options) error {
	gen := opts.BulkMessage
	if gen == nil {
		gen = defaultBulkMessage
	}
	// Creating the files is the cost (0.1-0.2 ms each on a loaded VM's
	// ext4); a few writers halve the time for 10,000. Names are assigned
	// here, in order, so the order of the writes does not matter.
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		firstErr error
	)
	jobs := make(chan mailFile, 256)
	for range max(4, runtime.GOMAXPROCS(0)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for f := range jobs {
				if err := s.writeFile(f, false); err != nil {
					mu.Lock()
					firstErr = cmp.Or(firstErr, err)
					mu.Unlock()
				}
			}
		}()
	}
	err := func() error {
		defer close(jobs)
		for _, u := range s.Users() {
			md := s.Maildir(u)
			for _, d := range []string{filepath.Dir(md), md, filepath.Join(md, "cur"), filepath.Join(md, "new"), filepath.Join(md, "tmp")} {
				if err := os.MkdirAll(d, 0o700); err != nil {
					return fmt.Errorf("dovecot: %w", err)
				}
				if err := s.chown(d); err != nil {
					return err
				}
			}
			for _, msg := range opts.Users[u] {
				jobs <- s.newMailFile(u, msg)
			}
			for i := 1; i <= opts.Bulk[u]; i++ {
				jobs <- s.newMailFile(u, gen(u, i))
			}
		}
		return nil
	}()
	wg.Wait()
	return cmp.Or(err, firstErr)
}

// mailFile is a message and its Maildir name.
type mailFile struct {
	user, name string
	msg        []byte
}

// newMailFile names the next message of user.
func (s *Server) newMailFile(user string, msg []byte) mailFile {
	msg = normalizeMessage(msg)
	s.mu.Lock()
	s.seq[user]++
	n := s.seq[user]
	s.mu.Unlock()
	// "<time>.M<seq>.popgate,S=<size>": Dovecot sorts new mail by the time,
	// then by the digits after M, then by name (maildir_filename_sort_cmp),
	// so the fixed time and zero-padded sequence give the order given; S=
	// saves a stat per message when sizes are needed.
	return mailFile{user: user, name: fmt.Sprintf("%d.M%09d.popgate,S=%d", s.stamp, n, len(msg)), msg: msg}
}

// Deliver adds msg (as in Options.Users) to user's Maildir new/ as the last
// message. A session that has already listed the maildrop does not see it
// (POP3 works on a snapshot); the next login does. The user must exist.
// Safe for concurrent use.
func (s *Server) Deliver(user string, msg []byte) error {
	if _, ok := s.passwords[user]; !ok {
		return fmt.Errorf("dovecot: Deliver: unknown user %q", user)
	}
	return s.writeFile(s.newMailFile(user, msg), true)
}

// writeFile writes one message file. Before the start it goes straight into
// new/; while Dovecot runs it is written in tmp/ and renamed, as the Maildir
// rules require, so Dovecot never sees half a message.
func (s *Server) writeFile(f mailFile, viaTmp bool) error {
	md := s.Maildir(f.user)
	dst := filepath.Join(md, "new", f.name)
	path := dst
	if viaTmp {
		path = filepath.Join(md, "tmp", f.name)
	}
	file, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("dovecot: %w", err)
	}
	_, err = file.Write(f.msg)
	if err == nil && os.Geteuid() == 0 {
		err = file.Chown(s.mailUID, s.mailGID)
	}
	if cerr := file.Close(); err == nil {
		err = cerr
	}
	if err == nil && viaTmp {
		err = os.Rename(path, dst)
	}
	if err != nil {
		os.Remove(path)
		return fmt.Errorf("dovecot: %w", err)
	}
	return nil
}

func (s *Server) chown(path string) error {
	if os.Geteuid() != 0 {
		return nil
	}
	if err := os.Chown(path, s.mailUID, s.mailGID); err != nil {
		return fmt.Errorf("dovecot: %w", err)
	}
	return nil
}

func defaultBulkMessage(user string, i int) []byte {
	return fmt.Appendf(nil, "From: bulk@example.test\nTo: %s@example.test\nSubject: Bulk message %d\nDate: Mon, 01 Jan 2024 10:00:00 +0000\nMessage-ID: <bulk%d.%s@example.test>\n\nThis is bulk message number %d.\n", user, i, i, user, i)
}
