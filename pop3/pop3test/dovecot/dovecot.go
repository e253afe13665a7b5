package dovecot

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// EnvRequireReal names the environment variable that turns [Start]'s skip
// into a failure when Dovecot is not installed. CI sets it to "1".
const EnvRequireReal = "POPGATE_REQUIRE_REAL"

// ErrNotInstalled is returned (wrapped) by [StartProcess] when the Dovecot
// binaries are missing or the platform is not Linux. Test with errors.Is.
var ErrNotInstalled = errors.New("dovecot: not installed (apt-get install dovecot-pop3d)")

// serverName is the host name in the server certificate. The certificate
// also covers 127.0.0.1 and ::1.
const serverName = "localhost"

const (
	startTimeout = 10 * time.Second // until both ports answer
	stopTimeout  = 10 * time.Second // SIGTERM to exit, before SIGKILL
	startTries   = 5                // fresh ports after an "Address already in use"
	logTailLines = 40
)

// Options configures a server. The zero value is a server without users with
// session locking on, USER/PASS and AUTH PLAIN/LOGIN, no auth failure delay
// and no auth penalty.
type Options struct {
	// Users maps a user name to its messages: raw RFC 5322 bytes (LF or
	// CRLF line ends, stored as given). A first line starting with "From "
	// (an mbox separator) is dropped. The messages become POP3 messages 1..n
	// in this order. A user with a nil or empty list has an empty maildrop.
	// Names may contain letters, digits and ._+@- and must not start with a
	// dot.
	Users map[string][][]byte

	// Passwords sets passwords; a user missing here has the password
	// user+"pw". A user that appears only here gets an empty maildrop.
	// Passwords must not contain ':', CR, LF or NUL (passwd-file format).
	Passwords map[string]string

	// Bulk adds Bulk[user] generated messages to a user, after the user's
	// messages from Users. They are written straight into files by a few
	// goroutines: 10,000 take 0.15 s on tmpfs and 0.2-2 s on ext4 (see
	// the package doc), and Dovecot indexes them at the first login
	// (about 0.4 s).
	Bulk map[string]int

	// BulkMessage returns bulk message i (1-based) for user; it is called
	// from one goroutine, in order, before the server starts. Nil means a
	// small message with Subject "Bulk message <i>". Let the size depend on
	// i to get varied sizes, or to check the order from LIST alone.
	BulkMessage func(user string, i int) []byte

	// NoLockSession turns pop3_lock_session off. By default it is on (the
	// RFC 1939 exclusive maildrop lock, not Dovecot's own default): a second
	// concurrent login to the same maildrop waits about 10 s and then gets
	// "-ERR [IN-USE] ...". Off, both sessions work on snapshots.
	NoLockSession bool

	// AuthMechs is auth_mechanisms; empty means "plain login". Keep "plain"
	// in the list: Dovecot runs USER/PASS through PLAIN. Add "apop" to get a
	// timestamp in the greeting and the APOP command, "cram-md5" for
	// AUTH CRAM-MD5.
	AuthMechs string

	// MaxUserIPConnections is mail_max_userip_connections, the number of
	// concurrent sessions per user and client IP; the next one gets
	// "-ERR [IN-USE] Maximum number of connections ...". 0 keeps Dovecot's
	// default of 10; a negative value means unlimited.
	MaxUserIPConnections int

	// AuthFailureDelay is auth_failure_delay, rounded up to whole seconds.
	// 0 (Dovecot's default is 2 s) keeps negative tests fast; even then a
	// failed login is answered after about 0.5 s.
	AuthFailureDelay time.Duration

	// AuthPenalty turns on Dovecot's per-IP brute-force penalty: after
	// failed logins from one IP, later logins from it wait 2, 4, 8 up to
	// 15 s. Off by default, since in tests every client is 127.0.0.1.
	AuthPenalty bool

	// TrustedNetworks is login_trusted_networks, e.g. "127.0.0.0/8" to make
	// the greeting offer [XCLIENT]. Empty by default.
	TrustedNetworks string

	// ExtraConfig is appended verbatim to the generated dovecot.conf.
	ExtraConfig string
}

// Server is a running private Dovecot instance. Its methods are safe for
// concurrent use.
type Server struct {
	dir       string
	plainAddr string
	tlsAddr   string
	pool      *x509.CertPool
	caFile    string
	passwords map[string]string // every configured user
	mailUID   int
	mailGID   int
	// The accounts Dovecot's processes run as; internalGroup is empty to
	// keep Dovecot's default (dovecot).
	loginUser, internalUser, internalGroup string
	// stamp is the time part of every Maildir name of this instance.
	stamp int64
	// logStart is the size of the log when the current master started;
	// earlier attempts (port clashes) wrote what comes before.
	logStart int64

	mu  sync.Mutex
	seq map[string]int // last Maildir sequence number used, per user

	cmd     *exec.Cmd
	done    chan struct{} // closed when the master process has exited
	waitErr error         // valid after done is closed

	stopOnce sync.Once
	stopErr  error
}

// Start starts a server in tb.TempDir() and stops it at tb.Cleanup, logging
// the tail of Dovecot's log if the test failed. When Dovecot is not installed
// it skips the test, or fails it if the environment variable POPGATE_REQUIRE_REAL
// is "1". Other start errors fail the test.
func Start(tb testing.TB, opts Options) *Server {
	tb.Helper()
	return startTB(tb, opts, StartProcess)
}

func startTB(tb testing.TB, opts Options, start func(string, Options) (*Server, error)) *Server {
	tb.Helper()
	dir := tb.TempDir()
	// t.TempDir returns <MkdirTemp 0700>/<NNN>; Dovecot's unprivileged users
	// must traverse the 0700 parent, which this test owns.
	if os.Geteuid() == 0 {
		if err := os.Chmod(filepath.Dir(dir), 0o755); err != nil {
			tb.Fatalf("dovecot: %v", err)
		}
	}
	s, err := start(dir, opts)
	if errors.Is(err, ErrNotInstalled) {
		notInstalled(tb, err)
		return nil
	}
	if err != nil {
		tb.Fatal(err)
		return nil
	}
	tb.Cleanup(func() {
		if tb.Failed() {
			tb.Logf("dovecot log (tail):\n%s", tail(s.Log(), logTailLines))
		}
		if err := s.Stop(); err != nil {
			tb.Error(err)
		}
	})
	return s
}

// notInstalled skips tb for err, a missing Dovecot, or fails it when
// POPGATE_REQUIRE_REAL=1. err names the package to install.
func notInstalled(tb testing.TB, err error) {
	tb.Helper()
	if os.Getenv(EnvRequireReal) == "1" {
		tb.Fatalf("%v; %s=1 requires the real server", err, EnvRequireReal)
	} else {
		tb.Skipf("%v; skipping (set %s=1 to fail instead)", err, EnvRequireReal)
	}
}

// StartProcess starts a server with its data in dir (created if missing),
// waits until both ports accept connections, and returns it. The caller must
// call Stop. dir should be empty or absent: existing Maildirs are added to.
// Running as root, dir itself is made 0755 and every parent must be
// traversable by others. The returned error wraps [ErrNotInstalled] when
// Dovecot is missing and includes the tail of Dovecot's log when the server
// did not come up.
func StartProcess(dir string, opts Options) (*Server, error) {
	return startProcess(dir, opts, freePorts)
}

