// Package static holds popgate's stylesheet, icons and keyboard-shortcut
// script, embedded in the binary, and serves them under content-hashed
// URLs so browsers may cache them for a year.
//
// Every asset shares one hash, computed at startup over all embedded files.
// That lets the stylesheet refer to the icons with relative URLs
// (url(../icons/trash.svg)) that stay valid under any base path, and any
// change to any file gives every asset a new URL.
//
// The package uses the standard library only and performs no I/O after
// initialization.
package static

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"net/http"
	"path"
	"sort"
	"strings"
	"time"
)

//go:embed css/*.css icons/*.svg js/*.js
var files embed.FS

// prefix is the path under which Handler serves assets and Path builds
// their URLs.
const prefix = "/static/"

// contentTypes maps the extensions of the embedded files to the
// Content-Type they are served with. An embedded file whose extension is
// missing here fails at startup.
var contentTypes = map[string]string{
	".css": "text/css; charset=utf-8",
	".svg": "image/svg+xml",
	".js":  "text/javascript; charset=utf-8",
}

type asset struct {
	body        []byte
	contentType string
}

var (
	assets map[string]asset // by name, e.g. "css/app.css"
	hash   string           // short hash over all names and contents
)

func init() {
	assets, hash = load(files)
}

// load reads every file of fsys and computes the hash over the sorted names
// and contents. It panics on an unreadable file or an unknown extension,
// which can only be a mistake in the embedded set.
func load(fsys fs.FS) (map[string]asset, string) {
	m := make(map[string]asset)
	err := fs.WalkDir(fsys, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		ct, ok := contentTypes[path.Ext(name)]
		if !ok {
			panic("static: no content type for " + name)
		}
		body, err := fs.ReadFile(fsys, name)
		if err != nil {
			return err
		}
		m[name] = asset{body: body, contentType: ct}
		return nil
	})
	if err != nil {
		panic("static: " + err.Error())
	}
	names := make([]string, 0, len(m))
	for name := range m {
		names = append(names, name)
	}
	sort.Strings(names)
	h := sha256.New()
	for _, name := range names {
		h.Write([]byte(name))
		h.Write([]byte{0})
		h.Write(m[name].body)
		h.Write([]byte{0})
	}
	return m, hex.EncodeToString(h.Sum(nil))[:12]
}

// Path returns the URL path of the embedded asset name, such as
// "css/app.css" or "icons/trash.svg", in the form
// "/static/<hash>/css/app.css". The path is relative to the application's
// root: an application served under a base path puts that prefix in front.
// For a name that is not embedded, Path returns a path that Handler answers
// with 404 Not Found. Path doesn't perform I/O and is safe for concurrent use.
func Path(name string) string {
	return prefix + hash + "/" + name
}

// Handler returns an http.Handler that serves the paths Path returns:
// it expects r.URL.Path to start with "/static/", so an application under a
// base path strips that base first (for example with http.StripPrefix).
// Responses carry the asset's Content-Type, X-Content-Type-Options: nosniff,
// a weak ETag and a Cache-Control header that lets browsers keep them for a
// year.
// A wrong hash or unknown name gets 404 Not Found, a method other than GET or
// HEAD 405 Method Not Allowed. The handler is safe for concurrent use.
func Handler() http.Handler {
	return http.HandlerFunc(serve)
}

func serve(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("X-Content-Type-Options", "nosniff")
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		h.Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	rest, ok := strings.CutPrefix(r.URL.Path, prefix)
	if !ok {
		http.NotFound(w, r)
		return
	}
	sum, name, ok := strings.Cut(rest, "/")
	a, found := assets[name]
	if !ok || sum != hash || !found {
		http.NotFound(w, r)
		return
	}
	h.Set("Content-Type", a.contentType)
	h.Set("Cache-Control", "public, max-age=31536000, immutable")
	// Weak: the server in front may send the same asset under several
	// content codings (gzip, zstd), each a different run of octets, and a
	// strong ETag names exactly one.
	h.Set("ETag", `W/"`+hash+`"`)
	http.ServeContent(w, r, name, time.Time{}, bytes.NewReader(a.body))
}
