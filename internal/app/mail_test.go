package app

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
)

// With email configured, the default sender address is warned about and
// /metrics reports the email channel.
func TestServeMailSettings(t *testing.T) {
	env := map[string]string{"AFTERSALES_DATA_DIR": t.TempDir(), "AFTERSALES_ADMIN_PASSWORD": "serve-password-1",
		"AFTERSALES_SMTP_ADDR": "127.0.0.1:1", "AFTERSALES_SMTP_TLS": "none"}
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	done := make(chan int, 1)
	var out syncBuffer
	go func() {
		done <- Main(ctx, Env{Args: []string{"serve", "--addr", "127.0.0.1:0"}, Getenv: func(k string) string { return env[k] },
			Stdout: &out, Stderr: &out, Ready: func(a string) { ready <- a }})
	}()
	var addr string
	select {
	case addr = <-ready:
	case code := <-done:
		t.Fatalf("serve exited %d: %s", code, out.String())
	}
	res, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	cancel()
	<-done
	for _, m := range []string{"aftersales_mail_received_total", "aftersales_mail_quarantined_total", "aftersales_mail_sent_total",
		"aftersales_mail_outbox_oldest_pending_seconds"} {
		if !strings.Contains(string(body), m+" ") {
			t.Errorf("/metrics lacks %s", m)
		}
	}
	if !strings.Contains(out.String(), "--smtp-from is the default") {
		t.Errorf("no warning about the default sender:\n%s", out.String())
	}
}
