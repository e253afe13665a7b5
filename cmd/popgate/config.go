package main

import (
	"crypto/x509"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"popgate/pop3"
	"popgate/session"
)

// Config is the whole configuration of the binary: environment variables,
// each mirrored by a flag that wins over it.
type Config struct {
	Listen      string         // POPGATE_LISTEN, --listen
	Servers     []ServerConfig // POPGATE_SERVERS, --server (repeatable)
	CAFile      string         // POPGATE_CA_FILE, --ca-file
	Demo        bool           // POPGATE_DEMO, --demo
	SessionKey  string         // POPGATE_SESSION_KEY, --session-key
	IdleTimeout time.Duration  // POPGATE_IDLE_TIMEOUT, --idle-timeout
	BasePath    string         // POPGATE_BASE_PATH, --base-path
	// TrustedProxies (POPGATE_TRUSTED_PROXIES, --trusted-proxies) are the
	// reverse proxies whose X-Forwarded-For is believed.
	TrustedProxies []netip.Prefix
	// AllowAnyServer (POPGATE_ALLOW_ANY_SERVER, --allow-any-server) lets
	// users name any POP3 server; private, loopback, link-local and CGNAT
	// addresses stay refused unless in AllowedNetworks
	// (POPGATE_ALLOWED_NETWORKS, --allowed-networks).
	AllowAnyServer  bool
	AllowedNetworks []netip.Prefix
	// LogFormat is "text" or "json" (POPGATE_LOG_FORMAT, --log-format).
	LogFormat string
	// MetricsListen is the address of a listener of its own that serves
	// /metrics (POPGATE_METRICS_LISTEN, --metrics-listen). Empty serves
	// them nowhere: never under the base path, which a reverse proxy
	// passes on whole.
	MetricsListen string
	// ShutdownTimeout bounds a graceful stop: requests in flight finish,
	// then every session is signed out (POPGATE_SHUTDOWN_TIMEOUT,
	// --shutdown-timeout).
	ShutdownTimeout time.Duration
	// DataDir (POPGATE_DATA_DIR, --data-dir) is where popgate keeps what
	// outlives a process: which messages each account has read. Empty
	// keeps that in memory.
	DataDir string
	// MaxConnections caps the open POP3 connections
	// (POPGATE_MAX_CONNECTIONS, --max-connections), and
	// MaxConnectionsPerNetwork those of the browsers of one /24 or /64
	// (POPGATE_MAX_CONNECTIONS_PER_NETWORK,
	// --max-connections-per-network); zero means a tenth of
	// MaxConnections.
	MaxConnections           int
	MaxConnectionsPerNetwork int
	// IndexMemory (POPGATE_INDEX_MEMORY, --index-memory) is the budget of
	// all sessions' header indexes, in bytes; by default a quarter of
	// CgroupMemory, or session.DefaultIndexMemory without one (memory.go).
	IndexMemory int64
	// CgroupMemory is the memory limit of popgate's cgroup, 0 for none;
	// GoMemLimit says GOMEMLIMIT is set, so that the runtime's soft limit
	// is the admin's.
	CgroupMemory int64
	GoMemLimit   bool

	// RootCAs holds the system pool plus CAFile's certificates, filled by
	// Validate.
	RootCAs *x509.CertPool
}

// ServerConfig is one POP3 server of POPGATE_SERVERS: "[label=]URL".
type ServerConfig struct {
	Label    string
	Host     string
	Port     string
	Security pop3.Security
}

// Addr is host:port.
func (s ServerConfig) Addr() string { return net.JoinHostPort(s.Host, s.Port) }

// stringList is a repeatable flag.
type stringList []string

func (l *stringList) String() string     { return strings.Join(*l, ",") }
func (l *stringList) Set(v string) error { *l = append(*l, v); return nil }

// LoadConfig reads env (KEY=VALUE pairs, as os.Environ) and then args,
// and validates the result. Errors name the variable or flag at fault.
// Defaults that depend on the machine read its cgroup file system.
func LoadConfig(env []string, args []string, stderr io.Writer) (Config, error) {
	return loadConfig(env, args, stderr, os.DirFS("/sys/fs/cgroup"))
}

