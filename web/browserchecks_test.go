package web_test

import (
	"encoding/json"
	"fmt"

	"github.com/chromedp/cdproto/cdp"
)

// The DOM checks run inside the browser, on the final DOM, after the
// browser parsed the markup its own way: what a sanitizer meant to emit
// does not matter, only what the browser built from it.

// mailDOMCheck inspects a document that shows mail content (the message
// frame, or sanitized mail loaded as a page of its own) in an isolated
// world and lists what should not be there: active or foreign elements,
// event handlers, attributes that load things, links other than http,
// https and mailto opening a new tab without referrer, images other than
// data: URIs (or http(s) with remote content allowed), boxes taken out of
// the flow (fixed, absolute or sticky positioning: overlays), computed
// styles that load something other than such an image as a background,
// and style sheet rules, as the browser parsed them, that load, animate,
// read attributes or history, or load remote images only for some
// readers (in @media, on :hover). %s is "true" when remote content is
// allowed.
const mailDOMCheck = `(() => {
	const remote = %s;
	const problems = [];
	const deny = new Set(['script', 'style', 'svg', 'math', 'object', 'embed', 'applet', 'param', 'base',
		'iframe', 'frame', 'frameset', 'portal', 'fencedframe', 'template', 'noscript', 'video', 'audio',
		'source', 'track', 'canvas', 'picture', 'input', 'textarea', 'select', 'button', 'form', 'link',
		'marquee', 'keygen', 'area', 'map', 'xmp', 'plaintext', 'noembed', 'noframes', 'dialog']);
	const loaders = /^(on.*|srcset|srcdoc|background|poster|ping|formaction|action|dynsrc|lowsrc|longdesc|usemap|ismap|xmlns|cite|data|codebase|classid|archive|manifest|autofocus|contenteditable|form)$/;
	const say = (what, el) => problems.push(what + ' in ' + el.outerHTML.slice(0, 160));
	// The images CSS may load: data: images, and remote ones once allowed.
	const imageURL = remote ? /url\(\s*"(data:image\/(png|gif|jpeg|webp);base64,[^"]*|https?:\/\/[^"]*)"\s*\)/g :
		/url\(\s*"data:image\/(png|gif|jpeg|webp);base64,[^"]*"\s*\)/g;
	const dataURL = /url\(\s*"data:image\/(png|gif|jpeg|webp);base64,[^"]*"\s*\)/g;
	// popgate's own head: one style sheet that only fits the mail to the
	// frame (it loads nothing), and the viewport.
	const inHead = el => el.parentElement === document.head;
	const ownStyle = el => el.localName === 'style' && inHead(el) && document.head.querySelectorAll('style').length === 1 &&
		/^@layer popgate\{img\{max-width:100%%!important;height:auto\}/.test(el.textContent) && !/url|@import|expression|position/i.test(el.textContent);
	// The mail's style sheet, which the sanitizer writes first in the body.
	const mailStyle = el => el.localName === 'style' && el.parentElement === document.body && el === document.body.firstElementChild &&
		document.querySelectorAll('style').length <= 2;
	const checkRules = (rules, inMedia, el) => {
		for (const r of rules) {
			if (r instanceof CSSMediaRule && !inMedia) {
				checkRules(r.cssRules, true, el);
				continue;
			}
			if (!(r instanceof CSSStyleRule)) {
				say('style sheet rule ' + r.cssText.slice(0, 100), el);
				continue;
			}
			const sel = r.selectorText;
			if (/\[|:visited|:has\(/.test(sel) || r.cssRules.length > 0) say('selector ' + sel, el);
			const reactive = /:(hover|focus|active|link|any-link)/.test(sel);
			const text = r.style.cssText;
			if (/url\(/.test(text.replace(inMedia || reactive ? dataURL : imageURL, ''))) say('rule ' + r.cssText.slice(0, 200), el);
			for (const p of r.style) {
				if (/^(position|animation|transition|content|cursor|filter|mask|list-style-image|border-image|behavior|-moz-binding|--)/.test(p) && !(p === 'position' && /^(static|relative)$/.test(r.style.getPropertyValue(p)))) {
					say('property ' + p + ' in rule ' + r.cssText.slice(0, 100), el);
				}
			}
		}
	};
	const ownViewport = el => inHead(el) && el.name === 'viewport' && el.content === 'width=device-width, initial-scale=1';
	for (const el of document.querySelectorAll('*')) {
		const tag = el.localName;
		if (el.namespaceURI !== 'http://www.w3.org/1999/xhtml') say('foreign element <' + tag + '>', el);
		if (mailStyle(el)) {
			if (!el.sheet) say('style sheet unparsed', el);
			else checkRules(el.sheet.cssRules, false, el);
		} else if (deny.has(tag) && !ownStyle(el)) say('<' + tag + '>', el);
		if (tag === 'meta' && (el.hasAttribute('http-equiv') || !(el.hasAttribute('charset') || el.name === 'referrer' || ownViewport(el)))) say('meta', el);
		for (const a of el.attributes) {
			const n = a.name.toLowerCase();
			if (loaders.test(n) || n.includes(':')) say('attribute ' + n, el);
			if (n === 'style' && /url\s*\(|expression|image-set|@import|var\s*\(|behavior|binding|position|\\/i.test(a.value.replace(imageURL, ''))) say('style "' + a.value + '"', el);
		}
		if (tag === 'a' && el.hasAttribute('href') &&
			!(/^(https?|mailto):$/.test(el.protocol) && el.target === '_blank' && el.rel === 'noopener noreferrer')) say('link', el);
		if (tag === 'img') {
			const s = el.getAttribute('src') || '';
			if (!/^data:image\/(png|gif|jpeg|webp);base64,/.test(s) && !(remote && /^https?:\/\//i.test(s))) say('image source', el);
		}
		const cs = getComputedStyle(el);
		if (cs.position !== 'static' && cs.position !== 'relative') say('position: ' + cs.position, el);
		if (cs.animationName !== 'none') say('animation: ' + cs.animationName, el);
		for (const p of ['backgroundImage', 'listStyleImage', 'borderImageSource', 'maskImage', 'cursor', 'content', 'filter', 'clipPath', 'shapeOutside']) {
			const v = p === 'backgroundImage' ? (cs[p] || '').replace(imageURL, '') : cs[p] || '';
			if (/url\(|image-set|image\(/.test(v)) say(p + ': ' + cs[p], el);
		}
	}
	return {url: location.href, problems};
})()`

