// Package templates renders popgate's pages with templ.
//
// Each page has a view model defined here (LoginPage, InboxPage,
// MessagePage, LogoutPage, ErrorPage; SearchPage in search.go) and a
// component that takes it (LoginView, InboxView, MessageView, LogoutView,
// ErrorView, SearchView); every page is wrapped in Layout. The view models hold plain values that the web layer
// fills in: components never see requests, sessions or POP3 types, and do
// no I/O beyond writing to the io.Writer they render into.
//
// Everything that comes from mail (subjects, addresses, file names, text)
// is rendered as escaped text; links taken from mail pass templ's URL
// sanitizer and are dropped when it rejects them. Pages need no JavaScript
// and no inline styles, so they work under a strict Content-Security-Policy
// (style-src 'self'). State changes are POST forms; only search forms,
// which change nothing, are GET.
//
// Components are safe for concurrent use as long as the view models passed
// to them are not modified while rendering.
package templates

// Meta is what the layout needs on every page. The zero value is a
// signed-out page at the root path.
type Meta struct {
	// Title is the page title without the application name; the layout
	// appends " — popgate". Empty means just "popgate".
	Title string
	// Base is the path the application is served under, ending in "/",
	// e.g. "/" or "/mail/". It prefixes every link, form action and asset
	// URL the templates build. Empty means "/".
	Base string
	// User is the signed-in account, "" when signed out; the header then
	// shows no account and no sign-out button.
	User string
	// Server is the label of the account's server.
	Server string
	// Flash is a one-line notice shown after a redirect, e.g.
	// "Message deleted.", "" for none.
	Flash string
	// FlashUndo shows an Undo button (POST Base+"undo") next to Flash.
	FlashUndo bool
}

// LoginPage is the sign-in form (GET and failed POST Base+"login").
type LoginPage struct {
	Meta Meta
	// Servers is the admin's list of servers. With more than one a select
	// named "server" is shown; with exactly one its ID is sent in a hidden
	// field and its label shown as text; with none the field is left out.
	Servers []ServerOption
	// AnyServer shows a text field for the server instead (the admin
	// allowed any server); Servers then become suggestions by label, and
	// ServerText keeps what the user typed.
	AnyServer  bool
	ServerText string
	// Username is the user name to keep in the form after a failed attempt.
	Username string
	// Next is the local page to go to after signing in, kept in a hidden
	// field; the web layer has checked it is a path of this app.
	Next string
	// Error is shown above the form, e.g. "Wrong user name or password".
	Error string
	// FieldsInvalid marks the user name and password fields as what Error
	// is about (a wrong password, not a server that is down).
	FieldsInvalid bool
	// Demo shows the hint that the demo mailbox accepts demo / demo.
	Demo bool
}

// SignedInPage is GET Base+"login" while the browser is signed in. Meta
// carries the account and its server.
type SignedInPage struct {
	Meta Meta
	// Inbox is where "Go to inbox" leads: the inbox, or the local page the
	// sign-in link asked for, which the web layer has checked.
	Inbox string
	// Next is that local page, kept for after signing in as someone else;
	// "" for none.
	Next string
}

// ServerOption is one entry of the server select on the sign-in form.
type ServerOption struct {
	ID, Label string
	Selected  bool
}

// InboxPage is one page of the message list, newest first.
type InboxPage struct {
	Meta Meta
	// Rows are the messages of this page.
	Rows []MessageRow
	// Total is the number of messages in the snapshot, not counting
	// pending deletions.
	Total int
	// Page and Pages are 1-based; a pager is shown when Pages > 1.
	Page, Pages int
	// NewerHref and OlderHref link to the newer and the older page, ""
	// when there is none. They already include Base.
	NewerHref, OlderHref string
	// Pending is the number of messages marked for deletion; when > 0 a
	// banner with an Undo button (POST Base+"undo") is shown.
	Pending int
	// SnapshotText says when the mailbox snapshot was taken, shown next
	// to the Refresh button (POST Base+"refresh"), e.g. "as of 14:03"; ""
	// for nothing.
	SnapshotText string
	// SyntheticIDs shows a note that the server has no UIDL and messages are
	// identified by their headers.
	SyntheticIDs bool
	// Notice is a warning about the server, e.g. that it deletes mail once
	// read (EXPIRE 0); "" for none.
	Notice string
	// Unread is the number of unread messages in the whole snapshot.
	Unread int
	// AllSelected renders every checkbox of the page checked (the page was
	// asked for with "select=all", which works without script).
	// SelectAllHref and SelectNoneHref are the links that select every
	// message of this page and none; they already include Base.
	AllSelected                   bool
	SelectAllHref, SelectNoneHref string
}

// MessageRow is one message in the inbox list.
type MessageRow struct {
	// UID is the message's unique id, sent as a "uid" form value by the
	// bulk delete form.
	UID string
	// Href opens the message; it already includes Base.
	Href string
	// From is the sender's display name or address; FromTitle the full
	// address, shown as a tooltip.
	From, FromTitle string
	// Subject is shown as "(no subject)" when empty.
	Subject string
	// DateText is the short date shown, e.g. "5 min ago"; DateTitle the
	// full date tooltip; DateISO the machine-readable date (RFC 3339) of
	// the <time> element, "" when the message has no date.
	DateText, DateTitle, DateISO string
	// SizeText is the message size, e.g. "12 KB".
	SizeText string
	// HasAttachment shows a paperclip.
	HasAttachment bool
	// Unread shows the row in bold with an "Unread" marker.
	Unread bool
}

