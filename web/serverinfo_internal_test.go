package web

import (
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"popgate/pop3"
)

func TestServerPageWords(t *testing.T) {
	tests := []struct {
		name              string
		caps              pop3.Capabilities
		loginDelay        string
		expire            string
		warning           bool
		supported, absent []string
		other             []string
	}{
		{"nil caps", nil, "", "", false, nil, nil, nil},
		{"EXPIRE 0 and a delay per user",
			pop3.Capabilities{"UIDL": nil, "EXPIRE": {"0"}, "LOGIN-DELAY": {"900", "USER"}, "CAPA": nil, "X-FOO": {"bar"}},
			"You can sign in once every 15 minutes (the server sets this per user).", "May delete a message as soon as it has been read.", true,
			[]string{"UIDL"}, []string{"TOP", "PIPELINING"}, []string{"X-FOO bar"}},
		{"EXPIRE 1 and an hour",
			pop3.Capabilities{"EXPIRE": {"1"}, "LOGIN-DELAY": {"3600"}, "SASL": {"plain", "LOGIN"}},
			"You can sign in once every 1 hour.", "Deletes messages 1 day after they were first read.", false,
			[]string{"SASL"}, []string{"UIDL"}, nil},
		{"EXPIRE NEVER, no delay", pop3.Capabilities{"EXPIRE": {"NEVER"}, "LOGIN-DELAY": {"0"}},
			"", "Keeps your mail until you delete it.", false, nil, nil, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := serverPage(tc.caps)
			if p.NoCAPA != (tc.caps == nil) {
				t.Errorf("NoCAPA = %v, want %v", p.NoCAPA, tc.caps == nil)
			}
			if p.LoginDelay != tc.loginDelay {
				t.Errorf("LoginDelay = %q, want %q", p.LoginDelay, tc.loginDelay)
			}
			if p.Expire != tc.expire {
				t.Errorf("Expire = %q, want %q", p.Expire, tc.expire)
			}
			if (p.ExpireWarning != "") != tc.warning {
				t.Errorf("ExpireWarning = %q, want one: %v", p.ExpireWarning, tc.warning)
			}
			state := map[string]bool{}
			for _, f := range p.Features {
				state[f.Tag] = f.Supported
			}
			for _, tag := range tc.supported {
				if !state[tag] {
					t.Errorf("%s not supported, want supported", tag)
				}
			}
			for _, tag := range tc.absent {
				if s, ok := state[tag]; !ok || s {
					t.Errorf("%s = %v (listed %v), want listed as not supported", tag, s, ok)
				}
			}
			if len(p.Other) != len(tc.other) || (len(tc.other) > 0 && p.Other[0] != tc.other[0]) {
				t.Errorf("Other = %q, want %q", p.Other, tc.other)
			}
		})
	}
	for d, want := range map[time.Duration]string{30 * time.Second: "30 seconds", time.Minute: "1 minute", 90 * time.Second: "2 minutes", 2 * time.Hour: "2 hours", 90 * time.Minute: "90 minutes"} {
		if got := duration(d); got != want {
			t.Errorf("duration(%v) = %q, want %q", d, got, want)
		}
	}
}

// TestServerPageVisible: text the server chose (IMPLEMENTATION, SASL
// mechanisms, other capabilities) reaches the page with its control and
// bidirectional-formatting characters shown as escapes, and capped.
func TestServerPageVisible(t *testing.T) {
	caps := pop3.Capabilities{
		"IMPLEMENTATION": {"Mail\u202Egnp.exe", "\x1b[31mred\x07", "\u2066x\u2069", "\xff"},
		"SASL":           {"PL\u200FAIN"},
		"X-\u061CFOO":    {strings.Repeat("a", 5000)},
	}
	p := serverPage(caps)
	texts := []string{p.Implementation}
	texts = append(texts, p.Other...)
	for _, f := range p.Features {
		texts = append(texts, f.Text)
	}
	for _, s := range texts {
		if strings.IndexFunc(s, func(r rune) bool { return unicode.IsControl(r) || unicode.Is(unicode.Cf, r) }) >= 0 || !utf8.ValidString(s) {
			t.Errorf("server text %.80q keeps an invisible character", s)
		}
		if n := utf8.RuneCountInString(s); n > 300 {
			t.Errorf("server text of %d characters, want at most 300", n)
		}
	}
	if want := `Mail\u202Egnp.exe \x1B[31mred\x07 \u2066x\u2069 ` + "\uFFFD"; p.Implementation != want {
		t.Errorf("Implementation = %q, want %q", p.Implementation, want)
	}
	if len(p.Other) != 1 || !strings.HasPrefix(p.Other[0], `X-\u061CFOO aaa`) {
		t.Errorf("Other = %.40q, want X-\\u061CFOO aaa…", p.Other)
	}
}