// activateControls clicks, in an isolated world of a frame, everything a
// reader might click that is not a plain web or mail link: submit buttons,
// image inputs, and links or areas with any other scheme (javascript:,
// data:, vbscript:, file:, ...). It returns what it clicked.
const activateControls = `(() => {
	const clicked = [];
	for (const el of document.querySelectorAll('a, area, button, input[type=submit], input[type=image]')) {
		if (el.localName === 'a' || el.localName === 'area') {
			const href = el.getAttribute('href') ?? el.getAttributeNS('http://www.w3.org/1999/xlink', 'href');
			if (href === null) continue;
			let scheme = '';
			try { scheme = new URL(href, document.baseURI).protocol; } catch (e) {}
			if (/^(https?|mailto):$/.test(scheme)) continue;
		}
		clicked.push(el.outerHTML.slice(0, 100));
		el.dispatchEvent(new MouseEvent('click', {bubbles: true, cancelable: true, view: window}));
	}
	return clicked;
})()`

// opaqueOriginCheck reports, from an isolated world of a document,
// whether the document is of an opaque origin: reading its cookies throws.
const opaqueOriginCheck = `(() => { try { document.cookie; return false; } catch (e) { return true; } })()`

// appPageCheck inspects the top document of a popgate message page, which
// shows mail only inside its sandboxed frame and as text. It lists mail
// markup that made it into the page, links and forms that lead elsewhere,
// a frame that is not the sandboxed one, and anything covering the page's
// own controls; it also returns the texts that show mail headers and the
// attachment links. %s is the app's base URL.
const appPageCheck = `(() => {
	const base = %q;
	const problems = [];
	const say = (what, el) => problems.push(what + ' in ' + el.outerHTML.slice(0, 160));
	const deny = new Set(['script', 'style', 'svg', 'math', 'object', 'embed', 'applet', 'base', 'frame',
		'frameset', 'portal', 'fencedframe', 'template', 'noscript', 'video', 'audio', 'source', 'canvas',
		'picture', 'textarea', 'select', 'link', 'meta', 'marquee', 'map', 'area', 'dialog']);
	// popgate's own: the shortcut script from its static files and the
	// shortcut help dialog, each once, as children of the body.
	const ours = el => el.parentElement === document.body && (
		(el.localName === 'script' && el.src.startsWith(base + 'static/') && el.src.endsWith('/js/keys.js') &&
			el.textContent.trim() === '' && document.querySelectorAll('script').length === 1) ||
		(el.localName === 'dialog' && el.id === 'keys-help' && document.querySelectorAll('dialog').length === 1));
	for (const el of document.body.querySelectorAll('*')) {
		const tag = el.localName;
		if (el.namespaceURI !== 'http://www.w3.org/1999/xhtml') say('foreign element <' + tag + '>', el);
		if (deny.has(tag) && !ours(el)) say('<' + tag + '>', el);
		if (tag === 'input' && el.type !== 'hidden') say('input', el);
		if (tag === 'img' && !el.src.startsWith(location.origin + '/')) say('image', el);
		for (const a of el.attributes) {
			const n = a.name.toLowerCase();
			if (/^on/.test(n) || /^(style|srcset|srcdoc|background|poster|ping|formaction|xmlns)$/.test(n) || n.includes(':')) say('attribute ' + n, el);
		}
		if (tag === 'a' && el.hasAttribute('href') && !el.href.startsWith(base) &&
			!(/^(https?|mailto):$/.test(el.protocol) && el.target === '_blank' && /\bnoopener\b/.test(el.rel) && /\bnoreferrer\b/.test(el.rel))) say('link', el);
		if (tag === 'form' && !el.action.startsWith(base)) say('form', el);
		if (tag === 'button' && el.hasAttribute('formaction')) say('button', el);
	}
	const frames = [...document.querySelectorAll('iframe')];
	const frame = document.querySelector('iframe[data-testid="message-body"]');
	for (const f of frames) {
		if (f !== frame) say('a second frame', f);
	}
	let frameBox = null;
	if (frame) {
		if (frame.getAttribute('sandbox') !== 'allow-popups allow-popups-to-escape-sandbox') say('frame sandbox', frame);
		if (!frame.src.startsWith(base + 'message/') || !/\/body(\?remote=1)?$/.test(frame.src)) say('frame source', frame);
		const r = frame.getBoundingClientRect();
		frameBox = {left: r.left, top: r.top, right: r.right, bottom: r.bottom};
	}
	// Hit testing over the viewport: the frame takes exactly its own box,
	// and nothing covers the page's controls.
	const inFrame = (x, y) => frameBox && x >= frameBox.left && x < frameBox.right && y >= frameBox.top && y < frameBox.bottom;
	for (let i = 0; i < 16; i++) {
		for (let j = 0; j < 16; j++) {
			const x = (i + 0.5) * innerWidth / 16, y = (j + 0.5) * innerHeight / 16;
			const el = document.elementFromPoint(x, y);
			if (!inFrame(x, y) && frame && el === frame) problems.push('the frame reaches ' + x + ',' + y + ' outside its box');
			if (inFrame(x, y) && el !== frame) problems.push('something covers the frame at ' + x + ',' + y + ': ' + (el ? el.outerHTML.slice(0, 80) : 'nothing'));
		}
	}
	for (const sel of ['[data-testid="subject"]', '[data-testid="back"]', 'form.signout button', '[data-testid="delete"] button',
		'[data-testid="raw"]', '[data-testid="switch"] a', '[data-testid="remote-blocked"] a', '[data-testid="attachment"] a']) {
		const c = document.querySelector(sel);
		if (!c) continue;
		const r = c.getBoundingClientRect();
		if (r.width === 0 || r.height === 0 || r.top < 0 || r.bottom > innerHeight) continue;
		const el = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
		if (!el || !(el === c || c.contains(el))) problems.push(sel + ' is covered by ' + (el ? el.outerHTML.slice(0, 80) : 'nothing'));
	}
	const subject = document.querySelector('[data-testid="subject"]');
	if (frameBox && subject && frameBox.top < subject.getBoundingClientRect().bottom) problems.push('the frame overlaps the message header');
	const header = name => {
		for (const hl of document.querySelectorAll('.headers .hl')) {
			const dt = hl.querySelector('dt'), dd = hl.querySelector('dd');
			if (dt && dd && dt.textContent.trim() === name) return dd.textContent;
		}
		return '';
	};
	const plain = document.querySelector('[data-testid="message-text"]');
	return {
		problems,
		hasFrame: !!frame,
		subject: subject ? subject.textContent : '',
		from: header('From'), to: header('To'), cc: header('Cc'),
		// The text of a plain body, without the summaries of folded parts.
		text: plain ? (() => { const c = plain.cloneNode(true); c.querySelectorAll('summary').forEach(e => e.remove()); return c.textContent; })() : '',
		attachmentNames: [...document.querySelectorAll('[data-testid="attachment"] .name')]
			.filter(e => !e.closest('[data-testid="nested-message"]')).map(e => e.textContent),
		opaque: (() => { try { return document.querySelector('iframe[data-testid="message-body"]').contentDocument === null; } catch (e) { return true; } })(),
		attachmentLinks: [...document.querySelectorAll('[data-testid="attachment"] a[href]')].map(e => e.href),
		rawLink: (document.querySelector('[data-testid="raw"]') || {}).href || '',
		textLink: (document.querySelector('[data-testid="switch"] a[href*="view=text"]') || {}).href || '',
	};
})()`

