// Command popgate is webmail for POP3 mailboxes: it serves the sign-in
// page, inbox and message views, and talks POP3 to the configured servers.
//
//	go run ./cmd/popgate --demo
//
// runs it with an embedded demo mailbox (user demo, password demo).
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	// Subcommands come before flag parsing, which refuses positional
	// arguments: a FROM scratch image checks its health with the binary.
	if code, ok := subcommand(os.Environ(), os.Args[1:], os.Stdout, os.Stderr); ok {
		os.Exit(code)
	}
	m := NewMain(os.Stderr)
	if err := m.ParseFlags(os.Environ(), os.Args[1:], os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "popgate:", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := m.Run(ctx); err != nil {
		if m.logs != nil {
			m.logs.Close()
		}
		fmt.Fprintln(os.Stderr, "popgate:", err)
		os.Exit(1)
	}
	<-ctx.Done()
	stop()
	m.Logger.Info("shutting down: finishing requests, then signing every session out")
	if err := m.Close(); err != nil {
		m.Logger.Error("shutdown", "error", err)
		os.Exit(1)
	}
}
