package main

import (
	"go/build"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// TestDependencyRule enforces who may import whom among popgate's packages
// (non-test files): pop3 nothing of ours, session only pop3, web the layers
// below it, templates only static; only cmd wires everything.
func TestDependencyRule(t *testing.T) {
	allowed := map[string][]string{
		"pop3":                  {},
		"pop3/pop3test":         {},
		"pop3/pop3test/dovecot": {},
		"static":                {},
		"templates":             {"static"},
		"session":               {"pop3"},
		"session/readstate":     {},
		"web":                   {"session", "session/readstate", "pop3", "templates", "static", "web/mailview"},
		"web/mailview":          {},
		"cmd/popgate/demo":      {},
	}
	forbiddenThirdParty := map[string][]string{
		"pop3":          {"github.com/", "golang.org/x/"},
		"pop3/pop3test": {"github.com/", "golang.org/x/"},
		"static":        {"github.com/", "golang.org/x/"},
		// session parses no mail: its header index takes the web layer's
		// parser through Config.Envelope.
		"session":           {"github.com/go-chi/", "github.com/emersion/", "github.com/a-h/"},
		"session/readstate": {"github.com/go-chi/", "github.com/emersion/", "github.com/a-h/", "github.com/gorilla/"},
		"templates":         {"github.com/emersion/", "github.com/go-chi/", "net/http"},
	}
	_, file, _, _ := runtime.Caller(0)
	root := filepath.Join(filepath.Dir(file), "..", "..")
	for pkg, ok := range allowed {
		p, err := build.ImportDir(filepath.Join(root, pkg), 0)
		if err != nil {
			t.Errorf("ImportDir(%s) = %v", pkg, err)
			continue
		}
		for _, imp := range p.Imports {
			if own, isOurs := strings.CutPrefix(imp, "popgate/"); isOurs && !contains(ok, own) {
				t.Errorf("%s imports %s, which the dependency rule forbids", pkg, imp)
			}
			for _, prefix := range forbiddenThirdParty[pkg] {
				if strings.HasPrefix(imp, prefix) {
					t.Errorf("%s imports %s, which the dependency rule forbids", pkg, imp)
				}
			}
		}
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
