// Package slack is the Slack incoming-webhook sink: one message per run
// with a text fallback, a header block and one coloured attachment per
// alert (red error, amber warning, green resolved), "and K more" when
// capped. Slack answers "ok"; anything else is a failure; 429 Retry-After
// is honoured by package notify's retries.
//
// It never prints and never shows its URL (the URL is the secret).
package slack

import (
	"errors"
	"fmt"
	"strings"

	"github.com/ksnap/ksnap/alert"
	"github.com/ksnap/ksnap/notify"
)

// Colours by state.
const (
	ColorError    = "#d00000"
	ColorWarning  = "#daa038"
	ColorResolved = "#2eb886"
)

// Sink posts to one Slack incoming webhook.
type Sink struct{ notify.Base }

// ErrNotOK is returned (wrapped) when Slack answers 2xx without "ok".
var ErrNotOK = errors.New(`answer is not "ok"`)

// New returns a sink posting to ep; the poster's Accept is set to expect
// Slack's "ok".
func New(name string, ep notify.Endpoint, p notify.Poster) *Sink {
	p.Accept = func(_ int, body []byte) error {
		if strings.TrimSpace(string(body)) != "ok" {
			return ErrNotOK
		}
		return nil
	}
	return &Sink{notify.Base{SinkName: name, Endpoint: ep, Poster: p}}
}

// MaxAttachments caps the alerts of one message: Slack refuses a message
// with more than 100 attachments or 50 blocks; the rest wait for the next
// runs.
const MaxAttachments = 40

// MaxAlerts implements alert.Capper.
func (s *Sink) MaxAlerts() int { return MaxAttachments }

// Type returns "slack".
func (s *Sink) Type() string { return alert.TypeSlack }

// Refresh is false: only transitions are sent.
func (s *Sink) Refresh() bool { return false }

// Text is a Slack text object.
type Text struct {
	Type string `json:"type"`
	Text string `json:"text"`
}

// Block is a Slack layout block (section or context).
type Block struct {
	Type     string `json:"type"`
	Text     *Text  `json:"text,omitempty"`
	Elements []Text `json:"elements,omitempty"`
}

// Attachment carries the colour bar.
type Attachment struct {
	Color  string  `json:"color"`
	Blocks []Block `json:"blocks"`
}

// Body is the incoming-webhook payload.
type Body struct {
	Text        string       `json:"text"`
	Blocks      []Block      `json:"blocks"`
	Attachments []Attachment `json:"attachments"`
}

// Encode renders the Slack payload.
func (s *Sink) Encode(m *alert.Message) ([]byte, error) {
	states := notify.States(m)
	firing, resolved := 0, 0
	for _, st := range states {
		if st.Resolved {
			resolved++
		} else {
			firing++
		}
	}
	head := fmt.Sprintf("ksnap: %d firing, %d resolved", firing, resolved)
	if m.More > 0 {
		head += fmt.Sprintf(", and %d more", m.More)
	}
	b := Body{
		Text:   head,
		Blocks: []Block{{Type: "section", Text: &Text{"mrkdwn", "*" + esc(head) + "*"}}},
	}
	for _, st := range states {
		a := &st.Alert
		color, word := ColorError, "FIRING"
		if a.Severity == alert.SeverityWarning {
			color = ColorWarning
		}
		if st.Resolved {
			color, word = ColorResolved, "RESOLVED"
		}
		lines := []string{"*" + word + "* " + esc(a.Name) + " " + esc(a.Key.String()), esc(a.Summary())}
		if c := a.Command(m.Env); c != "" {
			lines = append(lines, "`"+esc(c)+"`")
		}
		ctx := "since " + a.StartsAt.UTC().Format("2006-01-02 15:04:05Z")
		if st.Resolved {
			ctx += ", resolved " + a.EndsAt.UTC().Format("2006-01-02 15:04:05Z")
		}
		if a.BundleSHA256 != "" {
			ctx += ", bundle sha256 " + a.BundleSHA256
		}
		b.Attachments = append(b.Attachments, Attachment{Color: color, Blocks: []Block{
			{Type: "section", Text: &Text{"mrkdwn", strings.Join(lines, "\n")}},
			{Type: "context", Elements: []Text{{"mrkdwn", esc(ctx)}}},
		}})
	}
	if m.More > 0 {
		b.Blocks = append(b.Blocks, Block{Type: "context", Elements: []Text{{"mrkdwn", fmt.Sprintf("and %d more, sent in the next runs", m.More)}}})
	}
	return notify.MarshalBody(b)
}

// esc escapes Slack's three control characters in mrkdwn text.
func esc(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}
