// Package dovecot starts a private, throw-away Dovecot POP3 server for the
// project's tests, benchmarks and CI: the real server that the in-memory
// pop3test server imitates.
//
// Each instance has its own configuration file (dovecot -c), users, Maildirs,
// self-signed certificate, base_dir, state_dir and log, all below one data
// directory, and listens on two free loopback ports: plain POP3 (STLS offered,
// USER/PASS and AUTH PLAIN allowed without TLS) and implicit TLS (POP3S).
// The system's Dovecot service and /etc/dovecot are never read or touched,
// so several instances run side by side, for example in tests of different
// packages running in parallel.
//
// # Requirements
//
// The Debian package dovecot-pop3d (which pulls in dovecot-core): the
// binaries /usr/sbin/dovecot and /usr/lib/dovecot/pop3, and the users dovecot
// and dovenull that the package creates. Linux only. [Start] skips the test
// when Dovecot is missing, unless the environment variable
// POPGATE_REQUIRE_REAL=1 is set (as CI does): then the test fails, so a
// missing server cannot make a green CI run meaningless.
//
// As root, Dovecot's processes drop privileges: login processes run as
// dovenull, authentication as dovecot, and mail access as nobody (65534),
// which owns the Maildirs. Those users must be able to traverse every parent
// of the data directory, which is why the directories this package creates
// are made 0755 and [StartProcess] refuses a data directory below a folder
// that others cannot enter (os.MkdirTemp creates 0700 folders; Dovecot would
// otherwise fail every login with a SYS/TEMP error). As any other user,
// every Dovecot process runs as that user and no such check is needed.
//
// # Mail
//
// Messages are written straight into Maildir new/ before Dovecot starts,
// named "<time>.M<sequence>.popgate". Dovecot assigns UIDs to new files
// sorted by the time in the name, then by the number after "M" (read as
// microseconds), then by name, whatever order the directory lists them in;
// all names of an instance share one time and count up, so a user's
// messages become POP3 messages 1..n in the order given.
//
// # Speed
//
// Measured on a small Debian 12 VM: a start with a few messages takes
// 0.15-0.4 s, Stop a few milliseconds (about a second while a POP3 session
// is still open). 10,000 bulk messages add 0.2-2 s on ext4, depending on
// the disk's mood, and 0.15 s on tmpfs: TMPDIR=/dev/shm makes such tests
// fast and steady. The first login to a 10,000-message maildrop waits about
// 0.4 s while Dovecot indexes it. With session locking on, a second
// concurrent login gets "-ERR [IN-USE]" only after Dovecot's fixed 10 s
// lock timeout, so keep such tests few and parallel.
package dovecot
