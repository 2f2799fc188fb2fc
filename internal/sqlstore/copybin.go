package sqlstore

import (
	"encoding/binary"
	"fmt"
	"math"
	"strings"
)

// PostgreSQL type oids the binary COPY of an import writes.
const (
	oidBool = 16
	oidInt8 = 20
	oidInt2 = 21
	oidInt4 = 23
	oidText = 25
)

// copyBinary encodes rows as PostgreSQL's binary COPY stream for columns
// of the given type oids (bigint, integer, smallint, text and boolean;
// Go values int64, int, string, bool and nil), appending to buf. pgx's
// CopyFrom encodes each value through its generic type map (a plan
// lookup and an interface call per value): on the Boston file a tenth of
// the client's CPU. It returns an error, with buf as it came, for a value or
// a column type it does not know; the caller then copies through pgx.
func copyBinary(buf []byte, types []uint32, rows [][]any) ([]byte, error) {
	start := len(buf)
	buf = append(buf, "PGCOPY\n\xff\r\n\x00"...)
	buf = binary.BigEndian.AppendUint32(buf, 0) // flags
	buf = binary.BigEndian.AppendUint32(buf, 0) // header extension
	for _, r := range rows {
		if len(r) != len(types) {
			return buf[:start], fmt.Errorf("copy: %d values for %d columns", len(r), len(types))
		}
		buf = binary.BigEndian.AppendUint16(buf, uint16(len(r)))
		for i, v := range r {
			var err error
			if buf, err = appendBinary(buf, types[i], v); err != nil {
				return buf[:start], fmt.Errorf("copy: column %d: %w", i+1, err)
			}
		}
	}
	return binary.BigEndian.AppendUint16(buf, 0xffff), nil
}

func appendBinary(buf []byte, typ uint32, v any) ([]byte, error) {
	var n int64
	switch v := v.(type) {
	case nil:
		return binary.BigEndian.AppendUint32(buf, 0xffffffff), nil
	case string:
		if typ != oidText {
			return buf, fmt.Errorf("string for type %d", typ)
		}
		// The server checks the encoding, as it does pgx's stream.
		buf = binary.BigEndian.AppendUint32(buf, uint32(len(v)))
		return append(buf, v...), nil
	case bool:
		if typ != oidBool {
			return buf, fmt.Errorf("bool for type %d", typ)
		}
		buf = binary.BigEndian.AppendUint32(buf, 1)
		if v {
			return append(buf, 1), nil
		}
		return append(buf, 0), nil
	case int64:
		n = v
	case int:
		n = int64(v)
	default:
		return buf, fmt.Errorf("value of type %T", v)
	}
	switch typ {
	case oidInt8:
		buf = binary.BigEndian.AppendUint32(buf, 8)
		return binary.BigEndian.AppendUint64(buf, uint64(n)), nil
	case oidInt4:
		if n < math.MinInt32 || n > math.MaxInt32 {
			return buf, fmt.Errorf("%d out of integer range", n)
		}
		buf = binary.BigEndian.AppendUint32(buf, 4)
		return binary.BigEndian.AppendUint32(buf, uint32(int32(n))), nil
	case oidInt2:
		if n < math.MinInt16 || n > math.MaxInt16 {
			return buf, fmt.Errorf("%d out of smallint range", n)
		}
		buf = binary.BigEndian.AppendUint32(buf, 2)
		return binary.BigEndian.AppendUint16(buf, uint16(int16(n))), nil
	}
	return buf, fmt.Errorf("integer for type %d", typ)
}

// copyStatement is the COPY statement of a binary stream into table's cols.
func copyStatement(table string, cols []string) string {
	q := make([]string, len(cols))
	for i, c := range cols {
		q[i] = quoteIdent(c)
	}
	return `COPY ` + quoteIdent(table) + ` (` + strings.Join(q, ", ") + `) FROM STDIN (FORMAT binary)`
}

func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }
