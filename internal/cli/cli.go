// Package cli is Gatehouse's admin command line: `gatehouse login`, then
// users, workspaces, members, groups, roles, kinds, keys,
// service-credentials, audit, check and explain. Every command is a call
// of the HTTP API with the stored profile's token, so it is authorized
// exactly like the API (the CLI never touches the database). How answers
// are printed (tables, FIELD: VALUE lines, indented JSON) is package
// [output]; choosing the format, paging and emitting are here (emit.go).
//
// Exit status: 0 success, 1 refused or failed (the API's problem detail is
// printed as one line on stderr), 2 usage error.
package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/gatehouse/gatehouse/client"
	"github.com/gatehouse/gatehouse/internal/cli/output"
)

// Exit statuses.
const (
	ExitOK      = 0
	ExitFailed  = 1
	ExitUsage   = 2
	progName    = "gatehouse"
	outputTable = "table"
	outputJSON  = "json"
)

// ExitError carries the exit status of a failed command. The CLI prints
// its one-line message itself before returning it (Reported).
type ExitError struct {
	Code     int
	Err      error
	reported bool
}

func (e *ExitError) Error() string { return e.Err.Error() }
func (e *ExitError) Unwrap() error { return e.Err }

// ExitCode is the process exit status for err: 0 for nil, the status of
// an ExitError, 1 otherwise.
func ExitCode(err error) int {
	if err == nil {
		return ExitOK
	}
	var e *ExitError
	if errors.As(err, &e) {
		return e.Code
	}
	return ExitFailed
}

// Reported tells whether err was already printed on stderr by the CLI.
func Reported(err error) bool {
	var e *ExitError
	return errors.As(err, &e) && e.reported
}

// usageError is a mistake in the command line (exit status 2).
type usageError struct{ msg string }

func (u usageError) Error() string { return u.msg }

func usagef(format string, a ...any) error { return usageError{fmt.Sprintf(format, a...)} }

// globals is the state of one invocation: the environment and the flags
// every command of the CLI shares.
type globals struct {
	getenv  func(string) string
	stdin   io.Reader
	stdout  io.Writer
	stderr  io.Writer
	profile string
	output  string
	in      *bufio.Reader
}

// Commands returns the CLI's top-level commands, for the program's root
// command. getenv reads XDG_CONFIG_HOME, HOME and GATEHOUSE_PROFILE.
func Commands(getenv func(string) string, stdout, stderr io.Writer) []*cobra.Command {
	return CommandsWithInput(getenv, os.Stdin, stdout, stderr)
}

// CommandsWithInput is Commands reading prompts and --password-stdin from
// stdin.
func CommandsWithInput(getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) []*cobra.Command {
	g := &globals{getenv: getenv, stdin: stdin, stdout: stdout, stderr: stderr}
	return []*cobra.Command{
		g.loginCmd(), g.logoutCmd(),
		g.usersCmd(), g.workspacesCmd(), g.membersCmd(), g.groupsCmd(),
		g.rolesCmd(), g.kindsCmd(), g.keysCmd(), g.servicesCmd(),
		g.auditCmd(), g.checkCmd(false), g.checkCmd(true),
	}
}

// top makes a top-level command with the shared flags; cmd's own
// subcommands inherit them and the usage-error handling.
func (g *globals) top(cmd *cobra.Command) *cobra.Command {
	pf := cmd.PersistentFlags()
	pf.StringVar(&g.profile, "profile", "", `profile to use (default $GATEHOUSE_PROFILE or "default")`)
	pf.StringVarP(&g.output, "output", "o", "", "output format: table or json (default table on a terminal, json otherwise)")
	cmd.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return g.report(usageError{err.Error() + " (see " + c.CommandPath() + " --help)"})
	})
	if cmd.HasSubCommands() && cmd.RunE == nil {
		cmd.Args = func(c *cobra.Command, args []string) error {
			if len(args) > 0 {
				return g.report(usagef("unknown command %q for %q (see %s --help)", args[0], c.CommandPath(), c.CommandPath()))
			}
			return nil
		}
		cmd.RunE = func(c *cobra.Command, _ []string) error {
			return g.report(usagef("%s needs a subcommand (see %s --help)", c.CommandPath(), c.CommandPath()))
		}
	}
	return cmd
}

