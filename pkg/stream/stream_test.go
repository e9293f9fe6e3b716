package stream

import (
	"errors"
	"testing"
	"time"
)

func counter(n int) func() (int, bool, error) {
	i := 0
	return func() (int, bool, error) {
		if i == n {
			return 0, false, nil
		}
		i++
		return i, true, nil
	}
}

func TestOrdered(t *testing.T) {
	for _, workers := range []int{0, 1, 2, 7} {
		var got []int
		err := Ordered(workers, counter(1000), func(i int) int {
			if i%7 == 0 {
				time.Sleep(time.Microsecond * time.Duration(i%13)) // finish out of order
			}
			return i * 2
		}, func(o int) error { got = append(got, o); return nil })
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 1000 {
			t.Fatalf("workers %d: %d results", workers, len(got))
		}
		for i, v := range got {
			if v != (i+1)*2 {
				t.Fatalf("workers %d: result %d = %d, out of order", workers, i, v)
			}
		}
	}
}

func TestOrderedErrors(t *testing.T) {
	boom := errors.New("boom")
	calls := 0
	err := Ordered(3, counter(100000), func(i int) int { return i }, func(int) error {
		calls++
		if calls == 10 {
			return boom
		}
		return nil
	})
	if !errors.Is(err, boom) || calls != 10 {
		t.Fatalf("emit error: err %v after %d calls", err, calls)
	}
	n := 0
	err = Ordered(3, func() (int, bool, error) {
		n++
		if n == 5 {
			return 0, false, boom
		}
		return n, true, nil
	}, func(i int) int { return i }, func(int) error { return nil })
	if !errors.Is(err, boom) {
		t.Fatalf("read error lost: %v", err)
	}
}