// startProcess is StartProcess with the choice of ports as a parameter, so
// that a test can make the first choice clash.
func startProcess(dir string, opts Options, ports func() (int, int, error)) (*Server, error) {
	bin, err := findDovecot()
	if err != nil {
		return nil, err
	}
	dir, err = filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("dovecot: %w", err)
	}
	users, err := userList(opts)
	if err != nil {
		return nil, err
	}

	s := &Server{
		dir:       dir,
		passwords: users,
		seq:       make(map[string]int),
		stamp:     time.Now().Unix(),
	}
	root := os.Geteuid() == 0
	if root {
		// The package's own users; the mail is owned by nobody:nogroup, a
		// uid >= first_valid_uid that no real account uses.
		s.loginUser, s.internalUser = "dovenull", "dovecot"
		s.mailUID, s.mailGID = 65534, 65534
	} else {
		// Rootless: Dovecot cannot switch users, so every process runs as
		// the current user, and the sockets that Dovecot would give to
		// group dovecot (stats-writer, dict) get the current group, since
		// only root may chown them to another one.
		u, err := user.Current()
		if err != nil {
			return nil, fmt.Errorf("dovecot: %w", err)
		}
		g, err := user.LookupGroupId(strconv.Itoa(os.Getegid()))
		if err != nil {
			return nil, fmt.Errorf("dovecot: %w", err)
		}
		s.loginUser, s.internalUser, s.internalGroup = u.Username, u.Username, g.Name
		s.mailUID, s.mailGID = os.Geteuid(), os.Getegid()
	}

	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("dovecot: %w", err)
	}
	for _, d := range []string{"", "etc", "run", "state", "log", "mail"} {
		p := filepath.Join(dir, d)
		if err := os.MkdirAll(p, 0o755); err != nil {
			return nil, fmt.Errorf("dovecot: %w", err)
		}
		// Explicit chmod: the umask or an earlier MkdirTemp may have left
		// less, and login processes (dovenull) must reach run/login.
		if err := os.Chmod(p, 0o755); err != nil {
			return nil, fmt.Errorf("dovecot: %w", err)
		}
	}
	if root {
		if err := checkTraversable(dir); err != nil {
			return nil, err
		}
	}

	if s.pool, s.caFile, err = writeCert(filepath.Join(dir, "etc")); err != nil {
		return nil, err
	}
	if err := s.writePasswd(root); err != nil {
		return nil, err
	}
	if err := s.writeMaildirs(opts); err != nil {
		return nil, err
	}

	for try := 1; ; try++ {
		plain, tlsPort, err := ports()
		if err != nil {
			return nil, fmt.Errorf("dovecot: %w", err)
		}
		err = s.launch(bin, opts, plain, tlsPort)
		if err == nil {
			return s, nil
		}
		if !errors.Is(err, errPortInUse) {
			return nil, err
		}
		if try == startTries {
			return nil, fmt.Errorf("dovecot: %d attempts to start found their ports taken: %w", try, err)
		}
	}
}

var errPortInUse = errors.New("port in use")

// launch writes the configuration and starts the master in the foreground
// as our child, so that its exit is seen at once and its pid is known
// without reading master.pid.
func (s *Server) launch(bin string, opts Options, plain, tlsPort int) error {
	s.plainAddr = net.JoinHostPort("127.0.0.1", strconv.Itoa(plain))
	s.tlsAddr = net.JoinHostPort("127.0.0.1", strconv.Itoa(tlsPort))
	conf := filepath.Join(s.dir, "etc", "dovecot.conf")
	text := s.config(opts, plain, tlsPort)
	if err := os.WriteFile(conf, []byte(text), 0o644); err != nil {
		return fmt.Errorf("dovecot: %w", err)
	}
	// Dovecot reports some fatal errors (bad config, bind failures) on
	// stderr before its log is set up.
	stderr, err := os.Create(filepath.Join(s.dir, "log", "stderr.log"))
	if err != nil {
		return fmt.Errorf("dovecot: %w", err)
	}
	defer stderr.Close() // the child has its own copy
	s.logStart = 0
	if fi, err := os.Stat(filepath.Join(s.dir, "log", "dovecot.log")); err == nil {
		s.logStart = fi.Size()
	}

	s.cmd = exec.Command(bin, "-F", "-c", conf)
	s.cmd.Stdout = stderr
	s.cmd.Stderr = stderr
	s.cmd.SysProcAttr = sysProcAttr()
	s.done = make(chan struct{})
	started := make(chan error, 1)
	go func() {
		// The parent-death signal (see sysProcAttr) fires when the thread
		// that forked exits, not the process, so keep this goroutine on
		// that thread for as long as the master runs.
		runtime.LockOSThread()
		if err := s.cmd.Start(); err != nil {
			started <- err
			return
		}
		started <- nil
		s.waitErr = s.cmd.Wait()
		close(s.done)
	}()
	if err := <-started; err != nil {
		return fmt.Errorf("dovecot: start %s: %w", bin, err)
	}

	if err := s.waitReady(); err != nil {
		s.kill()
		log := s.attemptLog()
		if strings.Contains(log, "Address already in use") {
			return errPortInUse
		}
		return fmt.Errorf("dovecot: %w\n%s", err, tail(log, logTailLines))
	}
	return nil
}

