package static

import (
	"io/fs"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"testing/fstest"
)

func TestPath(t *testing.T) {
	got := Path("css/app.css")
	if !regexp.MustCompile(`^/static/[0-9a-f]{12}/css/app\.css$`).MatchString(got) {
		t.Errorf("Path(css/app.css) = %q, want /static/<12 hex>/css/app.css", got)
	}
	if again := Path("css/app.css"); again != got {
		t.Errorf("Path() = %q, then %q; want stable", got, again)
	}
}

func TestHandler(t *testing.T) {
	h := Handler()
	tests := []struct {
		name, method, path string
		wantStatus         int
		wantType           string
	}{
		{"css", http.MethodGet, Path("css/app.css"), http.StatusOK, "text/css; charset=utf-8"},
		{"svg", http.MethodGet, Path("icons/trash.svg"), http.StatusOK, "image/svg+xml"},
		{"head", http.MethodHead, Path("icons/undo.svg"), http.StatusOK, "image/svg+xml"},
		{"wrong hash", http.MethodGet, "/static/0123456789ab/css/app.css", http.StatusNotFound, ""},
		{"no hash", http.MethodGet, "/static/css/app.css", http.StatusNotFound, ""},
		{"unknown name", http.MethodGet, Path("css/other.css"), http.StatusNotFound, ""},
		{"directory", http.MethodGet, Path("css"), http.StatusNotFound, ""},
		{"dot dot", http.MethodGet, Path("css/../icons/trash.svg"), http.StatusNotFound, ""},
		{"outside prefix", http.MethodGet, "/css/app.css", http.StatusNotFound, ""},
		{"post", http.MethodPost, Path("css/app.css"), http.StatusMethodNotAllowed, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(tc.method, tc.path, nil))
			if rec.Code != tc.wantStatus {
				t.Fatalf("%s %s: status = %d, want %d", tc.method, tc.path, rec.Code, tc.wantStatus)
			}
			if got := rec.Header().Get("X-Content-Type-Options"); got != "nosniff" {
				t.Errorf("X-Content-Type-Options = %q, want nosniff", got)
			}
			if tc.wantStatus != http.StatusOK {
				if got := rec.Header().Get("Cache-Control"); strings.Contains(got, "immutable") {
					t.Errorf("Cache-Control = %q on an error", got)
				}
				return
			}
			if got := rec.Header().Get("Content-Type"); got != tc.wantType {
				t.Errorf("Content-Type = %q, want %q", got, tc.wantType)
			}
			if got, want := rec.Header().Get("Cache-Control"), "public, max-age=31536000, immutable"; got != want {
				t.Errorf("Cache-Control = %q, want %q", got, want)
			}
			if tc.method == http.MethodGet && rec.Body.Len() == 0 {
				t.Errorf("empty body")
			}
			if tc.method == http.MethodHead && rec.Body.Len() != 0 {
				t.Errorf("HEAD body length = %d, want 0", rec.Body.Len())
			}
		})
	}
}

func TestHandlerNotModified(t *testing.T) {
	h := Handler()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, Path("css/app.css"), nil))
	etag := rec.Header().Get("ETag")
	if !strings.HasPrefix(etag, `W/"`) {
		t.Fatalf("ETag = %q, want a weak one: the asset may go out under several content codings", etag)
	}
	req := httptest.NewRequest(http.MethodGet, Path("css/app.css"), nil)
	req.Header.Set("If-None-Match", etag)
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusNotModified {
		t.Errorf("conditional GET status = %d, want %d", rec.Code, http.StatusNotModified)
	}
}

// TestEmbedded checks that every embedded file is served and that every
// url() in the stylesheet names an embedded file, relative to the
// stylesheet.
func TestEmbedded(t *testing.T) {
	if len(assets) < 8 {
		t.Errorf("embedded assets = %d, want at least 8", len(assets))
	}
	css := string(assets["css/app.css"].body)
	refs := regexp.MustCompile(`url\(([^)]*)\)`).FindAllStringSubmatch(css, -1)
	if len(refs) == 0 {
		t.Fatal("stylesheet has no url()")
	}
	for _, m := range refs {
		ref := strings.Trim(m[1], `"' `)
		name, ok := strings.CutPrefix(ref, "../")
		if !ok {
			t.Errorf("url(%s): want a path relative to css/", ref)
			continue
		}
		if _, ok := assets[name]; !ok {
			t.Errorf("url(%s): %s is not embedded", ref, name)
		}
	}
	for _, forbidden := range []string{"@import", "@font-face", "http:", "https:", "expression("} {
		if strings.Contains(css, forbidden) {
			t.Errorf("stylesheet contains %q", forbidden)
		}
	}
	for name, a := range assets {
		if strings.HasSuffix(name, ".svg") && (strings.Contains(string(a.body), "<script") || strings.Contains(string(a.body), "href")) {
			t.Errorf("%s contains a script or link", name)
		}
	}
}

func TestLoad(t *testing.T) {
	a := fstest.MapFS{"css/a.css": {Data: []byte("a{}")}, "icons/b.svg": {Data: []byte("<svg/>")}}
	b := fstest.MapFS{"css/a.css": {Data: []byte("a{ }")}, "icons/b.svg": {Data: []byte("<svg/>")}}
	ma, ha := load(a)
	_, hb := load(b)
	if ha == hb {
		t.Errorf("load() hash = %q for different contents", ha)
	}
	if _, h2 := load(a); h2 != ha {
		t.Errorf("load() hash = %q, then %q; want stable", ha, h2)
	}
	if got := ma["css/a.css"].contentType; got != "text/css; charset=utf-8" {
		t.Errorf("content type = %q", got)
	}
	defer func() {
		if recover() == nil {
			t.Errorf("load() with an unknown extension did not panic")
		}
	}()
	load(fs.FS(fstest.MapFS{"x.bin": {Data: []byte{0}}}))
}
