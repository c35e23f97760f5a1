// The figures of `greenlet bench spawn` for Go's goroutines on one OS thread
// (GOMAXPROCS=1): spawn+join, one switch (two goroutines handing a value back and forth
// through a pair of one-item channels), resident-set growth per parked goroutine.
// Prints one JSON object.
//
//	go run Scripts/spawn-peers/spawn.go -count 100000
package main

import (
	"encoding/json"
	"flag"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"
)

func residentBytes() float64 {
	statm, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		panic(err)
	}
	pages, err := strconv.Atoi(strings.Fields(string(statm))[1])
	if err != nil {
		panic(err)
	}
	return float64(pages * os.Getpagesize())
}

// Memory first, while the heap is fresh, as greenlet's benchmark does.
func bytesPerParked(count int) float64 {
	gate := make(chan struct{})
	var parked, done sync.WaitGroup
	parked.Add(count)
	done.Add(count)
	before := residentBytes()
	for i := 0; i < count; i++ {
		go func() {
			parked.Done()
			<-gate
			done.Done()
		}()
	}
	parked.Wait()
	runtime.Gosched()
	after := residentBytes()
	close(gate)
	done.Wait()
	return (after - before) / float64(count)
}

func spawnJoin(count int) float64 {
	results := make([]int, count)
	var done sync.WaitGroup
	done.Add(count)
	start := time.Now()
	for i := 0; i < count; i++ {
		go func(i int) {
			results[i] = i
			done.Done()
		}(i)
	}
	done.Wait()
	return float64(time.Since(start).Nanoseconds()) / float64(count)
}

func switchTime(roundTrips int) float64 {
	ping, pong := make(chan int, 1), make(chan int, 1)
	go func() {
		for i := 0; i < roundTrips; i++ {
			pong <- <-ping
		}
	}()
	start := time.Now()
	for i := 0; i < roundTrips; i++ {
		ping <- i
		<-pong
	}
	return float64(time.Since(start).Nanoseconds()) / float64(2*roundTrips)
}

func main() {
	count := flag.Int("count", 100000, "goroutines spawned, round trips made and goroutines parked")
	flag.Parse()
	runtime.GOMAXPROCS(1)
	memory := bytesPerParked(*count)
	report := map[string]interface{}{
		"mode": "go", "count": *count,
		"bytes_per_parked": memory, "spawn_join_ns": spawnJoin(*count), "switch_ns": switchTime(*count),
	}
	if err := json.NewEncoder(os.Stdout).Encode(report); err != nil {
		panic(err)
	}
}
