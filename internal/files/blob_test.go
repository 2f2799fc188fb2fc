package files

import (
	"testing"
	"time"

	"aftersales/internal/testutil"
)

func TestDirIsABlobStore(t *testing.T) {
	d, err := OpenDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	testutil.CheckBlobStore(t, d, time.Now())
}