// waitReady polls until a POP3 greeting comes from both ports and both
// present this instance's certificate (the plain port after STLS). The
// certificate is new for every instance, so this also proves that the
// ports are not held by someone else.
func (s *Server) waitReady() error {
	deadline := time.Now().Add(startTimeout)
	var last error
	for {
		select {
		case <-s.done:
			return fmt.Errorf("master process exited during start: %v", s.waitErr)
		default:
		}
		// A failing service is only throttled and retried, so look for
		// the reason instead of waiting for the timeout.
		if strings.Contains(s.attemptLog(), "Fatal: ") {
			return errors.New("a Dovecot process failed")
		}
		last = s.probe()
		if last == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("not ready after %v: %v", startTimeout, last)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (s *Server) probe() error {
	// Each connection spawns a login process; overlap the two.
	errc := make(chan error, 1)
	go func() { errc <- s.probeTLS() }()
	return errors.Join(s.probePlain(), <-errc)
}

func (s *Server) probePlain() error {
	c, err := net.DialTimeout("tcp", s.plainAddr, time.Second)
	if err != nil {
		return err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(2 * time.Second))
	r := bufio.NewReader(c)
	if err := expectOK(r); err != nil {
		return fmt.Errorf("%s greeting: %w", s.plainAddr, err)
	}
	if _, err := c.Write([]byte("STLS\r\n")); err != nil {
		return err
	}
	if err := expectOK(r); err != nil {
		return fmt.Errorf("%s STLS: %w", s.plainAddr, err)
	}
	sc := tls.Client(c, s.TLSConfig())
	if err := sc.Handshake(); err != nil {
		return fmt.Errorf("%s STLS: %w", s.plainAddr, err)
	}
	quit(sc)
	return nil
}

func (s *Server) probeTLS() error {
	d := &tls.Dialer{NetDialer: &net.Dialer{Timeout: time.Second}, Config: s.TLSConfig()}
	c, err := d.Dial("tcp", s.tlsAddr)
	if err != nil {
		return err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(2 * time.Second))
	if err := expectOK(bufio.NewReader(c)); err != nil {
		return fmt.Errorf("%s greeting: %w", s.tlsAddr, err)
	}
	quit(c)
	return nil
}

// quit ends a probe connection cleanly, so that the log shows a logout
// rather than a connection reset.
func quit(c net.Conn) {
	if _, err := c.Write([]byte("QUIT\r\n")); err == nil {
		_, _ = bufio.NewReader(c).ReadString('\n')
	}
}

func expectOK(r *bufio.Reader) error {
	line, err := r.ReadString('\n')
	if err != nil {
		return err
	}
	if !strings.HasPrefix(line, "+OK") {
		return fmt.Errorf("got %q", strings.TrimSpace(line))
	}
	return nil
}

// freePorts returns two distinct free loopback ports. Both listeners are held
// open until both are chosen, so the kernel cannot hand out the same one
// twice; another process may still grab one before Dovecot binds it, which
// launch detects and StartProcess retries.
func freePorts() (int, int, error) {
	var ports [2]int
	for i := range ports {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return 0, 0, err
		}
		defer l.Close()
		ports[i] = l.Addr().(*net.TCPAddr).Port
	}
	return ports[0], ports[1], nil
}

func findDovecot() (string, error) {
	if !supported {
		return "", fmt.Errorf("%w: needs Linux, this is %s", ErrNotInstalled, runtime.GOOS)
	}
	bin, err := exec.LookPath("dovecot")
	if err != nil {
		// /usr/sbin is often missing from a non-root PATH.
		bin = "/usr/sbin/dovecot"
		if _, err := os.Stat(bin); err != nil {
			return "", fmt.Errorf("%w: no dovecot binary in PATH or /usr/sbin", ErrNotInstalled)
		}
	}
	// dovecot-core alone has the master but not the POP3 server.
	for _, p := range []string{"/usr/lib/dovecot/pop3", "/usr/libexec/dovecot/pop3"} {
		if _, err := os.Stat(p); err == nil {
			return bin, nil
		}
	}
	if _, err := os.Stat("/usr/lib/dovecot"); err == nil {
		return "", fmt.Errorf("%w: /usr/lib/dovecot/pop3 is missing", ErrNotInstalled)
	}
	return bin, nil // an unknown layout: let Dovecot itself complain
}

// checkTraversable reports the first parent of dir that others cannot
// enter. It checks the "others" execute bit only, like the shell recipe:
// enough for the usual 0700 temporary folders.
func checkTraversable(dir string) error {
	for p := dir; ; {
		fi, err := os.Stat(p)
		if err != nil {
			return fmt.Errorf("dovecot: %w", err)
		}
		if fi.Mode().Perm()&0o001 == 0 {
			return fmt.Errorf("dovecot: %s (mode %v) is not traversable by others, but Dovecot's unprivileged users (dovecot, dovenull, nobody) must enter every parent of the data dir %s: chmod o+x it or choose another data dir", p, fi.Mode().Perm(), dir)
		}
		parent := filepath.Dir(p)
		if parent == p {
			return nil
		}
		p = parent
	}
}

// Addr returns the plain POP3 address, "127.0.0.1:port". STLS is offered
// there, and USER/PASS and AUTH PLAIN work without it. No I/O.
func (s *Server) Addr() string { return s.plainAddr }

// TLSAddr returns the implicit TLS (POP3S) address, "127.0.0.1:port". No I/O.
func (s *Server) TLSAddr() string { return s.tlsAddr }

// ServerName returns "localhost", the host name the certificate is for; use
// it as tls.Config.ServerName.
func (s *Server) ServerName() string { return serverName }

// CertPool returns a new pool holding the server's self-signed certificate,
// for tls.Config.RootCAs. No I/O.
func (s *Server) CertPool() *x509.CertPool { return s.pool.Clone() }

// CAFile returns the path of the server's certificate (PEM), which is its
// own CA, for clients configured with a file.
func (s *Server) CAFile() string { return s.caFile }

// TLSConfig returns a new client configuration that trusts the server:
// RootCAs from CertPool and ServerName "localhost".
func (s *Server) TLSConfig() *tls.Config {
	return &tls.Config{RootCAs: s.CertPool(), ServerName: serverName, MinVersion: tls.VersionTLS12}
}

// Dir returns the data directory: etc/ (dovecot.conf, users, cert.pem),
// run/, state/, log/ and mail/<user>/Maildir.
func (s *Server) Dir() string { return s.dir }

// Users returns the configured user names, sorted.
func (s *Server) Users() []string {
	names := make([]string, 0, len(s.passwords))
	for u := range s.passwords {
		names = append(names, u)
	}
	sort.Strings(names)
	return names
}

// Password returns user's password: the one from Options.Passwords or else
// user+"pw". It does not check that the user exists, so it also gives a
// plausible password for negative tests.
func (s *Server) Password(user string) string {
	if p, ok := s.passwords[user]; ok {
		return p
	}
	return user + "pw"
}

// Maildir returns the path of user's Maildir.
func (s *Server) Maildir(user string) string {
	return filepath.Join(s.dir, "mail", user, "Maildir")
}

// MaildirFiles returns the paths of user's message files in cur/ and new/,
// ordered like the POP3 messages of a new session. Dovecot moves files from
// new/ to cur/ and deletes them only at a QUIT after DELE, so this shows
// whether a deletion was committed. Reads the file system; nil for an
// unknown user.
func (s *Server) MaildirFiles(user string) []string {
	var files []string
	for _, sub := range []string{"cur", "new"} {
		dir := filepath.Join(s.Maildir(user), sub)
		entries, err := os.ReadDir(dir)
		if err != nil {
			continue
		}
		for _, e := range entries {
			if e.Type().IsRegular() {
				files = append(files, filepath.Join(dir, e.Name()))
			}
		}
	}
	// All names share one time and a fixed-width sequence number right
	// after it, so the base names sort in Dovecot's UID order.
	sort.Slice(files, func(i, j int) bool {
		return filepath.Base(files[i]) < filepath.Base(files[j])
	})
	return files
}

// Log returns Dovecot's log so far, followed by anything the master wrote to
// stderr; print it when a test fails. Reads files; never fails (read errors
// are included in the text).
func (s *Server) Log() string {
	var b strings.Builder
	for _, name := range []string{"dovecot.log", "stderr.log"} {
		data, err := os.ReadFile(filepath.Join(s.dir, "log", name))
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			fmt.Fprintf(&b, "(%v)\n", err)
		}
		b.Write(data)
	}
	return b.String()
}

