package web_test

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// newsletterViews are the screens the styled newsletter is shown on.
var newsletterViews = []browserView{
	{Width: 390, Height: 844, Mobile: true},
	{Width: 390, Height: 844, Mobile: true, Dark: true},
	{Width: 1280, Height: 800},
	{Width: 1280, Height: 800, Dark: true},
}

// newsletterLook reads, in the message frame, what the newsletter's style
// sheet and legacy attributes decide.
const newsletterLook = `(() => {
	const cs = s => getComputedStyle(document.querySelector(s));
	const box = s => document.querySelector(s).getBoundingClientRect();
	const cols = [...document.querySelectorAll('.col')].map(c => c.getBoundingClientRect());
	return {
		frameWidth: document.documentElement.clientWidth,
		bodyBackground: getComputedStyle(document.body).backgroundColor,
		bodyMargin: getComputedStyle(document.body).marginTop,
		preheader: cs('.preheader').display,
		containerWidth: box('.container').width,
		mastheadBackground: cs('.masthead').backgroundColor,
		mastheadImage: cs('.masthead').backgroundImage,
		buttonBackground: cs('.button').backgroundColor,
		buttonRadius: cs('.button').borderTopLeftRadius,
		cardBorder: cs('.card').borderLeftColor,
		fontColor: cs('font[color]').color,
		stacked: cols.length === 2 && cols[1].top > cols[0].top,
		sideBySide: cols.length === 2 && cols[1].top === cols[0].top && cols[1].left > cols[0].left,
	};
})()`

// TestBrowserStyledNewsletter opens a responsive newsletter, style sheet
// and legacy attributes, through popgate on a phone and a desktop, light
// and dark, and checks that it looks as its sender made it: the hidden
// preheader hidden, colours and the 600-pixel column from the sheet, two
// columns side by side on the desktop and stacked by the sheet's media
// query on the phone, the remote background image still blocked. The
// screenshots are saved under artifactDir("newsletter"): look at them.
func TestBrowserStyledNewsletter(t *testing.T) {
	requireBrowser(t)
	t.Parallel()
	raw, err := os.ReadFile("testdata/newsletter.eml")
	if err != nil {
		t.Fatal(err)
	}
	base, srv := newTestJourneyApp(t, [][]byte{toCRLF(raw)})
	msgURL := base + "message/" + srv.UIDs("alice")[0]
	shots := artifactDir(t, "newsletter")
	t.Logf("screenshots in %s", shots)
	tab := newTestBrowserTab(t)
	mustSignInBrowser(t, tab, base)
	for _, v := range newsletterViews {
		t.Run(v.String(), func(t *testing.T) {
			if err := tab.emulate(v); err != nil {
				t.Fatal(err)
			}
			mustNavigate(t, tab, msgURL)
			frames, err := tab.frames()
			if err != nil || len(frames) != 2 {
				t.Fatalf("frames = %+v, %v; want the page and the message frame", frames, err)
			}
			var look struct {
				FrameWidth         float64
				BodyBackground     string
				BodyMargin         string
				Preheader          string
				ContainerWidth     float64
				MastheadBackground string
				MastheadImage      string
				ButtonBackground   string
				ButtonRadius       string
				CardBorder         string
				FontColor          string
				Stacked            bool
				SideBySide         bool
			}
			if err := tab.evalIn(frames[1].ID, newsletterLook, &look); err != nil {
				t.Fatal(err)
			}
			check := func(what string, got, want any) {
				t.Helper()
				if fmt.Sprint(got) != fmt.Sprint(want) {
					t.Errorf("%s = %v, want %v", what, got, want)
				}
			}
			check("the preheader's display", look.Preheader, "none")
			check("the body's background (bgcolor and the sheet)", look.BodyBackground, "rgb(239, 233, 223)")
			check("the body's margin (topmargin and the sheet)", look.BodyMargin, "0px")
			check("the masthead's background colour", look.MastheadBackground, "rgb(31, 59, 77)")
			check("the masthead's remote image, blocked", look.MastheadImage, "none")
			check("the button's background", look.ButtonBackground, "rgb(200, 150, 62)")
			check("the button's corners", look.ButtonRadius, "24px")
			check("<font color>", look.FontColor, "rgb(138, 90, 18)")
			if v.Width > 620 {
				check("the column's width on a desktop", look.ContainerWidth, 600)
				check("the two columns side by side on a desktop", look.SideBySide, true)
			} else {
				check("the column's width on a phone", look.ContainerWidth, look.FrameWidth)
				check("the two columns stacked on a phone", look.Stacked, true)
			}
			if err := tab.screenshot(filepath.Join(shots, v.String()+".png")); err != nil {
				t.Error(err)
			}
		})
	}
}
