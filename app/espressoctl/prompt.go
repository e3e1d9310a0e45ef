package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/espressovpn/espresso/app/explain"
	"github.com/espressovpn/espresso/helper/api"
)

// maxEmptyAnswers is how often an empty password is asked again before
// it counts as a cancel.
const maxEmptyAnswers = 3

// upAnswering connects profile name and waits for the outcome like
// Connect with wait, answering on the terminal every password prompt the
// helper publishes for it (api.PromptProtocol). The watch stream is open
// before the connect is sent, so no prompt is missed; a prompt answered
// in the app or withdrawn meanwhile stops the question.
func (e *env) upAnswering(ctx context.Context, name string, req api.ConnectRequest) (api.ConnectionStatus, error) {
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	defer wg.Wait()
	defer cancel()
	w, err := e.client.Watch(ctx)
	if err != nil {
		return api.ConnectionStatus{}, err
	}
	defer w.Close()

	type outcome struct {
		st  api.ConnectionStatus
		err error
	}
	done := make(chan outcome, 1)
	events := make(chan api.Event)
	wg.Add(2)
	go func() {
		defer wg.Done()
		st, err := e.client.Connect(ctx, name, req, true)
		done <- outcome{st, err}
	}()
	go func() {
		// Ends when the stream does: cancel and w.Close end it.
		defer wg.Done()
		defer close(events)
		for {
			ev, err := w.Next()
			if err != nil {
				return
			}
			select {
			case events <- ev:
			case <-ctx.Done():
				return
			}
		}
	}()

	// At most one question is on the terminal at a time; others wait in
	// queue, in the order the helper opened them.
	var queue []api.Prompt
	var asking string // ID of the prompt on the terminal
	var stopAsking context.CancelFunc = func() {}
	asked := make(chan struct{}, 1)
	next := func() {
		if asking != "" || len(queue) == 0 {
			return
		}
		p := queue[0]
		queue = queue[1:]
		qctx, qcancel := context.WithCancel(ctx)
		asking, stopAsking = p.ID, qcancel
		wg.Add(1)
		go func() {
			defer wg.Done()
			e.answer(qctx, p)
			asked <- struct{}{}
		}()
	}
	for {
		select {
		case o := <-done:
			stopAsking()
			return o.st, o.err
		case <-asked:
			asking = ""
			next()
		case ev, ok := <-events:
			if !ok {
				events = nil // the connect's outcome still comes
				continue
			}
			switch ev.Kind {
			case api.EventSnapshot:
				for _, p := range ev.Prompts {
					if p.Profile == name {
						queue = append(queue, p)
					}
				}
			case api.EventPrompt:
				if ev.Prompt.Profile == name {
					queue = append(queue, *ev.Prompt)
				}
			case api.EventPromptClosed:
				if ev.Prompt.ID == asking && !e.answeredHere(asking) {
					fmt.Fprintf(e.stderr, "The password request was %s.\n", closedHow(ev.Prompt.Outcome))
					stopAsking()
				}
				queue = dropPrompt(queue, ev.Prompt.ID)
			}
			next()
		}
	}
}

// answeredHere reports whether this espressoctl answered prompt id.
func (e *env) answeredHere(id string) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.answered[id]
}

// closedHow words how a prompt this espressoctl did not answer closed.
func closedHow(o api.PromptOutcome) string {
	switch o {
	case api.PromptAnswered:
		return "answered in another window"
	case api.PromptCancelled:
		return "cancelled in another window"
	case api.PromptExpired:
		return "not answered in time"
	}
	return "withdrawn"
}

func dropPrompt(q []api.Prompt, id string) []api.Prompt {
	out := q[:0]
	for _, p := range q {
		if p.ID != id {
			out = append(out, p)
		}
	}
	return out
}

// answer asks prompt p on the terminal and sends the answer: the
// password and whether to remember it, or a cancel when the user presses
// Ctrl-C or Ctrl-D or gives no password. It gives up silently when ctx
// ends (answered elsewhere, or the connection's outcome came).
func (e *env) answer(ctx context.Context, p api.Prompt) {
	q := explain.Ask(p)
	intro := q.Text + "\n"
	var a api.PromptAnswer
	for range maxEmptyAnswers {
		pw, err := e.term.ReadPassword(ctx, intro+"Password: ")
		intro = ""
		if ctx.Err() != nil {
			return
		}
		if err != nil || pw == "" {
			if err == nil {
				fmt.Fprintln(e.stderr, "No password typed; type it, or press Ctrl-C to cancel.")
				continue
			}
			break
		}
		a.Password = pw
		break
	}
	if a.Password != "" {
		yes, err := e.term.ReadLine(ctx, "Remember the password? [y/N] ")
		if ctx.Err() != nil {
			return
		}
		a.Remember = err == nil && strings.HasPrefix(strings.ToLower(strings.TrimSpace(yes)), "y")
	} else {
		a.Cancel = true
	}
	e.mu.Lock()
	e.answered[p.ID] = true
	e.mu.Unlock()
	if err := e.client.AnswerPrompt(ctx, p.ID, a); err != nil && ctx.Err() == nil {
		var ae *api.Error
		if errors.As(err, &ae) && ae.Code == api.CodeNotFound {
			fmt.Fprintln(e.stderr, "The password request was answered elsewhere or expired.")
			return
		}
		fmt.Fprintf(e.stderr, "Sending the password failed: %s\n", errorLine(err, e.client.Socket()))
	}
}