// Stop stops the server: SIGTERM to the master and its children, which ends
// all POP3 sessions without committing their deletions (no UPDATE state);
// SIGKILL if the master has not exited within 10 s; then any process of the
// instance still left gets SIGKILL. It takes a few milliseconds, or about a
// second while a POP3 session is open. It returns an error if the master had died
// before, needed SIGKILL, or processes of the instance could not be removed.
// Later calls return the first result. The data directory stays.
func (s *Server) Stop() error {
	s.stopOnce.Do(func() { s.stopErr = s.stop() })
	return s.stopErr
}

func (s *Server) stop() error {
	var errs []error
	select {
	case <-s.done:
		errs = append(errs, fmt.Errorf("dovecot: master process had exited before Stop: %v\n%s", s.waitErr, tail(s.Log(), logTailLines)))
	default:
		// SIGTERM to the master alone costs a fixed second: it SIGQUITs
		// the children still running (stats always is) and sleeps 1 s
		// before exiting. Terminating all processes of the instance at
		// once usually lets it exit in milliseconds; only the end of the
		// log can be lost, and Start's cleanup has printed it before.
		_ = terminateGroup(s.cmd.Process.Pid)
		select {
		case <-s.done:
		case <-time.After(stopTimeout):
			errs = append(errs, fmt.Errorf("dovecot: master process %d ignored SIGTERM for %v; killed", s.cmd.Process.Pid, stopTimeout))
			s.kill()
		}
	}
	if err := killGroup(s.cmd.Process.Pid); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// kill ends the instance at once, for failed starts and stuck stops.
func (s *Server) kill() {
	_ = s.cmd.Process.Kill()
	<-s.done
	_ = killGroup(s.cmd.Process.Pid)
}

// attemptLog returns what the current master has logged so far, followed by
// its stderr.
func (s *Server) attemptLog() string {
	var b strings.Builder
	if f, err := os.Open(filepath.Join(s.dir, "log", "dovecot.log")); err == nil {
		_, _ = f.Seek(s.logStart, io.SeekStart)
		_, _ = io.Copy(&b, f)
		f.Close()
	}
	if data, err := os.ReadFile(filepath.Join(s.dir, "log", "stderr.log")); err == nil {
		b.Write(data)
	}
	return b.String()
}

// tail returns the last n lines of text.
func tail(text string, n int) string {
	lines := strings.Split(strings.TrimRight(text, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// normalizeMessage drops an mbox "From " separator line.
func normalizeMessage(msg []byte) []byte {
	if bytes.HasPrefix(msg, []byte("From ")) {
		if i := bytes.IndexByte(msg, '\n'); i >= 0 {
			return msg[i+1:]
		}
		return nil
	}
	return msg
}