// loadConfig is LoadConfig with the cgroup file system cgroup.
func loadConfig(env []string, args []string, stderr io.Writer, cgroup fs.FS) (Config, error) {
	vars := map[string]string{}
	goMemLimit := false
	for _, kv := range env {
		if k, v, ok := strings.Cut(kv, "="); ok && strings.HasPrefix(k, "POPGATE_") {
			vars[k] = v
		} else if ok && k == "GOMEMLIMIT" && v != "" {
			goMemLimit = true
		}
	}
	fs := flag.NewFlagSet("popgate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	listen := fs.String("listen", "", "address to serve HTTP on (POPGATE_LISTEN, default :8080)")
	var servers stringList
	fs.Var(&servers, "server", "POP3 server the sign-in form offers, [label=]pop3s://host[:995] | pop3://host[:110] | pop3+insecure://host:port; repeatable (POPGATE_SERVERS, comma-separated)")
	caFile := fs.String("ca-file", "", "extra PEM certificates to trust for POP3 TLS (POPGATE_CA_FILE)")
	demo := fs.Bool("demo", false, "serve an embedded POP3 server with a sample mailbox, user demo, password demo (POPGATE_DEMO)")
	key := fs.String("session-key", "", "secret for cookies, at least 32 characters; random per process when unset (POPGATE_SESSION_KEY)")
	idle := fs.String("idle-timeout", "", "web session idle lifetime, e.g. 30m (POPGATE_IDLE_TIMEOUT)")
	base := fs.String("base-path", "", "path popgate is served under behind a proxy, e.g. /mail/ (POPGATE_BASE_PATH)")
	anyServer := fs.Bool("allow-any-server", false, "let users sign in to any POP3 server they name, never to private addresses unless allowed (POPGATE_ALLOW_ANY_SERVER)")
	allowedNets := fs.String("allowed-networks", "", "comma-separated CIDRs that user-named servers may be in although private (POPGATE_ALLOWED_NETWORKS)")
	logFormat := fs.String("log-format", "", "text or json (POPGATE_LOG_FORMAT, default text)")
	metricsListen := fs.String("metrics-listen", "", "serve Prometheus /metrics on this address, such as 127.0.0.1:9100; not served when unset (POPGATE_METRICS_LISTEN)")
	shutdown := fs.String("shutdown-timeout", "", "how long a graceful stop may take, e.g. 30s (POPGATE_SHUTDOWN_TIMEOUT)")
	dataDir := fs.String("data-dir", "", "directory for read/unread marks, created with mode 0700; in memory when unset (POPGATE_DATA_DIR)")
	maxConns := fs.String("max-connections", "", "most POP3 connections open at once (POPGATE_MAX_CONNECTIONS, default 1000)")
	maxConnsNet := fs.String("max-connections-per-network", "", "most POP3 connections for the browsers of one /24 or /64 (POPGATE_MAX_CONNECTIONS_PER_NETWORK, default a tenth of --max-connections)")
	indexMemory := fs.String("index-memory", "", "memory budget of all sessions' header indexes, such as 256MiB; a quarter of the cgroup's limit, or 256MiB, when unset (POPGATE_INDEX_MEMORY)")
	proxies := fs.String("trusted-proxies", "", "comma-separated addresses or CIDRs of reverse proxies whose X-Forwarded-For is believed (POPGATE_TRUSTED_PROXIES)")
	if err := fs.Parse(args); err != nil {
		return Config{}, err
	}
	if fs.NArg() > 0 {
		return Config{}, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	pick := func(flagName, flagValue, envName string) (string, string) {
		if set[flagName] {
			return flagValue, "--" + flagName
		}
		return vars[envName], envName
	}

	var cfg Config
	var errs []error
	var err error
	cfg.Listen, _ = pick("listen", *listen, "POPGATE_LISTEN")
	if cfg.Listen == "" {
		cfg.Listen = ":8080"
	}
	if _, _, err := net.SplitHostPort(cfg.Listen); err != nil {
		errs = append(errs, fmt.Errorf("POPGATE_LISTEN / --listen: %q is not host:port", cfg.Listen))
	}

	serverList, serverSource := strings.Join(servers, ","), "--server"
	if !set["server"] {
		serverList, serverSource = vars["POPGATE_SERVERS"], "POPGATE_SERVERS"
	}
	for _, item := range strings.Split(serverList, ",") {
		if item = strings.TrimSpace(item); item == "" {
			continue
		}
		sc, err := parseServer(item)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", serverSource, err))
			continue
		}
		cfg.Servers = append(cfg.Servers, sc)
	}

	demoValue, demoSource := pick("demo", strconv.FormatBool(*demo), "POPGATE_DEMO")
	cfg.Demo, err = parseBool(demoValue, demoSource)
	errs = append(errs, err)
	anyValue, anySource := pick("allow-any-server", strconv.FormatBool(*anyServer), "POPGATE_ALLOW_ANY_SERVER")
	cfg.AllowAnyServer, err = parseBool(anyValue, anySource)
	errs = append(errs, err)
	if len(cfg.Servers) == 0 && !cfg.Demo && !cfg.AllowAnyServer {
		errs = append(errs, errors.New("POPGATE_SERVERS / --server: no POP3 server configured (or use --demo)"))
	}

	cfg.CAFile, _ = pick("ca-file", *caFile, "POPGATE_CA_FILE")
	cfg.RootCAs, err = loadRootCAs(cfg.CAFile)
	if err != nil {
		errs = append(errs, fmt.Errorf("POPGATE_CA_FILE / --ca-file: %w", err))
	}

	var keySource string
	cfg.SessionKey, keySource = pick("session-key", *key, "POPGATE_SESSION_KEY")
	if cfg.SessionKey != "" && len(cfg.SessionKey) < 32 {
		errs = append(errs, fmt.Errorf("%s: the secret must be at least 32 characters", keySource))
	}

	idleValue, idleSource := pick("idle-timeout", *idle, "POPGATE_IDLE_TIMEOUT")
	cfg.IdleTimeout, err = parseDuration(idleValue, idleSource, 30*time.Minute, time.Minute, 24*time.Hour)
	errs = append(errs, err)

	baseValue, baseSource := pick("base-path", *base, "POPGATE_BASE_PATH")
	cfg.BasePath = "/"
	if baseValue != "" {
		if strings.ContainsAny(baseValue, "?#\\ %") || strings.Contains(baseValue, "//") || strings.Contains(baseValue, "..") {
			errs = append(errs, fmt.Errorf("%s: %q must be a path such as /mail/", baseSource, baseValue))
		}
		cfg.BasePath = "/" + strings.Trim(baseValue, "/") + "/"
		if cfg.BasePath == "//" {
			cfg.BasePath = "/"
		}
	}
	formatValue, formatSource := pick("log-format", *logFormat, "POPGATE_LOG_FORMAT")
	switch cfg.LogFormat = strings.ToLower(formatValue); cfg.LogFormat {
	case "":
		cfg.LogFormat = "text"
	case "text", "json":
	default:
		errs = append(errs, fmt.Errorf("%s: %q must be text or json", formatSource, formatValue))
	}
	var metricsSource string
	cfg.MetricsListen, metricsSource = pick("metrics-listen", *metricsListen, "POPGATE_METRICS_LISTEN")
	if cfg.MetricsListen != "" {
		_, port, err := net.SplitHostPort(cfg.MetricsListen)
		if err != nil || !validPort(port) {
			errs = append(errs, fmt.Errorf("%s: %q is not host:port", metricsSource, cfg.MetricsListen))
		} else if cfg.MetricsListen == cfg.Listen && port != "0" {
			errs = append(errs, fmt.Errorf("%s: %q is POPGATE_LISTEN's address; the metrics need one of their own", metricsSource, cfg.MetricsListen))
		}
	}
	shutdownValue, shutdownSource := pick("shutdown-timeout", *shutdown, "POPGATE_SHUTDOWN_TIMEOUT")
	cfg.ShutdownTimeout, err = parseDuration(shutdownValue, shutdownSource, 30*time.Second, time.Second, 10*time.Minute)
	errs = append(errs, err)
	proxyValue, proxySource := pick("trusted-proxies", *proxies, "POPGATE_TRUSTED_PROXIES")
	cfg.TrustedProxies, err = parsePrefixes(proxyValue, proxySource)
	errs = append(errs, err)
	var dataSource string
	cfg.DataDir, dataSource = pick("data-dir", *dataDir, "POPGATE_DATA_DIR")
	if cfg.DataDir != "" && !filepath.IsAbs(cfg.DataDir) {
		if abs, err := filepath.Abs(cfg.DataDir); err == nil {
			cfg.DataDir = abs
		} else {
			errs = append(errs, fmt.Errorf("%s: %w", dataSource, err))
		}
	}
	maxValue, maxSource := pick("max-connections", *maxConns, "POPGATE_MAX_CONNECTIONS")
	cfg.MaxConnections, err = parseCount(maxValue, maxSource, session.DefaultMaxConns, 1, 1_000_000)
	errs = append(errs, err)
	netValue, netSource := pick("max-connections-per-network", *maxConnsNet, "POPGATE_MAX_CONNECTIONS_PER_NETWORK")
	cfg.MaxConnectionsPerNetwork, err = parseCount(netValue, netSource, 0, 1, 1_000_000)
	errs = append(errs, err)
	netsValue, netsSource := pick("allowed-networks", *allowedNets, "POPGATE_ALLOWED_NETWORKS")
	cfg.AllowedNetworks, err = parsePrefixes(netsValue, netsSource)
	errs = append(errs, err)
	cfg.CgroupMemory, cfg.GoMemLimit = cgroupMemoryLimit(cgroup), goMemLimit
	memValue, memSource := pick("index-memory", *indexMemory, "POPGATE_INDEX_MEMORY")
	cfg.IndexMemory = defaultIndexMemory(cfg.CgroupMemory)
	if memValue != "" {
		n, ok := parseSize(memValue)
		if !ok || n < minIndexMemory {
			errs = append(errs, fmt.Errorf("%s: %q must be a size of at least 1MiB, such as 256MiB or 1GiB", memSource, memValue))
		} else {
			cfg.IndexMemory = n
		}
	}
	return cfg, errors.Join(errs...)
}

// validPort reports whether port is a number a listener can take; 0
// picks a free one.
func validPort(port string) bool {
	_, err := strconv.ParseUint(port, 10, 16)
	return err == nil
}

// parseBool reads a true/false setting; empty is false.
func parseBool(value, source string) (bool, error) {
	if value == "" {
		return false, nil
	}
	v, err := strconv.ParseBool(value)
	if err != nil {
		return false, fmt.Errorf("%s: %q is not true or false", source, value)
	}
	return v, nil
}

// parseDuration reads a duration setting within [lo, hi]; empty is def.
func parseDuration(value, source string, def, lo, hi time.Duration) (time.Duration, error) {
	if value == "" {
		return def, nil
	}
	d, err := time.ParseDuration(value)
	if err != nil || d < lo || d > hi {
		return def, fmt.Errorf("%s: %q must be a duration between %v and %v", source, value, lo, hi)
	}
	return d, nil
}

// parseCount reads a whole-number setting within [lo, hi]; empty is def.
func parseCount(value, source string, def, lo, hi int) (int, error) {
	if value == "" {
		return def, nil
	}
	n, err := strconv.Atoi(value)
	if err != nil || n < lo || n > hi {
		return def, fmt.Errorf("%s: %q must be a whole number between %d and %d", source, value, lo, hi)
	}
	return n, nil
}

// parsePrefixes reads a comma-separated list of addresses and CIDRs.
func parsePrefixes(value, source string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	var errs []error
	for _, item := range strings.Split(value, ",") {
		if item = strings.TrimSpace(item); item == "" {
			continue
		}
		p, err := netip.ParsePrefix(item)
		if err != nil {
			addr, aerr := netip.ParseAddr(item)
			if aerr != nil {
				errs = append(errs, fmt.Errorf("%s: %q is not an address or CIDR", source, item))
				continue
			}
			p = netip.PrefixFrom(addr, addr.BitLen())
		}
		out = append(out, p.Masked())
	}
	return out, errors.Join(errs...)
}

// parseServer reads "[label=]URL"; session.ParseUpstream reads the URL.
func parseServer(item string) (ServerConfig, error) {
	label, raw, hasLabel := strings.Cut(item, "=")
	if !hasLabel || strings.Contains(label, "://") {
		label, raw = "", item
	}
	up, err := session.ParseUpstream(strings.TrimSpace(raw))
	if err != nil {
		return ServerConfig{}, err
	}
	host, port, _ := net.SplitHostPort(up.Addr)
	sc := ServerConfig{Label: strings.TrimSpace(label), Host: host, Port: port, Security: up.Options.Security}
	if sc.Label == "" {
		sc.Label = up.Label
	}
	return sc, nil
}

// loadRootCAs returns the system pool plus the certificates in file.
func loadRootCAs(file string) (*x509.CertPool, error) {
	pool, err := x509.SystemCertPool()
	if err != nil || pool == nil {
		pool = x509.NewCertPool()
	}
	if file == "" {
		return pool, nil
	}
	pem, err := os.ReadFile(file)
	if err != nil {
		return pool, err
	}
	if !pool.AppendCertsFromPEM(pem) {
		return pool, fmt.Errorf("%s holds no PEM certificate", file)
	}
	return pool, nil
}
