package main

import (
	"io"
	"strings"
	"testing"
	"time"

	"popgate/pop3"
)

func TestLoadConfig(t *testing.T) {
	tests := []struct {
		name    string
		env     []string
		args    []string
		check   func(t *testing.T, c Config)
		wantErr string // substring naming the variable at fault
	}{{
		name: "servers with labels and default ports",
		env:  []string{"POPGATE_SERVERS=Work=pop3s://mail.example.com, pop3://pop.example.org,Test=pop3+insecure://127.0.0.1:1100"},
		check: func(t *testing.T, c Config) {
			want := []ServerConfig{
				{"Work", "mail.example.com", "995", pop3.SecurityTLS},
				{"pop.example.org", "pop.example.org", "110", pop3.SecurityStartTLS},
				{"Test", "127.0.0.1", "1100", pop3.SecurityNone},
			}
			if len(c.Servers) != len(want) {
				t.Fatalf("Servers = %+v, want %+v", c.Servers, want)
			}
			for i := range want {
				if c.Servers[i] != want[i] {
					t.Errorf("Servers[%d] = %+v, want %+v", i, c.Servers[i], want[i])
				}
			}
			if c.Listen != ":8080" || c.IdleTimeout != 30*time.Minute || c.BasePath != "/" || c.MaxConnections != 1000 || c.MaxConnectionsPerNetwork != 0 {
				t.Errorf("defaults = %q, %v, %q, %d, %d", c.Listen, c.IdleTimeout, c.BasePath, c.MaxConnections, c.MaxConnectionsPerNetwork)
			}
		},
	}, {
		name: "flags win over the environment",
		env:  []string{"POPGATE_LISTEN=:1", "POPGATE_SERVERS=pop3s://a.example", "POPGATE_IDLE_TIMEOUT=5m", "POPGATE_DEMO=false"},
		args: []string{"--listen", "127.0.0.1:9999", "--server", "pop3s://b.example", "--server", "pop3s://c.example", "--idle-timeout=10m", "--demo", "--base-path", "mail"},
		check: func(t *testing.T, c Config) {
			if c.Listen != "127.0.0.1:9999" || len(c.Servers) != 2 || c.Servers[0].Host != "b.example" || c.IdleTimeout != 10*time.Minute || !c.Demo || c.BasePath != "/mail/" {
				t.Errorf("config = %+v", c)
			}
		},
	}, {
		name: "any server alone is enough",
		env:  []string{"POPGATE_ALLOW_ANY_SERVER=true", "POPGATE_ALLOWED_NETWORKS=192.168.7.0/24"},
		check: func(t *testing.T, c Config) {
			if !c.AllowAnyServer || len(c.AllowedNetworks) != 1 {
				t.Errorf("config = %+v", c)
			}
		},
	}, {
		name: "data directory from the environment, made absolute; the flag wins",
		env:  []string{"POPGATE_DEMO=1", "POPGATE_DATA_DIR=var/popgate"},
		check: func(t *testing.T, c Config) {
			if !strings.HasPrefix(c.DataDir, "/") || !strings.HasSuffix(c.DataDir, "/var/popgate") {
				t.Errorf("DataDir = %q, want an absolute path ending in /var/popgate", c.DataDir)
			}
		},
	}, {
		name: "data directory flag",
		env:  []string{"POPGATE_DEMO=1", "POPGATE_DATA_DIR=/nope"},
		args: []string{"--data-dir", "/srv/popgate"},
		check: func(t *testing.T, c Config) {
			if c.DataDir != "/srv/popgate" {
				t.Errorf("DataDir = %q, want /srv/popgate", c.DataDir)
			}
		},
	}, {
		name: "connection caps: default, environment, flag",
		env:  []string{"POPGATE_DEMO=1", "POPGATE_MAX_CONNECTIONS_PER_NETWORK=250"},
		args: []string{"--max-connections", "5000"},
		check: func(t *testing.T, c Config) {
			if c.MaxConnections != 5000 || c.MaxConnectionsPerNetwork != 250 {
				t.Errorf("MaxConnections, MaxConnectionsPerNetwork = %d, %d, want 5000, 250", c.MaxConnections, c.MaxConnectionsPerNetwork)
			}
		},
	}, {
		name: "demo alone is enough",
		args: []string{"--demo", "--trusted-proxies", "127.0.0.1, 10.1.2.3/8"},
		check: func(t *testing.T, c Config) {
			if !c.Demo || len(c.Servers) != 0 || len(c.TrustedProxies) != 2 || c.TrustedProxies[1].String() != "10.0.0.0/8" {
				t.Errorf("config = %+v", c)
			}
		},
	},
		{name: "no server", wantErr: "POPGATE_SERVERS"},
		{name: "bad scheme", env: []string{"POPGATE_SERVERS=imap://x.example"}, wantErr: "POPGATE_SERVERS"},
		{name: "insecure needs a port", env: []string{"POPGATE_SERVERS=pop3+insecure://x.example"}, wantErr: "POPGATE_SERVERS"},
		{name: "bad flag server", args: []string{"--server", "pop3s://"}, wantErr: "--server"},
		{name: "bad listen", env: []string{"POPGATE_DEMO=1", "POPGATE_LISTEN=8080"}, wantErr: "POPGATE_LISTEN"},
		{name: "short key", env: []string{"POPGATE_DEMO=1", "POPGATE_SESSION_KEY=short"}, wantErr: "POPGATE_SESSION_KEY"},
		{name: "bad idle", env: []string{"POPGATE_DEMO=1", "POPGATE_IDLE_TIMEOUT=forever"}, wantErr: "POPGATE_IDLE_TIMEOUT"},
		{name: "bad demo", env: []string{"POPGATE_DEMO=maybe"}, wantErr: "POPGATE_DEMO"},
		{name: "missing CA file", env: []string{"POPGATE_DEMO=1", "POPGATE_CA_FILE=/nonexistent.pem"}, wantErr: "POPGATE_CA_FILE"},
		{name: "bad allowed network", env: []string{"POPGATE_ALLOW_ANY_SERVER=true", "POPGATE_ALLOWED_NETWORKS=lan"}, wantErr: "POPGATE_ALLOWED_NETWORKS"},
		{name: "bad log format", env: []string{"POPGATE_DEMO=1", "POPGATE_LOG_FORMAT=xml"}, wantErr: "POPGATE_LOG_FORMAT"},
		{name: "bad metrics listen", env: []string{"POPGATE_DEMO=1", "POPGATE_METRICS_LISTEN=9090"}, wantErr: "POPGATE_METRICS_LISTEN"},
		{name: "metrics listen without a port", env: []string{"POPGATE_DEMO=1", "POPGATE_METRICS_LISTEN=127.0.0.1:"}, wantErr: "POPGATE_METRICS_LISTEN"},
		{name: "metrics listen with a bad port", env: []string{"POPGATE_DEMO=1", "POPGATE_METRICS_LISTEN=127.0.0.1:99999"}, wantErr: "POPGATE_METRICS_LISTEN"},
		{name: "metrics listen on the public address", env: []string{"POPGATE_DEMO=1", "POPGATE_LISTEN=:8080", "POPGATE_METRICS_LISTEN=:8080"}, wantErr: "POPGATE_METRICS_LISTEN"},
		{name: "bad metrics listen flag", env: []string{"POPGATE_DEMO=1"}, args: []string{"--metrics-listen", "[::1"}, wantErr: "--metrics-listen"},
		{name: "bad shutdown timeout", env: []string{"POPGATE_DEMO=1", "POPGATE_SHUTDOWN_TIMEOUT=0"}, wantErr: "POPGATE_SHUTDOWN_TIMEOUT"},
		{name: "bad proxy", env: []string{"POPGATE_DEMO=1", "POPGATE_TRUSTED_PROXIES=10.0.0.0/8,nginx"}, wantErr: "POPGATE_TRUSTED_PROXIES"},
		{name: "bad max connections", env: []string{"POPGATE_DEMO=1", "POPGATE_MAX_CONNECTIONS=lots"}, wantErr: "POPGATE_MAX_CONNECTIONS"},
		{name: "no connections", env: []string{"POPGATE_DEMO=1"}, args: []string{"--max-connections", "0"}, wantErr: "--max-connections"},
		{name: "bad connections per network", env: []string{"POPGATE_DEMO=1", "POPGATE_MAX_CONNECTIONS_PER_NETWORK=-5"}, wantErr: "POPGATE_MAX_CONNECTIONS_PER_NETWORK"},
		{name: "bad base path", env: []string{"POPGATE_DEMO=1", "POPGATE_BASE_PATH=//evil"}, wantErr: "POPGATE_BASE_PATH"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := LoadConfig(tc.env, tc.args, io.Discard)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("LoadConfig() = %v, want an error naming %s", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("LoadConfig() = %v", err)
			}
			tc.check(t, c)
		})
	}
}
