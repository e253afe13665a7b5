package mailview

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestParseCorpusMessages checks what specific real messages must show.
func TestParseCorpusMessages(t *testing.T) {
	mustCorpus(t)
	tests := []struct {
		name, file string
		check      func(t *testing.T, m *Message)
	}{
		{"RFC 2231 Latin-1 filename", "mime4j/mimetools-testmsgs/attachment-filename-encoding-Latin1.msg", func(t *testing.T, m *Message) {
			wantFilenames(t, m, "attachment.äöü")
		}},
		{"RFC 2231 quoted extended filename", "zbateson-hunnysoft/m3004.txt", func(t *testing.T, m *Message) {
			wantFilenames(t, m, "HasenundFrösche.txt")
		}},
		{"RFC 2047 filename", "mikel-mail/multi_charset/japanese_attachment.eml", func(t *testing.T, m *Message) {
			wantFilenames(t, m, "てすと.txt")
		}},
		{"cid image inlined", "enmime/low-quality/html-only-inline.raw", func(t *testing.T, m *Message) {
			if !strings.Contains(m.HTML, `src="data:image/png;base64,`) || strings.Contains(m.HTML, "cid:") {
				t.Errorf("HTML = %.300q, want the cid: image as a data: URI", m.HTML)
			}
			if len(m.Attachments) != 0 || m.Text != "" {
				t.Errorf("Attachments = %v, Text = %q, want none (HTML-only, image inlined)", m.Attachments, m.Text)
			}
		}},
		{"ISO-2022-JP subject and body", "mikel-mail/multi_charset/japanese_iso_2022.eml", func(t *testing.T, m *Message) {
			wantEqual(t, "Subject", m.Subject, "まみむめも")
			wantContains(t, "Text", m.Text, "すみません。")
			wantEqual(t, "To", m.To[0].Name, "みける")
		}},
		{"ISO-2022-JP encoded-word addresses", "letters/test_japanese_plaintext_iso-2022-jp_over_7bit.txt", func(t *testing.T, m *Message) {
			wantEqual(t, "Subject", m.Subject, "📧 Test いろは歌")
			wantEqual(t, "From", m.From[0].String(), "郵便アリス <alice.yuubin@example.com>")
			wantContains(t, "Text", m.Text, "色は匂えど\n散りぬるを")
		}},
		{"EUC-KR", "letters/test_korean_plaintext_euc-kr_over_quoted-printable.txt", func(t *testing.T, m *Message) {
			wantContains(t, "Subject", m.Subject, "한국어")
		}},
		{"format=flowed joined", "mimekit/messages/issue1130.txt", func(t *testing.T, m *Message) {
			wantContains(t, "Text", m.Text, `"You do not currently have access to this content." at the bottom of the`)
		}},
		{"UTF-16 without byte order mark", "spamassassin/spam/utf16.eml", func(t *testing.T, m *Message) {
			wantEqual(t, "Subject", m.Subject, "Design and manufacturing")
		}},
		{"nested base64 message/rfc822", "mime4j/mimetools-testmsgs/multi-2gifs-base64.msg", func(t *testing.T, m *Message) {
			if len(m.Nested) != 1 {
				t.Fatalf("len(Nested) = %d, want 1", len(m.Nested))
			}
			wantEqual(t, "Nested[0].Subject", m.Nested[0].Subject, "Two images for you...")
			wantFilenames(t, m.Nested[0], "3d-compress.gif", "3d-eye.gif")
			wantEqual(t, "Nested[0].Attachments[0].Path", m.Nested[0].Attachments[0].Path, "1.2")
		}},
		{"more than 300 attachments", "php-mime-mail-parser/issue408.eml", func(t *testing.T, m *Message) {
			if len(m.Attachments) != 328 {
				t.Errorf("len(Attachments) = %d, want 328", len(m.Attachments))
			}
			seen := map[string]bool{}
			for _, a := range m.Attachments {
				if seen[a.Path] {
					t.Errorf("Attachments has path %q twice", a.Path)
				}
				seen[a.Path] = true
			}
		}},
		{"bare LF line ends", "mikel-mail/plain_emails/basic_email_lf.eml", func(t *testing.T, m *Message) {
			wantEqual(t, "Subject", m.Subject, "Testing 123")
			wantEqual(t, "Text", m.Text, "Plain email.\n\nHope it works well!\n\nMikel\n")
		}},
		{"header line without indentation", "mimekit/messages/issue358.txt", func(t *testing.T, m *Message) {
			wantEqual(t, "Subject", m.Subject, "R: R: R: I: FR-selca LA selcaE")
			wantContains(t, "Problems", strings.Join(m.Problems, "|"), noteMalformed)
		}},
		{"multipart without closing boundary", "mimekit/dkim/multipart-no-end-boundary.msg", func(t *testing.T, m *Message) {
			if m.Text == "" || m.HTML == "" {
				t.Errorf("Text = %q, HTML = %q, want both", m.Text, m.HTML)
			}
		}},
		{"no header at all", "mime4j/testmsgs/malformedHeader-noheader.msg", func(t *testing.T, m *Message) {
			wantContains(t, "Text", m.Text, "This is a simple message not having headers.")
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.check(t, mustParseFile(t, tc.file, Options{}))
		})
	}
}

// TestOpenPartIMAPNumbering uses the RFC 2060 example, whose every part
// says which part specifier it should have.
func TestOpenPartIMAPNumbering(t *testing.T) {
	mustCorpus(t)
	for _, path := range []string{"1", "2", "3.1", "3.2", "4.1", "4.2.1", "4.2.2.1", "4.2.2.2"} {
		t.Run(path, func(t *testing.T) {
			f, err := os.Open(filepath.Join(corpusDir, "mimekit/messages/rfc2060.txt"))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			_, body, err := OpenPart(f, path)
			if err != nil {
				t.Fatalf("OpenPart(%q) error = %v, want nil", path, err)
			}
			b, _ := io.ReadAll(body)
			want := "This part specifier should be: " + path + "\n"
			if string(b) != want {
				t.Errorf("OpenPart(%q) content = %q, want %q", path, b, want)
			}
		})
	}
}

func wantFilenames(t *testing.T, m *Message, want ...string) {
	t.Helper()
	var got []string
	for _, a := range m.Attachments {
		got = append(got, a.Filename)
	}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("Attachments filenames = %q, want %q", got, want)
	}
}

func wantEqual(t *testing.T, what, got, want string) {
	t.Helper()
	if got != want {
		t.Errorf("%s = %q, want %q", what, got, want)
	}
}

func wantContains(t *testing.T, what, got, want string) {
	t.Helper()
	if !strings.Contains(got, want) {
		t.Errorf("%s = %.400q, want it to contain %q", what, got, want)
	}
}