// MessagePage is one message.
type MessagePage struct {
	Meta Meta
	// UID is the message's unique id.
	UID string
	// Subject is shown as "(no subject)" when empty.
	Subject string
	// From, To, Cc and DateText are the header lines shown; To and Cc are
	// left out when empty. DateISO is DateText for machines (RFC 3339).
	From, To, Cc, DateText, DateISO string
	// Text is the plain-text body, one Paragraph per line, quotation or
	// folded part. It is shown when HTMLFrameSrc is empty.
	Text []Paragraph
	// HTMLFrameSrc is the URL of the sanitized HTML body, shown in a
	// sandboxed iframe; "" shows Text instead.
	HTMLFrameSrc string
	// ShowingHTML tells which version is shown when the message has both;
	// TextHref and HTMLHref link to the plain-text and HTML versions, ""
	// when the message has only one of them.
	ShowingHTML        bool
	TextHref, HTMLHref string
	// RemoteBlocked shows that remote images were blocked, with a link to
	// RemoteHref, which shows the message with remote content.
	RemoteBlocked bool
	RemoteHref    string
	// Attachments are the message's attachments, with download links.
	Attachments []Attachment
	// Nested are attached messages (message/rfc822), shown below the body.
	Nested []NestedMessage
	// Problems are notes about parts that could not be shown as sent, e.g.
	// an unknown character set or a malformed message.
	Problems []string
	// RawHref downloads the message source (.eml); "" hides the link.
	RawHref string
	// DeleteAction is the POST target of the Delete button; "" hides it.
	DeleteAction string
	// UnreadAction is the POST target of the "Mark as unread" button; ""
	// hides it.
	UnreadAction string
	// BackHref leads back to the inbox page the message was opened from;
	// it already includes Base.
	BackHref string
	// OlderHref and NewerHref link to the older and the newer message,
	// "" when there is none.
	OlderHref, NewerHref string
}

// Paragraph is a block of a plain-text body: a line, its Segments (an
// empty one is an empty line and stays visible); or, when Quote is not
// nil, a quotation of those paragraphs, one level deeper; or, when Fold is
// not nil, those paragraphs folded away behind Summary (a long quoted
// tail, a signature), which opens without script.
type Paragraph struct {
	Segments []Segment
	Quote    []Paragraph
	Fold     []Paragraph
	Summary  string
}

// Segment is a run of text in a Paragraph. A Segment with a non-empty Link
// is rendered as a link opening in a new tab without a referrer; a Link that
// fails templ's URL sanitizer (javascript: and the like) is rendered as
// plain text.
type Segment struct {
	Text, Link string
}

// Attachment is a part of a message offered for download.
type Attachment struct {
	// Name is the file name; empty shows "Unnamed attachment".
	Name string
	// Type is the media type, e.g. "application/pdf".
	Type string
	// SizeText is the size, e.g. "1.2 MB".
	SizeText string
	// Href downloads the attachment; it already includes Base.
	Href string
}

// NestedMessage is a message attached to another one (message/rfc822).
type NestedMessage struct {
	Subject, From, DateText string
	Text                    []Paragraph
	Attachments             []Attachment
}

// ServerPage describes the signed-in account's mail server: what it
// supports (its CAPA, RFC 2449) in plain words.
type ServerPage struct {
	Meta Meta
	// Label is the server's name in the admin's list; Address its
	// host:port; Connection says how it is reached, e.g. "Encrypted (TLS
	// from the start)".
	Label, Address, Connection string
	// NoCAPA says the server does not list its capabilities (it predates
	// RFC 2449); the lists below are then empty.
	NoCAPA bool
	// Features are the capabilities popgate knows, supported or not.
	Features []Feature
	// Implementation is the server software as it names itself, "" when
	// it does not say.
	Implementation string
	// LoginDelay and Expire are sentences about the server's LOGIN-DELAY
	// and EXPIRE, "" when it announces none.
	LoginDelay, Expire string
	// ExpireWarning is shown prominently when the server may delete mail
	// once read (EXPIRE 0); "" for none.
	ExpireWarning string
	// Other lists further capabilities as the server sent them.
	Other []string
	// SyntheticIDs says popgate identifies messages by their headers.
	SyntheticIDs bool
}

// Feature is one capability on the server page.
type Feature struct {
	// Tag is the capability's name in the protocol, e.g. "UIDL".
	Tag string
	// Supported tells whether the server announces it; Unknown that its
	// absence says little (it is often listed before sign-in only); Text
	// says what that means for the user.
	Supported, Unknown bool
	Text               string
}

// LogoutPage confirms that the user signed out.
type LogoutPage struct {
	Meta Meta
	// Deleted is the number of messages the server deleted at sign-out.
	Deleted int
}

// ErrorPage is shown when a request fails. Title and Message are for the
// user and hold no technical detail.
type ErrorPage struct {
	Meta Meta
	// Status is the HTTP status code, carried in the data-status attribute.
	Status int
	// Title is the heading, Message the explanation.
	Title, Message string
	// RetryHref shows a "Try again" link; "" hides it.
	RetryHref string
	// SignOutAgain shows a "Sign out again" button, which posts the
	// sign-out once more, in place of the "Try again" link: for a
	// sign-out that could not finish.
	SignOutAgain bool
}
