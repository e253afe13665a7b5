package main

import (
	"errors"
	"go/build"
	"io/fs"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// TestDependencyRule enforces who may import whom among popgate's packages
// (non-test files): pop3 nothing of ours, session only pop3, web the layers
// below it, templates only static; only cmd wires everything. Every package
// outside cmd must be in the rule. internal/corpus, the test corpus's
// loader, is for tests and the benchmark: no other package may import it.
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
		"internal/corpus":       {},
	}
	// importableOnlyBy lists the packages that only some may import.
	importableOnlyBy := map[string][]string{
		"internal/corpus": {"cmd/popgate-bench"},
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
		"internal/corpus":   {"github.com/", "golang.org/x/"},
	}
	_, file, _, _ := runtime.Caller(0)
	root := filepath.Join(filepath.Dir(file), "..", "..")
	pkgs, err := modulePackages(root)
	if err != nil {
		t.Fatal(err)
	}
	for pkg, p := range pkgs {
		ok, inRule := allowed[pkg]
		if !inRule && !strings.HasPrefix(pkg, "cmd/") {
			t.Errorf("package %s is not in the dependency rule; add it to TestDependencyRule", pkg)
		}
		for _, imp := range p.Imports {
			own, isOurs := strings.CutPrefix(imp, "popgate/")
			if isOurs && inRule && !contains(ok, own) {
				t.Errorf("%s imports %s, which the dependency rule forbids", pkg, imp)
			}
			if importers, only := importableOnlyBy[own]; isOurs && only && !contains(importers, pkg) {
				t.Errorf("%s imports %s, which only %s and tests may import", pkg, imp, strings.Join(importers, ", "))
			}
			for _, prefix := range forbiddenThirdParty[pkg] {
				if strings.HasPrefix(imp, prefix) {
					t.Errorf("%s imports %s, which the dependency rule forbids", pkg, imp)
				}
			}
		}
	}
	for pkg := range allowed {
		if pkgs[pkg] == nil {
			t.Errorf("the dependency rule names %s, which is not a package", pkg)
		}
	}
}

// modulePackages returns the module's packages below root, by path
// relative to it, with their non-test imports. testdata and hidden
// folders are not part of the module's code.
func modulePackages(root string) (map[string]*build.Package, error) {
	pkgs := map[string]*build.Package{}
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || !d.IsDir() {
			return err
		}
		if path != root && (d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".") || strings.HasPrefix(d.Name(), "_")) {
			return filepath.SkipDir
		}
		p, err := build.ImportDir(path, 0)
		var noGo *build.NoGoError
		if errors.As(err, &noGo) {
			return nil
		}
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		pkgs[filepath.ToSlash(rel)] = p
		return nil
	})
	return pkgs, err
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
