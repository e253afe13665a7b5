package dovecot

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// config returns the instance's dovecot.conf. Every path is absolute and
// below s.dir, so nothing of /etc/dovecot is read and nothing outside the
// data dir is written.
func (s *Server) config(opts Options, plainPort, tlsPort int) string {
	etc := filepath.Join(s.dir, "etc")
	logFile := filepath.Join(s.dir, "log", "dovecot.log")

	mechs := opts.AuthMechs
	if mechs == "" {
		mechs = "plain login"
	}
	maxConn := opts.MaxUserIPConnections
	switch {
	case maxConn == 0:
		maxConn = 10 // Dovecot's default, made explicit
	case maxConn < 0:
		maxConn = 0 // Dovecot's "unlimited"
	}
	delay := int((opts.AuthFailureDelay + time.Second - 1) / time.Second)
	lock := "yes"
	if opts.NoLockSession {
		lock = "no"
	}

	var b strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	w("# Private popgate test instance; generated, not /etc/dovecot.")
	// instance_name keeps process titles and doveadm -i apart from the
	// system service and from other test instances.
	w("instance_name = popgate-%d", plainPort)
	w("base_dir = %s", filepath.Join(s.dir, "run"))
	w("state_dir = %s", filepath.Join(s.dir, "state"))
	w("log_path = %s", logFile)
	w("info_log_path = %s", logFile)
	w("debug_log_path = %s", logFile)
	w("default_login_user = %s", s.loginUser)
	w("default_internal_user = %s", s.internalUser)
	if s.internalGroup != "" {
		w("default_internal_group = %s", s.internalGroup)
	}
	w("")
	w("protocols = pop3")
	w("listen = 127.0.0.1")
	w("")
	w("ssl = yes")
	w("ssl_cert = <%s", filepath.Join(etc, "cert.pem"))
	w("ssl_key = <%s", filepath.Join(etc, "key.pem"))
	if _, err := os.Stat("/usr/share/dovecot/dh.pem"); err == nil {
		w("ssl_dh = </usr/share/dovecot/dh.pem")
	}
	w("")
	// Plaintext logins on the plain port as well (Dovecot would allow them
	// from 127.0.0.1 anyway); STLS is still offered there.
	w("disable_plaintext_auth = no")
	w("auth_mechanisms = %s", mechs)
	w("auth_failure_delay = %d secs", delay)
	// Failed logins appear in the log with the reason.
	w("auth_verbose = yes")
	w("passdb {")
	w("  driver = passwd-file")
	w("  args = scheme=PLAIN username_format=%%u %s", filepath.Join(etc, "users"))
	w("}")
	w("userdb {")
	w("  driver = static")
	w("  args = uid=%d gid=%d home=%s/%%u", s.mailUID, s.mailGID, filepath.Join(s.dir, "mail"))
	w("}")
	w("first_valid_uid = 1")
	w("first_valid_gid = 1")
	w("mail_location = maildir:~/Maildir")
	w("mail_max_userip_connections = %d", maxConn)
	w("")
	// UIDL: Dovecot's default made explicit: UID and UIDVALIDITY in hex.
	w("pop3_uidl_format = %%08Xu%%08Xv")
	w("pop3_lock_session = %s", lock)
	w("login_trusted_networks = %s", opts.TrustedNetworks)
	// Only root may chroot; rootless, the services that do by default
	// must not.
	noChroot := s.internalGroup != ""
	w("service anvil {")
	if noChroot {
		w("  chroot =")
	}
	if !opts.AuthPenalty {
		// Without its socket the penalty cannot be looked up, so it is
		// never applied.
		w("  unix_listener anvil-auth-penalty {")
		w("    mode = 0")
		w("  }")
	}
	w("}")
	if noChroot {
		w("service ipc {")
		w("  chroot =")
		w("}")
	}
	w("")
	w("service pop3-login {")
	if noChroot {
		w("  chroot =")
	}
	w("  inet_listener pop3 {")
	w("    address = 127.0.0.1")
	w("    port = %d", plainPort)
	w("  }")
	w("  inet_listener pop3s {")
	w("    address = 127.0.0.1")
	w("    port = %d", tlsPort)
	w("    ssl = yes")
	w("  }")
	w("}")
	if opts.ExtraConfig != "" {
		w("")
		w("%s", opts.ExtraConfig)
	}
	return b.String()
}
