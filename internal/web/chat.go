package web

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"aftersales"
	"aftersales/internal/web/httperr"
)

// ChatPath receives chat and social messages from bridges (see
// docs/CHANNELS.md).
const ChatPath = "/intake/chat"

// chatSkew is how far a request's timestamp may be from the server's
// clock; older requests are refused as replays.
const chatSkew = 5 * time.Minute

// ChatSignature signs a chat webhook body: HMAC-SHA256 over
// "<timestamp>.<body>" with the shared secret, hex-encoded.
func ChatSignature(secret string, ts int64, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(strconv.FormatInt(ts, 10) + "."))
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// chat verifies a bridge's request and hands the message to the intake
// service: 201 when it opened a ticket, 200 when it was appended or had
// been received before.
func (s *Server) chat(w http.ResponseWriter, r *http.Request) {
	if s.ChatSecret == "" {
		writeProblem(w, http.StatusNotFound, "The chat webhook is off; set AFTERSALES_CHAT_SECRET to turn it on.")
		return
	}
	addr := aftersales.ClientFromContext(r.Context()).IP
	d, err := s.chats.Wait(r.Context(), addr)
	if err != nil {
		s.storeFailed(w, r, "chat throttle", err)
		return
	}
	if d > 0 {
		retryAfter(w, d)
		writeProblem(w, http.StatusTooManyRequests, "Too many bad signatures from this address; try again later.")
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, s.MaxAPIBody+1))
	if err != nil || int64(len(body)) > s.MaxAPIBody {
		writeProblem(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("The request body must be at most %d bytes.", s.MaxAPIBody))
		return
	}
	ts, err := strconv.ParseInt(r.Header.Get("X-Aftersales-Timestamp"), 10, 64)
	if err != nil {
		writeProblem(w, http.StatusUnauthorized, "X-Aftersales-Timestamp must be the Unix time in seconds.")
		return
	}
	if d := s.Now().Sub(time.Unix(ts, 0)); d > chatSkew || d < -chatSkew {
		writeProblem(w, http.StatusUnauthorized, "X-Aftersales-Timestamp is more than 5 minutes from the server's clock.")
		return
	}
	if !hmac.Equal([]byte(r.Header.Get("X-Aftersales-Signature")), []byte(ChatSignature(s.ChatSecret, ts, body))) {
		if err := s.chats.Fail(r.Context(), addr); err != nil {
			s.storeFailed(w, r, "chat throttle", err)
			return
		}
		writeProblem(w, http.StatusUnauthorized, "X-Aftersales-Signature does not match the body.")
		return
	}
	var m aftersales.ChatMessage
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m); err != nil {
		writeFieldProblem(w, jsonField(err), err.Error())
		return
	}
	res, err := s.Services.Intake.ReceiveChat(r.Context(), m)
	if err != nil {
		status := httperr.Status(err)
		if status >= 500 {
			s.Log.ErrorContext(r.Context(), "chat intake", "err", err)
		}
		fields := aftersales.ErrorFields(err)
		if len(fields) > 0 {
			writeFieldProblem(w, fields[0].Field, fields[0].Reason)
			return
		}
		writeProblem(w, status, aftersales.ErrorMessage(err))
		return
	}
	w.Header().Set("Content-Type", "application/json")
	if res.Created {
		w.WriteHeader(http.StatusCreated)
	}
	json.NewEncoder(w).Encode(res)
}

// jsonField names the field a decoding error is about.
func jsonField(err error) string {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) && te.Field != "" {
		return te.Field
	}
	if msg := err.Error(); strings.Contains(msg, "unknown field ") {
		return strings.Trim(msg[strings.Index(msg, "unknown field ")+len("unknown field "):], `"`)
	}
	return "body"
}

func writeFieldProblem(w http.ResponseWriter, field, reason string) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(http.StatusUnprocessableEntity)
	json.NewEncoder(w).Encode(map[string]any{"status": 422, "title": "Unprocessable Entity", "detail": "The message is invalid.",
		"errors": []map[string]string{{"location": "body." + field, "message": reason}}})
}