// appPage is what appPageCheck returns.
type appPage struct {
	Problems        []string `json:"problems"`
	HasFrame        bool     `json:"hasFrame"`
	Opaque          bool     `json:"opaque"` // the page cannot reach into the message frame
	Subject         string   `json:"subject"`
	From            string   `json:"from"`
	To              string   `json:"to"`
	Cc              string   `json:"cc"`
	Text            string   `json:"text"`
	AttachmentNames []string `json:"attachmentNames"`
	AttachmentLinks []string `json:"attachmentLinks"`
	RawLink         string   `json:"rawLink"`
	TextLink        string   `json:"textLink"`
}

// checkAppPage runs appPageCheck on the tab's top document.
func (b *browserTab) checkAppPage(base string) (appPage, error) {
	var p appPage
	err := b.eval(fmt.Sprintf(appPageCheck, base), &p)
	return p, err
}

// mailDOM is what mailDOMCheck returns.
type mailDOM struct {
	URL      string   `json:"url"`
	Problems []string `json:"problems"`
}

// checkMailDOM runs mailDOMCheck in frame.
func (b *browserTab) checkMailDOM(frame cdp.FrameID, remote bool) (mailDOM, error) {
	var d mailDOM
	r, _ := json.Marshal(remote)
	err := b.evalIn(frame, fmt.Sprintf(mailDOMCheck, r), &d)
	return d, err
}

// activate runs activateControls in frame.
func (b *browserTab) activate(frame cdp.FrameID) ([]string, error) {
	var clicked []string
	err := b.evalIn(frame, activateControls, &clicked)
	return clicked, err
}
