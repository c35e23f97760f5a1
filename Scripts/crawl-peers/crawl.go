// A crawler in Go for Scripts/bench-crawl.sh: CONCURRENCY goroutines on one OS thread
// (run it with GOMAXPROCS=1) fetch every URL of URLS_FILE through one net/http client
// that keeps up to CONCURRENCY connections alive. Prints the wall time in seconds.
//
//	go run Scripts/crawl-peers/crawl.go CONCURRENCY URLS_FILE
package main

import (
	"bufio"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"sync"
	"time"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "use: crawl CONCURRENCY URLS_FILE")
		os.Exit(64)
	}
	concurrency, err := strconv.Atoi(os.Args[1])
	if err != nil || concurrency < 1 {
		fmt.Fprintln(os.Stderr, "crawl: CONCURRENCY must be a positive integer")
		os.Exit(64)
	}
	file, err := os.Open(os.Args[2])
	if err != nil {
		fmt.Fprintln(os.Stderr, "crawl:", err)
		os.Exit(66)
	}
	var urls []string
	lines := bufio.NewScanner(file)
	for lines.Scan() {
		if line := lines.Text(); line != "" {
			urls = append(urls, line)
		}
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: concurrency, MaxConnsPerHost: concurrency}}
	jobs := make(chan string)
	var workers sync.WaitGroup
	failed := 0
	start := time.Now()
	for i := 0; i < concurrency; i++ {
		workers.Add(1)
		go func() {
			defer workers.Done()
			for url := range jobs {
				response, err := client.Get(url)
				if err != nil {
					failed++ // one OS thread: no other goroutine runs between the read and the write
					continue
				}
				n, err := io.Copy(io.Discard, response.Body)
				response.Body.Close()
				if err != nil || n == 0 || response.StatusCode != 200 {
					failed++
				}
			}
		}()
	}
	for _, url := range urls {
		jobs <- url
	}
	close(jobs)
	workers.Wait()
	elapsed := time.Since(start).Seconds()
	if failed > 0 {
		fmt.Fprintf(os.Stderr, "crawl: %d of %d URLs failed\n", failed, len(urls))
		os.Exit(1)
	}
	fmt.Printf("%.4f\n", elapsed)
}