// family makes a top-level command grouping subcommands.
func (g *globals) family(use, short string, aliases []string, subs ...*cobra.Command) *cobra.Command {
	c := &cobra.Command{Use: use, Short: short, Aliases: aliases}
	c.AddCommand(subs...)
	return g.top(c)
}

// leaf makes a subcommand: args validates the positional arguments
// (usage errors), run does the work; its errors are reported in one line.
func (g *globals) leaf(use, short string, args cobra.PositionalArgs, run func(cmd *cobra.Command, args []string) error) *cobra.Command {
	return &cobra.Command{
		Use: use, Short: short,
		Args: func(c *cobra.Command, a []string) error {
			if err := args(c, a); err != nil {
				return g.report(usageError{err.Error() + " (usage: " + c.UseLine() + ")"})
			}
			return nil
		},
		RunE: func(c *cobra.Command, a []string) error {
			if err := g.checkOutput(); err != nil {
				return g.report(err)
			}
			return g.report(run(c, a))
		},
	}
}

func (g *globals) checkOutput() error {
	switch g.output {
	case "", outputTable, outputJSON:
		return nil
	}
	return usagef("--output must be table or json, not %q", g.output)
}

// report prints err as one line on stderr and returns it as an
// ExitError with its status.
func (g *globals) report(err error) error {
	if err == nil {
		return nil
	}
	var done *ExitError
	if errors.As(err, &done) && done.reported {
		return err
	}
	code := ExitFailed
	var u usageError
	if errors.As(err, &u) {
		code = ExitUsage
	}
	fmt.Fprintf(g.stderr, "%s: %s\n", progName, output.OneLine(message(err)))
	return &ExitError{Code: code, Err: err, reported: true}
}

// message is what the user reads of err: the API's detail and code.
func message(err error) string {
	var ae *client.Error
	if errors.As(err, &ae) {
		detail := ae.Detail
		if detail == "" {
			detail = ae.Title
		}
		if detail == "" {
			detail = http.StatusText(ae.Status)
		}
		if ae.Code != "" {
			return fmt.Sprintf("%s (%s, HTTP %d)", detail, ae.Code, ae.Status)
		}
		return fmt.Sprintf("%s (HTTP %d)", detail, ae.Status)
	}
	if errors.Is(err, context.Canceled) {
		return "interrupted"
	}
	return err.Error()
}

// format is the effective output format.
func (g *globals) format() string {
	if g.output != "" {
		return g.output
	}
	if isTerminal(g.stdout) {
		return outputTable
	}
	return outputJSON
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

func (g *globals) profileName() string {
	if g.profile != "" {
		return g.profile
	}
	if p := g.getenv("GATEHOUSE_PROFILE"); p != "" {
		return p
	}
	return "default"
}

// session is an API client for the selected profile.
type session struct {
	*client.Client
	profile Profile
	name    string
}

func (g *globals) session() (*session, error) {
	name := g.profileName()
	p, err := loadProfile(g.getenv, name)
	if err != nil {
		return nil, err
	}
	return &session{Client: client.New(p.URL, p.Token), profile: p, name: name}, nil
}

// call runs one API call with the profile's credentials and decodes the
// answer as raw JSON.
func (g *globals) call(cmd *cobra.Command, method, path string, body any) (json.RawMessage, error) {
	s, err := g.session()
	if err != nil {
		return nil, err
	}
	var out json.RawMessage
	err = s.Do(cmd.Context(), method, path, body, &out)
	return out, s.hint(err)
}

// hint adds what to do to a refused credential.
func (s *session) hint(err error) error {
	var ae *client.Error
	if errors.As(err, &ae) && ae.Status == http.StatusUnauthorized {
		return fmt.Errorf("%s; log in again: gatehouse login --url %s --profile %s", message(err), s.profile.URL, s.name)
	}
	return err
}
