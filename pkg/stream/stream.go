// Package stream runs per-document work on all cores while keeping output in
// input order and memory bounded.
package stream

import (
	"runtime"
	"sync"
)

// Ordered pulls items from next, runs work on them with workers goroutines
// (0 means GOMAXPROCS) and calls emit with the results in input order. At
// most 4×workers items are in flight, so memory stays bounded whatever the
// input size. The first error from next or emit stops the run and is returned.
func Ordered[In, Out any](workers int, next func() (In, bool, error), work func(In) Out, emit func(Out) error) error {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	if workers == 1 {
		for {
			in, ok, err := next()
			if err != nil || !ok {
				return err
			}
			if err := emit(work(in)); err != nil {
				return err
			}
		}
	}
	type job struct {
		in  In
		out chan Out
	}
	jobs := make(chan job, workers)
	order := make(chan chan Out, 4*workers)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for i := 0; i < workers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				j.out <- work(j.in)
			}
		}()
	}
	var readErr error
	go func() {
		defer close(order)
		defer close(jobs)
		for {
			in, ok, err := next()
			if err != nil {
				readErr = err
				return
			}
			if !ok {
				return
			}
			j := job{in: in, out: make(chan Out, 1)}
			select {
			case order <- j.out:
			case <-stop:
				return
			}
			jobs <- j
		}
	}()
	var emitErr error
	for out := range order {
		r := <-out
		if emitErr == nil {
			if emitErr = emit(r); emitErr != nil {
				close(stop)
			}
		}
	}
	wg.Wait()
	if emitErr != nil {
		return emitErr
	}
	return readErr
}
