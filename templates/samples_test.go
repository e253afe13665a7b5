package templates

import (
	"fmt"
)

// Sample view models shared by the tests and TestWritePages.

func sampleMeta() Meta {
	return Meta{Base: "/mail/", User: "ann@example.org", Server: "Example Mail (pop.example.org)"}
}

func sampleLogin() LoginPage {
	return LoginPage{
		Meta:     Meta{Title: "Sign in", Base: "/mail/"},
		Servers:  []ServerOption{{ID: "a", Label: "Example Mail"}, {ID: "b", Label: "Old ISP", Selected: true}},
		Username: "ann",
		Error:    "Wrong user name or password",
		Demo:     true,
	}
}

func sampleInbox() InboxPage {
	m := sampleMeta()
	m.Title = "Inbox"
	m.Flash = "Message deleted."
	m.FlashUndo = true
	p := InboxPage{
		Meta: m, Total: 57, Page: 2, Pages: 3,
		NewerHref: "/mail/?page=1", OlderHref: "/mail/?page=3",
		SelectAllHref: "/mail/?page=2&select=all#messages", SelectNoneHref: "/mail/?page=2#messages",
		Pending: 2, SnapshotText: "as of 14:03",
		SyntheticIDs: true,
		Notice:       "This server deletes messages once they have been read here.",
	}
	rows := []MessageRow{
		{From: "Bob Builder", FromTitle: "Bob Builder <bob@example.org>", Subject: "Agenda for Thursday's planning meeting with the whole team", DateText: "14:01", DateTitle: "Wed, 4 Mar 2026 14:01", SizeText: "3 KB"},
		{From: "Invoices", FromTitle: "billing@shop.example", Subject: "Your invoice 2026-0117", DateText: "Mar 3", DateTitle: "Tue, 3 Mar 2026 09:12", SizeText: "148 KB", HasAttachment: true},
		{From: "noreply@very-long-domain-name-for-testing.example.com", FromTitle: "noreply@very-long-domain-name-for-testing.example.com", Subject: "", DateText: "Mar 1", DateTitle: "Sun, 1 Mar 2026 22:40", SizeText: "1 KB"},
		{From: "Zoë Ålund", FromTitle: "Zoë Ålund <zoe@example.se>", Subject: "Re: Re: Fwd: photos from the trip (the good ones this time, promise) and a really long subject line that goes on", DateText: "Feb 27", DateTitle: "Fri, 27 Feb 2026 08:00", SizeText: "12.4 MB", HasAttachment: true},
		{From: "Carol", FromTitle: "carol@example.net", Subject: "Lunch?", DateText: "Feb 26", DateTitle: "Thu, 26 Feb 2026 12:30", SizeText: "2 KB"},
	}
	for i := range rows {
		rows[i].UID = fmt.Sprintf("uid-%03d", i+1)
		rows[i].Href = "/mail/message/" + rows[i].UID
	}
	p.Rows = rows
	return p
}

func sampleMessage() MessagePage {
	m := sampleMeta()
	m.Title = "Agenda for Thursday's planning meeting"
	return MessagePage{
		Meta:     m,
		UID:      "uid-001",
		Subject:  "Agenda for Thursday's planning meeting",
		From:     "Bob Builder <bob@example.org>",
		To:       "Ann <ann@example.org>, team@example.org",
		Cc:       "carol@example.net",
		DateText: "Wed, 4 Mar 2026 14:01",
		Text: []Paragraph{
			{Segments: []Segment{{Text: "Hi all,"}}},
			{},
			{Segments: []Segment{{Text: "The agenda is at "}, {Text: "https://example.org/agenda", Link: "https://example.org/agenda"}, {Text: " as usual."}}},
			{Segments: []Segment{{Text: "    1. Budget\n    2. Hiring"}}},
			{Segments: []Segment{{Text: "A very long token: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"}}},
			{},
			{Segments: []Segment{{Text: "> quoted reply line from an earlier message"}}},
			{Segments: []Segment{{Text: "-- "}}},
			{Segments: []Segment{{Text: "Bob"}}},
		},
		Attachments: []Attachment{
			{Name: "agenda-with-a-rather-long-file-name-2026-03-05.pdf", Type: "application/pdf", SizeText: "148 KB", Href: "/mail/message/uid-001/part/2"},
			{Type: "image/png", SizeText: "12 KB", Href: "/mail/message/uid-001/part/3"},
		},
		Nested: []NestedMessage{{
			Subject: "Minutes from last week", From: "Carol <carol@example.net>", DateText: "Wed, 25 Feb 2026 10:00",
			Text:        []Paragraph{{Segments: []Segment{{Text: "Minutes attached."}}}, {Segments: []Segment{{Text: "Carol"}}}},
			Attachments: []Attachment{{Name: "minutes.txt", Type: "text/plain", SizeText: "1 KB", Href: "/mail/message/uid-001/part/4.2"}},
		}},
		Problems:     []string{"Part of this message uses an unknown character set (x-foo); it is shown as best we can."},
		RawHref:      "/mail/message/uid-001/raw",
		DeleteAction: "/mail/message/uid-001/delete",
		BackHref:     "/mail/?page=2",
		OlderHref:    "/mail/message/uid-002",
		NewerHref:    "/mail/message/uid-000",
	}
}

func sampleError() ErrorPage {
	m := sampleMeta()
	m.Title = "Mail server not answering"
	return ErrorPage{Meta: m, Status: 503, Title: m.Title, Message: "The mail server is not answering; try again in a minute.", RetryHref: "/mail/"}
}

func sampleHTMLMessage() MessagePage {
	p := sampleMessage()
	p.Text = nil
	p.Nested = nil
	p.Problems = nil
	p.HTMLFrameSrc = "/mail/frame.html"
	p.ShowingHTML = true
	p.TextHref = "/mail/message/uid-001?view=text"
	p.HTMLHref = "/mail/message/uid-001"
	p.RemoteBlocked = true
	p.RemoteHref = "/mail/message/uid-001?remote=1"
	return p
}
