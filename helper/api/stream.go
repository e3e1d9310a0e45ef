package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
)

// Stream reads newline-delimited JSON values of type T from the helper: the
// watch stream (Event) and the log stream (LogEntry). It holds no goroutine;
// Next blocks until the next value arrives.
type Stream[T any] struct {
	ctx  context.Context
	body io.ReadCloser
	dec  *json.Decoder
}

func openStream[T any](ctx context.Context, c *Client, path string, q url.Values) (*Stream[T], error) {
	resp, err := c.send(ctx, http.MethodGet, path, q, nil)
	if err != nil {
		return nil, err
	}
	return &Stream[T]{ctx: ctx, body: resp.Body, dec: json.NewDecoder(resp.Body)}, nil
}

// Next returns the next value. It returns io.EOF when the helper ends the
// stream, ctx's error when ctx is done, and another error if the helper
// went away or sent something unreadable.
func (s *Stream[T]) Next() (T, error) {
	var v T
	err := s.dec.Decode(&v)
	switch {
	case err == nil:
		return v, nil
	case s.ctx.Err() != nil:
		return v, s.ctx.Err()
	case errors.Is(err, io.EOF):
		return v, io.EOF
	}
	return v, fmt.Errorf("espresso helper stream: %w", err)
}

// Close ends the stream; a Next blocked in another goroutine returns.
func (s *Stream[T]) Close() error { return s.body.Close() }
