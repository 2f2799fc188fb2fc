package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"time"

	"aftersales"
)

var _ aftersales.BlobStore = (*DB)(nil)

// blobChunk is the size of one stored chunk: large enough that a 20 MiB
// attachment is 80 short statements, small enough that neither writing
// nor reading ever holds more than one chunk in memory.
const blobChunk = 256 << 10

// CreateBlob starts a blob whose chunks are written as they fill; Commit
// writes the head row that makes it visible.
func (db *DB) CreateBlob(ctx context.Context, key string) (aftersales.BlobWriter, error) {
	if key == "" || len(key) > 500 {
		return nil, fmt.Errorf("sqlstore: blob key %q: empty or longer than 500 bytes", key)
	}
	// Keys are random, chosen by the program; a key used twice fails on
	// the chunks' and the head's primary keys, so no read is spent here.
	return &blobWriter{db: db, ctx: ctx, key: key, buf: make([]byte, 0, blobChunk)}, nil
}

type blobWriter struct {
	db   *DB
	ctx  context.Context
	key  string
	buf  []byte
	seq  int
	size int64
	done bool
	err  error
}

func (w *blobWriter) Write(p []byte) (int, error) {
	if w.err != nil {
		return 0, w.err
	}
	n := 0
	for len(p) > 0 {
		k := min(len(p), blobChunk-len(w.buf))
		w.buf = append(w.buf, p[:k]...)
		p, n = p[k:], n+k
		if len(w.buf) == blobChunk {
			if err := w.flush(); err != nil {
				return n, err
			}
		}
	}
	return n, nil
}

// flush writes the buffered chunk. Every chunk but the last is exactly
// blobChunk bytes, which is what lets a reader seek by arithmetic.
func (w *blobWriter) flush() error {
	if len(w.buf) == 0 {
		return nil
	}
	if _, err := w.db.w.ExecContext(w.ctx, `INSERT INTO file_blob_chunks (key, seq, data, created_at) VALUES ($1, $2, $3, $4)`,
		w.key, w.seq, w.buf, ms(w.db.Now())); err != nil {
		w.err = mapErr(fmt.Errorf("sqlstore: write blob %s chunk %d: %w", w.key, w.seq, err))
		return w.err
	}
	w.size += int64(len(w.buf))
	w.seq++
	w.buf = w.buf[:0]
	return nil
}

func (w *blobWriter) Commit() error {
	if w.done {
		return errors.New("sqlstore: blob already committed or aborted")
	}
	w.done = true
	if err := w.flush(); err != nil {
		w.remove()
		return err
	}
	if _, err := w.db.w.ExecContext(w.ctx, `INSERT INTO file_blobs (key, size, created_at) VALUES ($1, $2, $3)`,
		w.key, w.size, ms(w.db.Now())); err != nil {
		w.remove()
		return mapErr(fmt.Errorf("sqlstore: commit blob %s: %w", w.key, err))
	}
	return nil
}

func (w *blobWriter) Abort() error {
	if w.done {
		return nil
	}
	w.done = true
	return w.remove()
}

// remove deletes the chunks written so far; what a failure here leaves
// behind has no head row and goes at the next sweep.
func (w *blobWriter) remove() error {
	if w.seq == 0 {
		return nil
	}
	_, err := w.db.w.ExecContext(context.WithoutCancel(w.ctx), `DELETE FROM file_blob_chunks WHERE key = $1`, w.key)
	if err != nil {
		return mapErr(fmt.Errorf("sqlstore: discard blob %s: %w", w.key, err))
	}
	return nil
}

// OpenBlob opens a committed blob; its chunks are read one at a time
// through the reader pool, as the reader asks for them.
func (db *DB) OpenBlob(ctx context.Context, key string) (aftersales.Blob, error) {
	var size int64
	err := db.r.QueryRowContext(ctx, `SELECT size FROM file_blobs WHERE key = $1`, key).Scan(&size)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, aftersales.Errorf(aftersales.ENOTFOUND, "This file does not exist.")
	}
	if err != nil {
		return nil, mapErr(fmt.Errorf("sqlstore: open blob %s: %w", key, err))
	}
	return &blobReader{db: db, ctx: ctx, key: key, size: size, seq: -1}, nil
}

type blobReader struct {
	db    *DB
	ctx   context.Context
	key   string
	size  int64
	pos   int64
	seq   int    // the chunk in buf, -1 for none
	buf   []byte // chunk seq
	close bool
}

func (b *blobReader) Size() int64 { return b.size }

func (b *blobReader) Read(p []byte) (int, error) {
	if b.close {
		return 0, errors.New("sqlstore: read of a closed blob")
	}
	if b.pos >= b.size {
		return 0, io.EOF
	}
	seq := int(b.pos / blobChunk)
	if seq != b.seq {
		b.buf = b.buf[:0]
		err := b.db.r.QueryRowContext(b.ctx, `SELECT data FROM file_blob_chunks WHERE key = $1 AND seq = $2`, b.key, seq).Scan(&b.buf)
		if err != nil {
			b.seq = -1
			return 0, mapErr(fmt.Errorf("sqlstore: read blob %s chunk %d: %w", b.key, seq, err))
		}
		b.seq = seq
	}
	off := int(b.pos % blobChunk)
	if off >= len(b.buf) {
		return 0, fmt.Errorf("sqlstore: blob %s is shorter than its recorded size %d", b.key, b.size)
	}
	n := copy(p, b.buf[off:])
	b.pos += int64(n)
	return n, nil
}

func (b *blobReader) Seek(offset int64, whence int) (int64, error) {
	var abs int64
	switch whence {
	case io.SeekStart:
		abs = offset
	case io.SeekCurrent:
		abs = b.pos + offset
	case io.SeekEnd:
		abs = b.size + offset
	default:
		return 0, errors.New("sqlstore: seek: invalid whence")
	}
	if abs < 0 {
		return 0, errors.New("sqlstore: seek before the start of a blob")
	}
	b.pos = abs
	return abs, nil
}

func (b *blobReader) Close() error {
	b.close, b.buf = true, nil
	return nil
}

// RemoveBlob deletes a blob, head first so no reader finds it half gone.
func (db *DB) RemoveBlob(ctx context.Context, key string) error {
	return db.inTx(ctx, func(tx *Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM file_blobs WHERE key = $1`, key); err != nil {
			return mapErr(fmt.Errorf("sqlstore: remove blob %s: %w", key, err))
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM file_blob_chunks WHERE key = $1`, key); err != nil {
			return mapErr(fmt.Errorf("sqlstore: remove blob %s: %w", key, err))
		}
		return nil
	})
}

// SweepBlobs removes the blobs under prefix created before the instant,
// and chunks without a head row (writes that never committed) written
// before it, wherever they are.
func (db *DB) SweepBlobs(ctx context.Context, prefix string, before time.Time) (int, error) {
	n := 0
	err := db.inTx(ctx, func(tx *Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM file_blobs WHERE substr(key, 1, $1) = $2 AND created_at < $3`,
			len(prefix), prefix, ms(before))
		if err != nil {
			return mapErr(fmt.Errorf("sqlstore: sweep blobs: %w", err))
		}
		k, _ := res.RowsAffected()
		n = int(k)
		if _, err := tx.ExecContext(ctx, `DELETE FROM file_blob_chunks WHERE created_at < $1
			AND NOT EXISTS (SELECT 1 FROM file_blobs b WHERE b.key = file_blob_chunks.key)`, ms(before)); err != nil {
			return mapErr(fmt.Errorf("sqlstore: sweep blob chunks: %w", err))
		}
		return nil
	})
	return n, err
}
